"""``rows()``: COUNT of rows that PostgreSQL can answer from a covering index alone.

``Count("pk")`` renders ``COUNT(id)``, so an index without ``id`` cannot answer it and the
planner reads the table (the observer figures: 67 ms for the open cases per subdistrict
from the heap, 12 ms from the ``case_open`` index). ``Count("*")`` cannot take a filter in
Django, so this counts a constant: ``COUNT(1) [FILTER (WHERE …)]``, the same number.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Count, IntegerField, Q, Value


def count_rows(filter: Q | None = None) -> Count:  # noqa: A002 - the name Django's aggregates use
    """The number of rows (matching `filter`), as ``COUNT(1) FILTER (WHERE …)``."""
    kwargs: dict[str, Any] = {"filter": filter} if filter is not None else {}
    return Count(Value(1, output_field=IntegerField()), **kwargs)


# PostgreSQL answers a count from the index alone only for the heap pages its visibility map marks
# all-visible, and any write to a page clears its mark until a vacuum sets it again. With the default
# autovacuum thresholds (a fifth of the table changed) a table the committees and residents write all
# day, say cases_case with 150,000 rows, waits for 30,000 changes, and its unmarked pages send the
# observers' case counts to the heap (measured with half of cases_case unmarked: case list, all overdue
# 128 ms, 45 ms after a vacuum; docs/performance.md, issue 11, ninth step). These tables are vacuumed
# after about one per cent changed instead; a vacuum then visits only the pages written since the last.
FREQUENT_VACUUM = {
    "autovacuum_vacuum_scale_factor": "0.01",
    "autovacuum_vacuum_insert_scale_factor": "0.01",
    "autovacuum_analyze_scale_factor": "0.02",
}


def postgres_frequent_vacuum(table: str) -> Any:
    """A migration step: autovacuum ``table`` after ~1 % of it changed (PostgreSQL; nothing on SQLite)."""
    from django.db import migrations

    settings = ", ".join(f"{name} = {value}" for name, value in FREQUENT_VACUUM.items())

    def forward(apps: Any, schema_editor: Any) -> None:
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(f'ALTER TABLE "{table}" SET ({settings})')

    def backward(apps: Any, schema_editor: Any) -> None:
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(f'ALTER TABLE "{table}" RESET ({", ".join(FREQUENT_VACUUM)})')

    return migrations.RunPython(forward, backward, elidable=False)
