"""Keyword match over a row's jieba-segmented `search_text` (ARCHITECTURE rule 8).

PostgreSQL: ``to_tsvector('simple', search_text) @@ plainto_tsquery('simple', <words>)``,
the very expression of the GIN index each searchable table carries (created
by `postgres_gin_index` in its migration), so the planner can use it. The
'simple' configuration only lower-cases: the words were cut by jieba already
(shequtong/common/chinese.py).

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


class TextMatch(Func):
    """`column` contains every word of `words` (PostgreSQL full-text; see the module docstring)."""

    output_field = BooleanField()

    def __init__(self, column: str, words: str) -> None:
        super().__init__(F(column), Value(words))

    def as_sql(self, compiler: Any, connection: Any, **extra: Any) -> tuple[str, list[Any]]:  # type: ignore[override]
        column, words = self.get_source_expressions()
        column_sql, column_params = compiler.compile(column)
        words_sql, words_params = compiler.compile(words)
        sql = f"{VECTOR_SQL.format(column=column_sql)} @@ plainto_tsquery('simple'::regconfig, {words_sql})"
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
        return qs.filter(TextMatch(column, " ".join(terms)))
    for term in terms:
        qs = qs.filter(**{f"{column}__contains": term})
    return qs


def _vendor(qs: QuerySet[Any]) -> str:
    from django.db import connections

    return str(connections[qs.db].vendor)


def gin_index_sql(table: str, name: str, column: str = "search_text") -> str:
    """CREATE INDEX of the full-text GIN index (PostgreSQL)."""
    vector = VECTOR_SQL.format(column=f'"{column}"')
    return f'CREATE INDEX IF NOT EXISTS "{name}" ON "{table}" USING gin ({vector})'


def postgres_gin_index(table: str, name: str, column: str = "search_text") -> migrations.RunPython:
    """A migration step creating the full-text GIN index on PostgreSQL and doing nothing on SQLite."""

    def forward(apps: Any, schema_editor: Any) -> None:
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(gin_index_sql(table, name, column))

    def backward(apps: Any, schema_editor: Any) -> None:
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(f'DROP INDEX IF EXISTS "{name}"')

    return migrations.RunPython(forward, backward, elidable=False)
