"""Writing an import's new rows fast: PostgreSQL COPY, `bulk_create` elsewhere.

Profiling the full-size import (docs/performance.md "Imports") showed most of its time in
Django compiling wide multi-row INSERTs and psycopg splitting them client-side, not in the
database nor in encryption. `insert` streams the same rows through `COPY … FROM STDIN`
instead, straight into the model's own table inside the batch's transaction: every
constraint (unique blind indexes, foreign keys, checks) is enforced as for an INSERT, a
failed or dry-run batch rolls back with nothing left, and there is no staging table.

Each value goes through the field's own `pre_save` and `get_db_prep_save`, exactly what
`bulk_create` sends, so encrypted columns (`EncryptedTextField`) are encrypted on the way
in: the clear ID number, phone and name never reach the database, not even in COPY's buffer.

Primary keys are taken from the table's sequence beforehand (`nextval` once per row, in
one statement) when the caller needs them, so the objects come back with their `pk` set,
as `bulk_create` sets them on PostgreSQL.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connections, models
from django.db.backends.base.base import BaseDatabaseWrapper


def insert(model: type[models.Model], objs: Sequence[models.Model], *, with_pks: bool = True) -> None:
    """Insert `objs` (all new) into `model`'s table; with `with_pks` each object gets its `pk`."""
    if not objs:
        return
    connection = connections[DEFAULT_DB_ALIAS]  # the wrapper itself, not the per-attribute proxy
    if connection.vendor != "postgresql":
        model._default_manager.bulk_create(objs, batch_size=500)  # SQLite: pks are set too
        return
    meta = model._meta
    pk = meta.pk
    assert pk is not None
    fields = [f for f in meta.concrete_fields if f is not pk or with_pks]
    with connection.cursor() as cursor:
        if with_pks:
            cursor.execute("SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
                           [connection.ops.quote_name(meta.db_table), pk.column, len(objs)])
            for obj, (value,) in zip(objs, cursor.fetchall(), strict=True):
                obj.pk = value
        columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
        with cursor.cursor.copy(f"COPY {connection.ops.quote_name(meta.db_table)} ({columns}) FROM STDIN") as copy:
            for obj in objs:
                copy.write_row([_value(f, obj, connection) for f in fields])
    for obj in objs:
        obj._state.adding = False
        obj._state.db = connection.alias


def _value(field: models.Field[Any, Any], obj: models.Model, connection: BaseDatabaseWrapper) -> Any:
    value = field.get_db_prep_save(field.pre_save(obj, True), connection)
    if isinstance(value, memoryview):
        return bytes(value)
    return value
