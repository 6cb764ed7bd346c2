"""Sending a signed webhook (Standard Webhooks, webhooks.py) to a system we do not run.

Only sends and raises: a 5xx, 408/429, timeout or refused connection is retryable
(`WebhookUnavailable`), any other 4xx is not (`WebhookRejected`). Each call is timed and
logged in the delivery log (exchange.py) under its operation name.
"""

from __future__ import annotations

import urllib.error
import urllib.request

from django.conf import settings

from . import exchange, webhooks
from .errors import IntegrationError


class WebhookUnavailable(IntegrationError):
    retryable = True


class WebhookRejected(IntegrationError):
    retryable = False


def post_signed(url: str, secret: str, body: bytes, *, msg_id: str, operation: str = "webhook",
                timeout: float | None = None) -> None:
    headers = {"Content-Type": "application/json; charset=utf-8", **webhooks.headers(secret, body, msg_id=msg_id)}
    req = urllib.request.Request(url, data=body, method="POST", headers=headers)  # noqa: S310 - configured URL
    timeout = settings.WEBHOOK_TIMEOUT_SECONDS if timeout is None else timeout
    with exchange.call(operation, msg_id) as call:
        try:
            with urllib.request.urlopen(req, timeout=timeout) as resp:  # noqa: S310
                call.answer = resp.read()[:600]
        except urllib.error.HTTPError as exc:
            call.answer = f"HTTP {exc.code}"
            if exc.code >= 500 or exc.code in (408, 429):
                raise WebhookUnavailable(f"HTTP {exc.code}") from exc
            raise WebhookRejected(f"HTTP {exc.code}") from exc
        except (TimeoutError, urllib.error.URLError, OSError) as exc:
            raise WebhookUnavailable(f"{exc.__class__.__name__}: {exc}") from exc
