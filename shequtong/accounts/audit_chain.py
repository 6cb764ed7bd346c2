"""The audit log's hash chain: each row stores the previous row's hash and its own.

row_hash = HMAC-SHA256(AUDIT_CHAIN_KEY, prev_hash | actor | action | target | detail | ip | created_at).
Editing, deleting or inserting a row in the middle breaks the chain at that row
(`manage.py verify_audit`); recomputing the chain after an edit needs
AUDIT_CHAIN_KEY, which lives in the environment, never in the database. Cutting
rows off the end is caught by comparing with a head hash recorded elsewhere
(verify_audit prints it; docs/operations.md "Audit log").

Pure functions only: migration 0004 uses them to chain the rows written before it.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from datetime import UTC, datetime
from typing import Any

from django.conf import settings

GENESIS = ""
# Without AUDIT_CHAIN_KEY (development, tests) the chain is keyed by this public label:
# it still detects edits, but anyone with write access could recompute it.
_DEV_KEY = b"shequtong-audit-chain-development-only"


def chain_key() -> bytes:
    value = getattr(settings, "AUDIT_CHAIN_KEY", "") or ""
    return value.encode() if value else _DEV_KEY


def canonical_time(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def row_hash(
    *, prev_hash: str, actor_id: int | None, action: str, target_type: str, target_id: str,
    detail: Any, ip: str | None, created_at: datetime, key: bytes | None = None,
) -> str:
    payload = json.dumps(
        [prev_hash, actor_id, action, target_type, target_id, detail, ip or None, canonical_time(created_at)],
        sort_keys=True, ensure_ascii=False, separators=(",", ":"),
    )
    return hmac.new(key or chain_key(), payload.encode(), hashlib.sha256).hexdigest()


def lock_chain(connection: Any) -> None:
    """Serialise appends to the chain until the current transaction ends.

    PostgreSQL: a transaction-scoped advisory lock, so two transactions never
    read the same head and fork the chain; the lock is held until commit, so
    the row order by id is the commit order. SQLite takes its write lock at
    BEGIN (transaction_mode IMMEDIATE), which serialises writers already.
    """
    if connection.vendor == "postgresql":
        with connection.cursor() as cur:
            cur.execute("SELECT pg_advisory_xact_lock(%s)", [AUDIT_LOCK_ID])


# An arbitrary constant naming the audit chain's advisory lock.
AUDIT_LOCK_ID = 0x5354_4155_4449_54  # "STAUDIT"
