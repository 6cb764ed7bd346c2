"""Field encryption (AES-256-GCM) and blind indexes (HMAC-SHA256) for personal data.

The keys come from the environment and are never stored in the database, so a
database administrator holding a dump cannot read ID numbers or phones (NF-4).
Ciphertext layout (version 2): 1 version byte (0x02), 2-byte key id (big
endian), 12-byte random nonce, ciphertext+tag. Version 1 (0x01, no key id) was
written before keys carried ids and is read with key id 1.

Key rotation (docs/operations.md "Rotating the personal-data key"): the keyring
holds every key that may still be read (FIELD_ENCRYPTION_KEY is id 1 unless
FIELD_ENCRYPTION_KEYS names more, "id:base64,id:base64"); FIELD_ENCRYPTION_KEY_ID
picks the key new values are written under; `manage.py rotate_field_key`
re-encrypts old values row by row while the site keeps serving.
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

_VERSION = b"\x01"  # legacy: no key id, read with key id 1
_VERSION_2 = b"\x02"
_HEADER_2 = 1 + 2 + 12  # version, key id, nonce
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


def _keys_setting() -> tuple[str, str, int, bool]:
    return (
        getattr(settings, "FIELD_ENCRYPTION_KEY", ""),
        getattr(settings, "FIELD_ENCRYPTION_KEYS", ""),
        int(getattr(settings, "FIELD_ENCRYPTION_KEY_ID", 1) or 1),
        bool(getattr(settings, "PRODUCTION", False)),
    )


@lru_cache(maxsize=8)
def _keyring(single: str, many: str, current: int, production: bool) -> tuple[int, dict[int, AESGCM]]:
    ring: dict[int, AESGCM] = {}
    for item in (part.strip() for part in many.split(",")):
        if not item:
            continue
        key_id, sep, value = item.partition(":")
        if not sep or not key_id.strip().isdigit() or not 0 < int(key_id) < 65536:
            raise ImproperlyConfigured("FIELD_ENCRYPTION_KEYS must be 'id:base64,id:base64' with ids 1..65535")
        ring[int(key_id)] = AESGCM(_decode_key(value.strip(), f"FIELD_ENCRYPTION_KEYS[{key_id}]"))
    if 1 not in ring:
        if single:
            ring[1] = AESGCM(_decode_key(single, "FIELD_ENCRYPTION_KEY"))
        elif not production:
            ring[1] = AESGCM(hashlib.sha256(_DEV_LABEL + b"FIELD_ENCRYPTION_KEY").digest())
        elif not ring:
            raise ImproperlyConfigured("FIELD_ENCRYPTION_KEY is required in production")
    if current not in ring:
        raise ImproperlyConfigured(f"FIELD_ENCRYPTION_KEY_ID={current} is not in the keyring")
    return current, ring


def current_key_id() -> int:
    """The id of the key new values are written under."""
    return _keyring(*_keys_setting())[0]


def key_ids() -> list[int]:
    """Every key id that can be read (the current one and those kept during a rotation)."""
    return sorted(_keyring(*_keys_setting())[1])


def key_id_of(blob: bytes | memoryview) -> int:
    """The id of the key a stored value was encrypted under (1 for version-1 values)."""
    raw = bytes(blob)
    if raw[:1] == _VERSION:
        return 1
    if raw[:1] == _VERSION_2 and len(raw) > _HEADER_2:
        return int.from_bytes(raw[1:3], "big")
    raise ValueError("unknown ciphertext version")


def encrypt(plaintext: str) -> bytes:
    current, ring = _keyring(*_keys_setting())
    nonce = os.urandom(12)
    return _VERSION_2 + current.to_bytes(2, "big") + nonce + ring[current].encrypt(nonce, plaintext.encode(), None)


def decrypt(blob: bytes | memoryview | None) -> str:
    if blob is None:
        return ""
    raw = bytes(blob)
    if not raw:
        return ""
    _, ring = _keyring(*_keys_setting())
    if raw[:1] == _VERSION:
        key_id, nonce, body = 1, raw[1:13], raw[13:]
    elif raw[:1] == _VERSION_2:
        key_id, nonce, body = int.from_bytes(raw[1:3], "big"), raw[3:15], raw[15:]
    else:
        raise ValueError("unknown ciphertext version")
    aead = ring.get(key_id)
    if aead is None:
        raise ValueError(f"no key with id {key_id} in the keyring (was it removed before rotation finished?)")
    return aead.decrypt(nonce, body, None).decode()


def reencrypt(blob: bytes | memoryview) -> bytes | None:
    """The value under the current key, or None when it is already under it."""
    if key_id_of(blob) == current_key_id() and bytes(blob)[:1] == _VERSION_2:
        return None
    return encrypt(decrypt(blob))


def blind_index(value: str, *, purpose: str) -> str:
    """Deterministic HMAC of a normalised value, for equality look-ups only.

    `purpose` separates the index spaces (an ID number and a phone never share
    an index value).
    """
    msg = purpose.encode() + b"\x00" + value.strip().upper().encode()
    return hmac.new(_key("BLIND_INDEX_KEY"), msg, hashlib.sha256).hexdigest()
