"""An uploaded import file at rest: encrypted, never in clear (issue 20 item 2).

The bytes are sealed with the personal-data keyring (common/crypto: AES-256-GCM) before they
reach the database and opened only by the import that reads them; `ImportJob.file_blob` is
emptied when the job ends. A database dump taken mid-import holds ciphertext only.
"""

from __future__ import annotations

import base64
import hashlib

from shequtong.common import crypto

MAX_UPLOAD_BYTES = 200 * 1024 * 1024


def seal(data: bytes) -> bytes:
    return crypto.encrypt(base64.b64encode(data).decode("ascii"))


def open_sealed(blob: bytes | memoryview | None) -> bytes:
    return base64.b64decode(crypto.decrypt(blob)) if blob else b""


def digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()
