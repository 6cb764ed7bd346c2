"""What each call to a system we do not run took and answered: the raw material of the delivery log.

Adapters (the grid, SMS, WeChat, e-mail) wrap every call to the outside in
`call(operation, reference)`; it times the call and keeps the start of the
answer (or of the error), redacted. Where the report goes depends on who
made the call:

- inside an outbox delivery the worker holds a `capture()`: the reports
  are collected and become that row's DeliveryAttempt (latency and excerpt);
- anywhere else (the grid poll, the updates feed, a verification SMS) they go
  to the registered sinks; the notifications app registers one that writes a
  standalone DeliveryAttempt.

Nothing here may break a delivery: a sink that fails is logged and ignored.
Excerpts never carry secrets (tokens, keys, configured passwords) nor
personal data we can recognise (phones, ID numbers, e-mail addresses).
"""

from __future__ import annotations

import json
import logging
import re
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

from shequtong.common import masking

logger = logging.getLogger("shequtong.exchange")

EXCERPT_MAX = 500


@dataclass
class Exchange:
    """One call to an outside system."""

    operation: str          # "grid.submit", "grid.fetch", "grid.updates", "sms", "email", "wechat", "wechat.token", …
    reference: str = ""     # what it was about: an idempotency key, a request id, a masked phone
    ok: bool = False
    latency_ms: int = 0
    excerpt: str = ""


_capture: ContextVar[list[Exchange] | None] = ContextVar("exchange_capture", default=None)
_SINKS: list[Callable[[Exchange], object]] = []


def add_sink(sink: Callable[[Exchange], object]) -> None:
    if sink not in _SINKS:
        _SINKS.append(sink)


@contextmanager
def capture() -> Iterator[list[Exchange]]:
    """Collect the exchanges made inside the block instead of sending them to the sinks."""
    collected: list[Exchange] = []
    token = _capture.set(collected)
    try:
        yield collected
    finally:
        _capture.reset(token)


def report(exchange: Exchange) -> None:
    exchange.excerpt = redact(exchange.excerpt)[:EXCERPT_MAX]
    collected = _capture.get()
    if collected is not None:
        collected.append(exchange)
        return
    for sink in list(_SINKS):
        try:
            sink(exchange)
        except Exception:  # the log must never break the call it describes
            logger.exception("exchange sink failed for %s", exchange.operation)


@dataclass
class Call:
    """The running call inside `call(...)`; the adapter sets `answer` from what came back."""

    exchange: Exchange
    answer: Any = None
    # Set when the outside answered but said no (an error code in a 200 answer).
    refused: bool = False
    _started: float = field(default_factory=time.monotonic)


@contextmanager
def call(operation: str, reference: str = "") -> Iterator[Call]:
    """Time one outside call and report it; an exception is reported as a failure and re-raised.

        with exchange.call("sms", masked_phone) as c:
            raw = urlopen(...).read()
            c.answer = raw
    """
    current = Call(Exchange(operation=operation, reference=reference[:120]))
    try:
        yield current
    except BaseException as exc:
        current.exchange.ok = False
        current.exchange.excerpt = _text(current.answer) or error_text(exc)
        _finish(current)
        raise
    current.exchange.ok = not current.refused
    current.exchange.excerpt = _text(current.answer)
    _finish(current)


def _finish(current: Call) -> None:
    current.exchange.latency_ms = max(0, round((time.monotonic() - current._started) * 1000))
    report(current.exchange)


def error_text(exc: BaseException) -> str:
    text = str(exc)
    return f"{exc.__class__.__name__}: {text}" if text else exc.__class__.__name__


def _text(answer: Any) -> str:
    if answer is None:
        return ""
    if isinstance(answer, bytes):
        answer = answer[:65536].decode("utf-8", "replace")
    if isinstance(answer, str):
        # JSON is shown as readable text: "\u53f7" escapes hide both the words and the numbers to mask.
        stripped = answer.strip()
        if stripped[:1] in ("{", "["):
            try:
                return json.dumps(json.loads(stripped), ensure_ascii=False)
            except ValueError:
                pass
        return answer
    try:
        return json.dumps(answer, ensure_ascii=False, default=str)
    except (TypeError, ValueError):
        return repr(answer)


# --- redaction ------------------------------------------------------------------------

_SECRET_KEYS = r"(?:access_token|refresh_token|token|secret|app_secret|api_key|apikey|password|passwd|authorization|signature|sign|code_verifier)"  # noqa: S105 - names of secrets, not one
# "key": "value" in JSON, key=value in query strings and form bodies, "Authorization: Bearer …".
_JSON_SECRET = re.compile(rf'("{_SECRET_KEYS}"\s*:\s*)"[^"]*"', re.IGNORECASE)
_PAIR_SECRET = re.compile(rf"(\b{_SECRET_KEYS}=)[^&\s\"']+", re.IGNORECASE)
_BEARER = re.compile(r"(Bearer\s+)[A-Za-z0-9._~+/=-]+", re.IGNORECASE)
_WHSEC = re.compile(r"whsec_[A-Za-z0-9+/=]+")
_EMAIL = re.compile(r"([A-Za-z0-9._%+-])[A-Za-z0-9._%+-]*@([A-Za-z0-9.-]+\.[A-Za-z]{2,})")


def _configured_secrets() -> list[str]:
    try:
        from django.conf import settings

        names = ("GRID_OPEN311_API_KEY", "GRID_WEBHOOK_SECRET", "SMS_HTTP_API_KEY", "WECHAT_APP_SECRET",
                 "EMAIL_HOST_PASSWORD", "SECRET_KEY", "FIELD_ENCRYPTION_KEY", "FIELD_ENCRYPTION_KEYS",
                 "BLIND_INDEX_KEY", "AUDIT_CHAIN_KEY")
        values = [str(getattr(settings, n, "") or "") for n in names]
    except Exception:  # settings not configured (a bare import): nothing to strip
        return []
    return [v for v in values if len(v) >= 6]


def redact(text: str) -> str:
    """Remove secrets and mask personal data in a provider's answer or an error message."""
    if not text:
        return ""
    for secret in _configured_secrets():
        text = text.replace(secret, "***")
    text = _JSON_SECRET.sub(r'\1"***"', text)
    text = _PAIR_SECRET.sub(r"\1***", text)
    text = _BEARER.sub(r"\1***", text)
    text = _WHSEC.sub("whsec_***", text)
    text = masking.mask_text(text)
    return _EMAIL.sub(r"\1***@\2", text)


def mask_phone(phone: str) -> str:
    """A reference for a message sent to a phone number (never the number itself)."""
    return masking.mask_phone(phone)
