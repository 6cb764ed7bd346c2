"""The migrations that encrypt real names keep every name (SQLite and PostgreSQL: `make test-pg`).

Rows written with clear names before accounts 0008 / visits 0003 come out encrypted, masked and
searchable after 0009 / 0004, with the clear columns gone; migrating back restores the clear names.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from shequtong.accounts import names
from shequtong.accounts.models import User
from shequtong.common import crypto
from shequtong.visits.models import Visit

from ..factories import make_tree

BEFORE = [("accounts", "0007_audit_actions_of_both"), ("visits", "0002_search_index")]
AFTER = [("accounts", "0009_drop_clear_real_name"), ("visits", "0004_drop_clear_person_name")]


def columns(table: str) -> dict[str, str]:
    with connection.cursor() as cur:
        return {c.name: c.type_code for c in connection.introspection.get_table_description(cur, table)}


def migrate(targets: list[tuple[str, str]]) -> None:
    MigrationExecutor(connection).migrate(targets)  # a fresh graph each time, as `migrate` loads it


def latest() -> list[tuple[str, str]]:
    """Every app at its newest migration: the models the ORM uses (later migrations add columns)."""
    return MigrationExecutor(connection).loader.graph.leaf_nodes()


@pytest.mark.long
@pytest.mark.django_db(transaction=True)
def test_clear_names_are_encrypted_by_the_migration_and_restored_by_its_reverse():
    tree = make_tree()
    migrate(BEFORE)
    try:
        state = MigrationExecutor(connection).loader.project_state(BEFORE).apps
        OldUser = state.get_model("accounts", "User")
        OldVisit = state.get_model("visits", "Visit")
        now = dt.datetime(2026, 12, 1, 9, tzinfo=dt.UTC)
        people = {}
        for n, name in enumerate(["张三丰", "欧阳娜娜", "李", "", " 王 五 "]):
            people[name] = OldUser.objects.create(username=f"old{n}", real_name=name, password="!", date_joined=now)
        staff = people["张三丰"]
        visit = OldVisit.objects.create(
            community_id=tree.comm_a1.pk, subdistrict_id=tree.sub_a.pk, created_by_id=staff.pk, person_name="周桂兰",
            visit_type="home", title="走访", content="了解近况", visited_on=now.date(), created_at=now, updated_at=now)
        member_visit = OldVisit.objects.create(
            community_id=tree.comm_a1.pk, subdistrict_id=tree.sub_a.pk, created_by_id=staff.pk, person_id=staff.pk,
            visit_type="home", title="走访", content="", visited_on=now.date(), created_at=now, updated_at=now)

        migrate(AFTER)

        assert "masked_name" in columns("accounts_user") and "real_name_enc" not in columns("accounts_user")
        with connection.cursor() as cur:
            cur.execute("SELECT id, real_name, masked_name, real_name_grams FROM accounts_user ORDER BY id")
            raw = {pk: (enc, masked, grams) for pk, enc, masked, grams in cur.fetchall()}
        migrate(latest())  # the ORM below reads today's columns
        for name, old in people.items():
            enc, masked, grams = raw[old.pk]
            clean = name.strip()
            if clean:
                assert isinstance(enc, (bytes, memoryview)) and clean.encode() not in bytes(enc)
                assert crypto.decrypt(enc) == clean
            else:
                assert enc is None
            assert User.objects.get(pk=old.pk).display_name == (masked or f"old{list(people).index(name)}")
        assert raw[people["张三丰"].pk][1] == "张*丰" and raw[people["李"].pk][1] == "李"
        assert names.matching_ids(User.objects.all(), "三丰", limit=5) == [people["张三丰"].pk]
        assert names.matching_ids(User.objects.all(), "王五", limit=5) == [people[" 王 五 "].pk]
        with connection.cursor() as cur:
            cur.execute("SELECT person_name, person_masked_name FROM visits_visit WHERE id = %s", [visit.pk])
            enc, masked = cur.fetchone()
        assert crypto.decrypt(enc) == "周桂兰" and masked == "周*兰"
        assert Visit.objects.get(pk=visit.pk).person_display == "周*兰"
        assert Visit.objects.get(pk=member_visit.pk).person_name is None

        migrate(BEFORE)

        with connection.cursor() as cur:
            cur.execute("SELECT id, real_name FROM accounts_user ORDER BY id")
            back = dict(cur.fetchall())
            cur.execute("SELECT person_name FROM visits_visit WHERE id = %s", [visit.pk])
            assert cur.fetchone()[0] == "周桂兰"
        assert back[people["欧阳娜娜"].pk] == "欧阳娜娜" and back[people[""].pk] == ""
    finally:
        migrate(latest())
