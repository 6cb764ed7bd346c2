"""Field encryption (AES-256-GCM) and blind indexes (HMAC-SHA256) for personal data.

The keys come from the environment and are never stored in the database, so a
database administrator holding a dump cannot read ID numbers or phones (NF-4).
Ciphertext layout: 1 version byte, 12-byte random nonce, ciphertext+tag.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
from functools import lru_cache

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

_VERSION = b"\x01"
# Development/test keys are derived from a fixed label so tests and the demo
# work out of the box; production refuses to start without real keys
# (see shequtong/common/checks.py).
_DEV_LABEL = b"shequtong-development-only"


def _decode_key(value: str, name: str) -> bytes:
    try:
        key = base64.b64decode(value, validate=True)
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name} must be base64") from exc
    if len(key) != 32:
        raise ImproperlyConfigured(f"{name} must decode to 32 bytes")
    return key


@lru_cache(maxsize=4)
def _key(name: str) -> bytes:
    value = getattr(settings, name, "")
    if value:
        return _decode_key(value, name)
    if getattr(settings, "PRODUCTION", False):
        raise ImproperlyConfigured(f"{name} is required in production")
    return hashlib.sha256(_DEV_LABEL + name.encode()).digest()


def generate_key() -> str:
    """A fresh base64 key for .env (used by `make run` and operators)."""
    return base64.b64encode(os.urandom(32)).decode()


def encrypt(plaintext: str) -> bytes:
    nonce = os.urandom(12)
    return _VERSION + nonce + AESGCM(_key("FIELD_ENCRYPTION_KEY")).encrypt(nonce, plaintext.encode(), None)


def decrypt(blob: bytes | memoryview | None) -> str:
    if blob is None:
        return ""
    raw = bytes(blob)
    if not raw:
        return ""
    if raw[:1] != _VERSION:
        raise ValueError("unknown ciphertext version")
    return AESGCM(_key("FIELD_ENCRYPTION_KEY")).decrypt(raw[1:13], raw[13:], None).decode()


def blind_index(value: str, *, purpose: str) -> str:
    """Deterministic HMAC of a normalised value, for equality look-ups only.

    `purpose` separates the index spaces (an ID number and a phone never share
    an index value).
    """
    msg = purpose.encode() + b"\x00" + value.strip().upper().encode()
    return hmac.new(_key("BLIND_INDEX_KEY"), msg, hashlib.sha256).hexdigest()
