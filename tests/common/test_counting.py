"""Index-only counts: COUNT(1) and the tables vacuumed often enough for them (common/counting.py)."""

from __future__ import annotations

import pytest
from django.db import connection

from shequtong.common.counting import FREQUENT_VACUUM, postgres_frequent_vacuum

# The tables whose rows the committees and residents write all day and whose counts the observers
# and the boards read from covering indexes.
FREQUENTLY_VACUUMED = ("cases_case", "boards_post", "letters_letter")


def reloptions(table: str) -> dict[str, str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT reloptions FROM pg_class WHERE relname = %s", [table])
        options = cursor.fetchone()[0] or []
    return dict(option.split("=", 1) for option in options)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="storage parameters are PostgreSQL's")
@pytest.mark.django_db
@pytest.mark.parametrize("table", FREQUENTLY_VACUUMED)
def test_busy_tables_are_vacuumed_after_one_per_cent_changed(table):
    # The migrations set them: a table written all day keeps its visibility map fresh.
    assert reloptions(table) == FREQUENT_VACUUM


@pytest.mark.skipif(connection.vendor != "postgresql", reason="storage parameters are PostgreSQL's")
@pytest.mark.django_db
def test_the_step_is_reversible():
    step = postgres_frequent_vacuum("places_estate")
    with connection.schema_editor() as editor:
        step.code(None, editor)
        assert reloptions("places_estate") == FREQUENT_VACUUM
        step.reverse_code(None, editor)
    assert reloptions("places_estate") == {}


def test_nothing_happens_on_sqlite():
    class Editor:  # what RunPython hands the step: the connection, and execute()
        class connection:  # noqa: N801 - the attribute Django's schema editor has
            vendor = "sqlite"

        def __init__(self):
            self.statements = []

        def execute(self, sql):
            self.statements.append(sql)

    editor = Editor()
    step = postgres_frequent_vacuum("cases_case")
    step.code(None, editor)
    step.reverse_code(None, editor)
    assert editor.statements == []
