"""SMS over an HTTP provider (NF-6), implementing integrations.sms.SmsGateway.

settings.SMS_BACKEND = "shequtong.integrations.sms_http.HttpSmsGateway" with
SMS_HTTP_URL, SMS_HTTP_API_KEY and SMS_HTTP_SIGN_NAME from the environment.
The provider contract (what our gateway sends and expects):

    POST {SMS_HTTP_URL}   Authorization: Bearer {API key}   Content-Type: application/json
    {"phone": "13912345678", "sign_name": "宝山社区通", "content": "…"}
    → 200 {"code": "OK", "message_id": "…"}
    → 200 {"code": "<error code>", "message": "…"}   refused (bad number, blacklisted …)

Most Chinese SMS providers fit this with a thin relay; a provider with its
own signature scheme gets its own class implementing the same interface.
Connection failures, timeouts, 5xx and 429 are `SmsUnavailable` (retry);
anything else is `SmsRejected` (do not retry). Both are SmsDeliveryError
(integrations/errors.py), which is all that code sending verification codes
needs to know; the outbox handler for kind "sms" is
`notifications.handlers.deliver_sms`.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from typing import Any

from django.conf import settings

from . import exchange
from .errors import SmsRejected as SmsRejected
from .errors import SmsUnavailable as SmsUnavailable


class HttpSmsGateway:
    def __init__(self, url: str | None = None, *, api_key: str | None = None, sign_name: str | None = None,
                 timeout: float | None = None) -> None:
        self.url = url if url is not None else settings.SMS_HTTP_URL
        self.api_key = api_key if api_key is not None else settings.SMS_HTTP_API_KEY
        self.sign_name = sign_name if sign_name is not None else settings.SMS_HTTP_SIGN_NAME
        self.timeout = timeout if timeout is not None else settings.SMS_HTTP_TIMEOUT_SECONDS

    def send(self, phone: str, text: str) -> str:
        if not self.url:
            raise SmsUnavailable("SMS_HTTP_URL is not configured")
        body = json.dumps({"phone": phone, "sign_name": self.sign_name, "content": text}, ensure_ascii=False).encode()
        req = urllib.request.Request(self.url, data=body, method="POST", headers={  # noqa: S310 - configured provider URL
            "Content-Type": "application/json; charset=utf-8", "Authorization": f"Bearer {self.api_key}",
        })
        # Timed and logged (the delivery log) under the masked number, never the number itself.
        with exchange.call("sms", exchange.mask_phone(phone)) as call:
            try:
                with urllib.request.urlopen(req, timeout=self.timeout) as resp:  # noqa: S310
                    raw = resp.read()
            except urllib.error.HTTPError as exc:
                call.answer = f"HTTP {exc.code}: {_body(exc)}"
                if exc.code >= 500 or exc.code in (408, 429):
                    raise SmsUnavailable(f"HTTP {exc.code}") from exc
                raise SmsRejected(f"HTTP {exc.code}") from exc
            except (TimeoutError, urllib.error.URLError, OSError) as exc:
                raise SmsUnavailable(f"{exc.__class__.__name__}: {exc}") from exc
            call.answer = raw
            try:
                answer: dict[str, Any] = json.loads(raw.decode("utf-8"))
            except (UnicodeDecodeError, ValueError) as exc:
                raise SmsUnavailable("the provider answered with something that is not JSON") from exc
            if not isinstance(answer, dict):
                raise SmsUnavailable("the provider answered with something that is not an object")
            if str(answer.get("code")) != "OK":
                raise SmsRejected(f"{answer.get('code')}: {answer.get('message', '')}")
        return str(answer.get("message_id") or "")


def _body(exc: urllib.error.HTTPError) -> str:
    try:
        return exc.read()[:600].decode("utf-8", "replace")
    except OSError:
        return ""

