"""LocalGridRequest moved from notifications to the grid_local app without losing a row (SQLite and PostgreSQL)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from shequtong.integrations.grid_local.models import LocalGridRequest

BEFORE = [("notifications", "0003_delivery_log"), ("grid_local", None)]
AFTER = [("notifications", "0004_localgridrequest_moved"), ("grid_local", "0002_own_table")]


@pytest.mark.django_db(transaction=True)
def test_rows_of_the_old_table_survive_the_move():
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    old = executor.loader.project_state(BEFORE[:1]).apps.get_model("notifications", "LocalGridRequest")
    assert old._meta.db_table == "notifications_localgridrequest"
    when = dt.datetime(2026, 11, 27, 9, tzinfo=dt.UTC)
    old.objects.create(idempotency_key="before-the-move", service_code="road", title="路面坑洼",
                       description="友谊路口", created_at=when, updated_at=when)

    executor = MigrationExecutor(connection)  # a fresh graph, as a later `migrate` would load it
    executor.migrate(AFTER)

    assert LocalGridRequest._meta.db_table == "grid_local_localgridrequest"
    row = LocalGridRequest.objects.get()
    assert (row.idempotency_key, row.title, row.created_at) == ("before-the-move", "路面坑洼", when)
    # New rows get the next id (PostgreSQL's sequence follows the renamed table).
    now = dt.datetime(2026, 11, 28, 9, tzinfo=dt.UTC)
    second = LocalGridRequest.objects.create(idempotency_key="after", service_code="road", title="t",
                                             description="d", created_at=now, updated_at=now)
    assert second.pk > row.pk
