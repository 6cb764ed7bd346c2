"""Signing and verifying webhooks the Standard Webhooks way (the grid's result callbacks).

A message carries three headers:
    webhook-id:         a unique id per message (the receiver ignores repeats)
    webhook-timestamp:  seconds since the epoch when it was signed
    webhook-signature:  "v1,<base64 HMAC-SHA256 over '<id>.<timestamp>.<body>'>", several
                        space-separated when the sender is rotating secrets
A receiver refuses a bad signature and a timestamp outside the replay window
(five minutes either way), and remembers ids it has seen for longer than that
window, so a captured message can be neither altered nor replayed.

Secrets are written "whsec_<base64>" (the Standard Webhooks form); any other
string is used as raw bytes.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import time
from collections.abc import Mapping

from .errors import WebhookVerificationError

TOLERANCE_SECONDS = 5 * 60
_PREFIX = "whsec_"


def secret_bytes(secret: str | bytes) -> bytes:
    if isinstance(secret, bytes):
        return secret
    if secret.startswith(_PREFIX):
        return base64.b64decode(secret[len(_PREFIX):])
    return secret.encode()


def new_secret() -> str:
    return _PREFIX + base64.b64encode(secrets.token_bytes(32)).decode()


def new_id() -> str:
    return "msg_" + secrets.token_urlsafe(18)


def sign(secret: str | bytes, msg_id: str, timestamp: int, body: bytes) -> str:
    """The v1 signature of one message (without the "v1," prefix)."""
    signed = f"{msg_id}.{timestamp}.".encode() + body
    digest = hmac.new(secret_bytes(secret), signed, hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


def headers(secret: str | bytes, body: bytes, *, msg_id: str | None = None, timestamp: int | None = None) -> dict[str, str]:
    """The three webhook headers for sending `body`."""
    msg_id = msg_id or new_id()
    timestamp = int(time.time()) if timestamp is None else timestamp
    return {
        "webhook-id": msg_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": "v1," + sign(secret, msg_id, timestamp, body),
    }


def _header(h: Mapping[str, str], name: str) -> str:
    for key, value in h.items():
        if key.lower() == name:
            return value
    return ""


def verify(secret: str | bytes, h: Mapping[str, str], body: bytes, *, now: float | None = None,
           tolerance: int = TOLERANCE_SECONDS) -> str:
    """Check a received message; return its webhook-id or raise WebhookVerificationError."""
    msg_id = _header(h, "webhook-id")
    stamp = _header(h, "webhook-timestamp")
    signature = _header(h, "webhook-signature")
    if not msg_id or not stamp or not signature:
        raise WebhookVerificationError("missing webhook headers")
    try:
        timestamp = int(stamp)
    except ValueError as exc:
        raise WebhookVerificationError("bad timestamp") from exc
    now = time.time() if now is None else now
    if abs(now - timestamp) > tolerance:
        raise WebhookVerificationError("timestamp outside the replay window")
    expected = sign(secret, msg_id, timestamp, body)
    for candidate in signature.split():
        version, _, value = candidate.partition(",")
        if version == "v1" and hmac.compare_digest(value, expected):
            return msg_id
    raise WebhookVerificationError("signature mismatch")
