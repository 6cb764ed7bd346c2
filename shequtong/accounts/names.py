"""Real names at rest: encrypted, shown masked, searched through keyed character indexes.

`User.real_name` is an `EncryptedTextField` (AES-256-GCM, the keyring of
common/crypto.py, re-encrypted by `manage.py rotate_field_key`). Two clear
columns are derived from it whenever it is saved (`User.save`):

- `masked_name` (张*明, common/masking.mask_name): what every list, page, API
  answer and export shows, and what lists sort by. It holds what the screens
  already showed, so storing it reveals nothing new.
- `real_name_grams`: blind indexes (HMAC-SHA256 under BLIND_INDEX_KEY, cut to
  12 hex digits) of every character and every pair of neighbouring characters
  of the normalised name, space-separated with a space at each end. A name
  search of two or more characters looks for rows holding the index of each of
  its pairs; one character, the index of that character. The candidates are
  then decrypted and kept only if the name really contains the query (pairs in
  another order, or a cut HMAC colliding, are dropped), so the answer is the
  same as the clear `real_name__icontains` it replaces.

A database reader learns how often each character and pair occurs (the usual
blind-index trade-off), not the names; the first and last characters were in
`masked_name` already. Clear names leave the database only through
`accounts.services.reveal_personal_data`, which is audit-logged.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import Q, QuerySet

from shequtong.common import crypto, masking
from shequtong.common.text import clean_text

if TYPE_CHECKING:
    from .models import User

GRAM_HEX = 12  # 48 bits of each HMAC: collisions are rare and confirmed away by decryption
MAX_QUERY = 30  # as long as a name can be
SCAN_LIMIT = 2000  # candidates decrypted per search at most (a one-character query in a big community)


def normalise(name: str | None) -> str:
    """The form names are indexed and compared in: no white space, case folded (Latin names)."""
    return "".join((name or "").split()).casefold()


def _gram(text: str) -> str:
    return crypto.blind_index(text, purpose=f"name{len(text)}")[:GRAM_HEX]


def grams_of(name: str | None) -> str:
    """The stored index column of a name: ' g1 g2 … ' (empty for no name)."""
    n = normalise(name)
    grams = {_gram(c) for c in n} | {_gram(n[i:i + 2]) for i in range(len(n) - 1)}
    return f" {' '.join(sorted(grams))} " if grams else ""


def query_grams(query: str) -> list[str]:
    """The indexes a name containing `query` must hold."""
    n = normalise(query)[:MAX_QUERY]
    if len(n) == 1:
        return [_gram(n)]
    return sorted({_gram(n[i:i + 2]) for i in range(len(n) - 1)})


def derived(name: str | None) -> tuple[str, str, str]:
    """(clean name, masked name, index column) for a real name being saved."""
    clean = clean_text((name or "").strip(), multiline=False)
    return clean, masking.mask_name(clean), grams_of(clean)


def candidates_q(query: str, *, prefix: str = "") -> Q:
    """Rows whose name may contain `query` (to be confirmed by `matching_ids`)."""
    q = Q()
    for g in query_grams(query):
        q &= Q(**{f"{prefix}real_name_grams__contains": f" {g} "})
    return q


def matching_ids(users: QuerySet[User], query: str, *, limit: int) -> list[int]:
    """Ids of `users` whose real name contains `query`, in display order (masked name, id), at most `limit`.

    Decrypts only the candidates the indexes let through, in pages, and stops at `limit`.
    """
    n = normalise(query)[:MAX_QUERY]
    if not n or limit <= 0:
        return []
    found: list[int] = []
    rows = (users.filter(candidates_q(n)).order_by("masked_name", "id")
            .values_list("pk", "real_name")[:SCAN_LIMIT])
    for pk, name in rows.iterator(chunk_size=200):
        if n in normalise(str(name or "")):
            found.append(pk)
            if len(found) >= limit:
                break
    return found


# --- migrations: clear names in, encrypted names out (and back) ---------------------------------

def encrypt_column(connection: object, *, table: str, clear: str, encrypted: str, masked: str,
                   grams: str | None = None, batch: int = 1000) -> int:
    """Fill `encrypted`, `masked` (and `grams`) from the clear column, in primary-key batches; rows done.

    Raw SQL so it runs the same on SQLite and PostgreSQL, inside a migration, at any size.
    """
    qn = connection.ops.quote_name  # type: ignore[attr-defined]
    sets = f"{qn(encrypted)} = %s, {qn(masked)} = %s" + (f", {qn(grams)} = %s" if grams else "")
    done, last = 0, 0
    while True:
        with connection.cursor() as cur:  # type: ignore[attr-defined]
            cur.execute(f"SELECT id, {qn(clear)} FROM {qn(table)} WHERE id > %s ORDER BY id LIMIT %s",  # noqa: S608 - our names
                        [last, batch])
            rows = cur.fetchall()
        if not rows:
            return done
        last = rows[-1][0]
        params = []
        for pk, name in rows:
            clean, mask, index = derived(name)
            values: list[object] = [crypto.encrypt(clean) if clean else None, mask]
            if grams:
                values.append(index)
            params.append([*values, pk])
        with connection.cursor() as cur:  # type: ignore[attr-defined]
            cur.executemany(f"UPDATE {qn(table)} SET {sets} WHERE id = %s", params)  # noqa: S608 - our names
        done += len(rows)


def decrypt_column(connection: object, *, table: str, encrypted: str, clear: str, batch: int = 1000) -> int:
    """The reverse of `encrypt_column`: the clear column again from the encrypted one."""
    qn = connection.ops.quote_name  # type: ignore[attr-defined]
    done, last = 0, 0
    while True:
        with connection.cursor() as cur:  # type: ignore[attr-defined]
            cur.execute(f"SELECT id, {qn(encrypted)} FROM {qn(table)} WHERE id > %s ORDER BY id LIMIT %s",  # noqa: S608
                        [last, batch])
            rows = cur.fetchall()
        if not rows:
            return done
        last = rows[-1][0]
        with connection.cursor() as cur:  # type: ignore[attr-defined]
            cur.executemany(f"UPDATE {qn(table)} SET {qn(clear)} = %s WHERE id = %s",  # noqa: S608
                            [[crypto.decrypt(blob) if blob is not None else "", pk] for pk, blob in rows])
        done += len(rows)
