"""Re-encrypt every EncryptedTextField value under the current key, while the site serves.

Reads accept every key in the keyring during a rotation (common/crypto.py), so
the site keeps working whichever key a row is under. This command walks each
table holding encrypted columns in primary-key order, in small batches, and
rewrites a value only if it is still the ciphertext it read (compare-and-swap
in the UPDATE's WHERE): a user who saves their phone meanwhile is never
overwritten, and their new value is already under the current key. Blind
indexes are HMACs under BLIND_INDEX_KEY, a separate key: they do not change
and stay valid. Run it again until it reports nothing left; then the old key
can leave the keyring (docs/operations.md "Rotating the personal-data key").
"""

from __future__ import annotations

from typing import Any

from django.apps import apps
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction

from shequtong.common import crypto
from shequtong.common.fields import EncryptedTextField


def encrypted_columns() -> list[tuple[Any, list[Any]]]:
    """Every concrete model with its EncryptedTextFields."""
    found = []
    for model in apps.get_models():
        if model._meta.proxy or not model._meta.managed:
            continue
        fields = [f for f in model._meta.concrete_fields if isinstance(f, EncryptedTextField)]
        if fields:
            found.append((model, fields))
    return found


def rotate(*, batch: int = 500, dry_run: bool = False) -> dict[str, dict[str, int]]:
    """Re-encrypt what is not under the current key; counts per table: rewritten, left (still old)."""
    current = crypto.current_key_id()
    report: dict[str, dict[str, int]] = {}
    qn = connection.ops.quote_name
    for model, fields in encrypted_columns():
        table, pk = model._meta.db_table, model._meta.pk.column
        counts = {"rewritten": 0, "left": 0}
        for field in fields:
            col = field.column
            last: Any = None
            while True:
                where = f"WHERE {qn(col)} IS NOT NULL" + (f" AND {qn(pk)} > %s" if last is not None else "")
                sql = f"SELECT {qn(pk)}, {qn(col)} FROM {qn(table)} {where} ORDER BY {qn(pk)} LIMIT %s"  # noqa: S608 - names from the model
                with connection.cursor() as cur:
                    cur.execute(sql, [last, batch] if last is not None else [batch])
                    rows = cur.fetchall()
                if not rows:
                    break
                last = rows[-1][0]
                with transaction.atomic():
                    for row_pk, blob in rows:
                        if blob is None or not bytes(blob):
                            continue
                        fresh = crypto.reencrypt(blob)
                        if fresh is None:
                            continue
                        if dry_run:
                            counts["left"] += 1
                            continue
                        with connection.cursor() as cur:
                            cur.execute(
                                f"UPDATE {qn(table)} SET {qn(col)} = %s WHERE {qn(pk)} = %s AND {qn(col)} = %s",  # noqa: S608
                                [fresh, row_pk, bytes(blob)],
                            )
                            if cur.rowcount == 1:
                                counts["rewritten"] += 1
                            else:
                                counts["left"] += 1  # changed meanwhile: its new value is under the current key
        report[f"{table} ({', '.join(f.column for f in fields)})"] = counts
    if current not in crypto.key_ids():  # pragma: no cover - _keyring refuses this already
        raise CommandError("current key is not in the keyring")
    return report


def remaining() -> int:
    """How many stored values are not under the current key (0: the old keys can go)."""
    current = crypto.current_key_id()
    qn = connection.ops.quote_name
    left = 0
    for model, fields in encrypted_columns():
        for field in fields:
            sql = f"SELECT {qn(field.column)} FROM {qn(model._meta.db_table)} WHERE {qn(field.column)} IS NOT NULL"  # noqa: S608
            with connection.cursor() as cur:
                cur.execute(sql)
                for (blob,) in cur.fetchall():
                    raw = bytes(blob)
                    if raw and (crypto.key_id_of(raw) != current or raw[:1] != b"\x02"):
                        left += 1
    return left


class Command(BaseCommand):
    help = "Re-encrypt every encrypted personal-data value under FIELD_ENCRYPTION_KEY_ID (no downtime)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--batch", type=int, default=500)
        parser.add_argument("--dry-run", action="store_true", help="count what would be rewritten")
        parser.add_argument("--check", action="store_true", help="only count values not under the current key")

    def handle(self, *args: Any, **opts: Any) -> None:
        current = crypto.current_key_id()
        self.stdout.write(f"current key id {current}; keyring {crypto.key_ids()}")
        if not opts["check"]:
            for table, counts in rotate(batch=opts["batch"], dry_run=opts["dry_run"]).items():
                self.stdout.write(f"  {table}: rewritten {counts['rewritten']}, left {counts['left']}")
        left = remaining()
        self.stdout.write(f"values not under key {current}: {left}")
        if left == 0 and not opts["dry_run"]:
            self.stdout.write(self.style.SUCCESS("rotation complete: keys other than the current one may leave the keyring"))
