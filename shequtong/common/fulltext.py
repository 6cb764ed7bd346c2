"""Keyword match over a row's jieba-segmented `search_text` (ARCHITECTURE rule 8).

PostgreSQL: ``to_tsvector('simple', search_text) @@ plainto_tsquery('simple', <words>)``,
the very expression of the GIN index each searchable table carries (created
by `postgres_gin_index` in its migration), so the planner can use it. The
'simple' configuration only lower-cases: the words were cut by jieba already
(shequtong/common/chinese.py).

A table named in ``STORED_VECTOR_TABLES`` keeps the vector in a generated column
(``search_vector``, PostgreSQL only, added by its migration with
``postgres_stored_vector``) and its GIN index is on that column: the match
then reads the stored vector instead of segmenting ``search_text`` again for
every row the plan walks. 全局信息穿透 walks the cases newest first until a
page matches (issue 11: ~4,000 ``to_tsvector`` calls, ~45 ms, for a common
word); with the stored column a row's test costs a comparison.

SQLite (the embedded demo): every word of the query must occur in
`search_text` (LIKE). Slower and a little looser (a word may match inside a
longer one), which is fine at demo size.
"""

from __future__ import annotations

from typing import Any, TypeVar

from django.db import migrations
from django.db.models import BooleanField, F, Func, Model, QuerySet, Value

from . import chinese

M = TypeVar("M", bound=Model)

# The indexed expression; `TextMatch` must produce exactly this for the index to apply.
VECTOR_SQL = "to_tsvector('simple'::regconfig, {column})"
# Tables whose vector is a stored column (PostgreSQL), and its name.
STORED_VECTOR_TABLES = frozenset({"cases_case"})
STORED_VECTOR = "search_vector"


class TextMatch(Func):
    """`column` contains every word of `words` (PostgreSQL full-text; see the module docstring)."""

    output_field = BooleanField()

    def __init__(self, column: str, words: str, *, stored: bool = False) -> None:
        super().__init__(F(column), Value(words))
        self.stored = stored

    def as_sql(self, compiler: Any, connection: Any, **extra: Any) -> tuple[str, list[Any]]:  # type: ignore[override]
        column, words = self.get_source_expressions()
        column_sql, column_params = compiler.compile(column)
        words_sql, words_params = compiler.compile(words)
        if self.stored:  # "alias"."search_text" → "alias"."search_vector", the generated column beside it
            vector = f'{column_sql.rsplit(".", 1)[0]}."{STORED_VECTOR}"' if "." in column_sql else f'"{STORED_VECTOR}"'
        else:
            vector = VECTOR_SQL.format(column=column_sql)
        sql = f"{vector} @@ plainto_tsquery('simple'::regconfig, {words_sql})"
        return sql, [*column_params, *words_params]


def matches(qs: QuerySet[M], query: str | None, *, column: str = "search_text") -> QuerySet[M]:
    """Rows of `qs` whose search text holds every word of the keyword `query`.

    A query without any word (blank, only punctuation) matches nothing: the
    caller decides whether an empty keyword means "no keyword filter".
    """
    terms = chinese.query_terms(query)
    if not terms:
        return qs.none()
    if _vendor(qs) == "postgresql":
        stored = column == "search_text" and qs.model._meta.db_table in STORED_VECTOR_TABLES
        return qs.filter(TextMatch(column, " ".join(terms), stored=stored))
    for term in terms:
        qs = qs.filter(**{f"{column}__contains": term})
    return qs


def _vendor(qs: QuerySet[Any]) -> str:
    from django.db import connections

    return str(connections[qs.db].vendor)


def gin_index_sql(table: str, name: str, column: str = "search_text", *, stored: bool | None = None) -> str:
    """CREATE INDEX of the full-text GIN index (PostgreSQL): on the stored vector where the table has one
    (``stored=None``: as ``STORED_VECTOR_TABLES`` says; a migration says which it builds)."""
    if stored is None:
        stored = column == "search_text" and table in STORED_VECTOR_TABLES
    if stored:
        vector = f'"{STORED_VECTOR}"'
    else:
        vector = VECTOR_SQL.format(column=f'"{column}"')
    return f'CREATE INDEX IF NOT EXISTS "{name}" ON "{table}" USING gin ({vector})'


def postgres_gin_index(table: str, name: str, column: str = "search_text") -> migrations.RunPython:
    """A migration step creating the full-text GIN index on PostgreSQL and doing nothing on SQLite."""

    def forward(apps: Any, schema_editor: Any) -> None:
        if schema_editor.connection.vendor == "postgresql":  # on the expression, as when the migration was written
            schema_editor.execute(gin_index_sql(table, name, column, stored=False))

    def backward(apps: Any, schema_editor: Any) -> None:
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(f'DROP INDEX IF EXISTS "{name}"')

    return migrations.RunPython(forward, backward, elidable=False)


def postgres_stored_vector(table: str, index: str) -> migrations.RunPython:
    """A migration step giving ``table`` its stored vector column (generated from ``search_text``) and
    moving the full-text GIN index ``index`` onto it (PostgreSQL; nothing on SQLite). The table must be in
    ``STORED_VECTOR_TABLES`` for the searches to use it. In a migration with ``atomic = False`` it vacuums
    the rewritten table too."""

    expression = VECTOR_SQL.format(column='"search_text"')

    def forward(apps: Any, schema_editor: Any) -> None:
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(f'DROP INDEX IF EXISTS "{index}"')
            schema_editor.execute(f'ALTER TABLE "{table}" ADD COLUMN IF NOT EXISTS "{STORED_VECTOR}" tsvector '
                                  f"GENERATED ALWAYS AS ({expression}) STORED")
            schema_editor.execute(f'CREATE INDEX IF NOT EXISTS "{index}" ON "{table}" USING gin ("{STORED_VECTOR}")')
            if not schema_editor.connection.in_atomic_block:
                # Adding a stored column rewrote the table and emptied its visibility map: until a vacuum,
                # every index-only scan of it (the observers' case counts) reads the heap again (2x slower,
                # measured). The migration is not atomic so that it can vacuum here.
                schema_editor.execute(f'VACUUM ANALYZE "{table}"')

    def backward(apps: Any, schema_editor: Any) -> None:
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(f'ALTER TABLE "{table}" DROP COLUMN IF EXISTS "{STORED_VECTOR}"')  # and its index
            schema_editor.execute(f'CREATE INDEX IF NOT EXISTS "{index}" ON "{table}" USING gin ({expression})')

    return migrations.RunPython(forward, backward, elidable=False)
