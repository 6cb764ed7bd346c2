"""MLPS: real names encrypted at rest, a masked name kept for lists, searched through keyed indexes.

Reads the raw tables (SQL, not the ORM) to prove no clear name is stored anywhere in a user's row,
a visit's row, a health archive's or epidemic report's row or an audit row; checks every name search still finds what the clear search found;
the reveal path shows the clear name and is audited; key rotation covers the new columns.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.management import call_command
from django.db import connection
from django.urls import reverse

from shequtong.accounts import names, services
from shequtong.accounts.models import AuditEvent, User
from shequtong.accounts.selectors import grants_manageable_by, grants_of_named
from shequtong.chats.selectors import member_candidates
from shequtong.common import clock, crypto
from shequtong.common.management.commands.rotate_field_key import encrypted_columns
from shequtong.epidemic import services as epidemic_services
from shequtong.epidemic.models import HealthArchive
from shequtong.inbox.selectors import recipients_for
from shequtong.visits import services as visit_services
from shequtong.visits.models import Visit
from shequtong.visits.selectors import members_matching

from ..conftest import last_sms_code
from ..factories import Cast, estate_group, make_tree, make_user, resident_of_estate

pytestmark = pytest.mark.django_db


def raw_row(table: str, pk: int) -> dict[str, Any]:
    with connection.cursor() as cur:
        cur.execute(f'SELECT * FROM "{table}" WHERE id = %s', [pk])  # noqa: S608 - test table names
        cols = [c[0] for c in cur.description]
        return dict(zip(cols, cur.fetchone(), strict=True))


def holds(value: Any, text: str) -> bool:
    """Does a raw column value carry `text` in clear (as text or as UTF-8 bytes)?"""
    if value is None:
        return False
    if isinstance(value, (bytes, memoryview)):
        return text.encode() in bytes(value)
    return text in str(value)


def test_no_clear_real_name_is_stored_in_the_user_table():
    user = make_user("liuyifei", real_name="刘亦菲菲")
    row = raw_row("accounts_user", user.pk)
    assert not any(holds(v, "刘亦菲菲") for v in row.values())
    # Not even a two-character piece of it: the indexes are keyed hashes.
    assert not any(holds(v, "亦菲") for v in row.values())
    assert crypto.decrypt(row["real_name"]) == "刘亦菲菲"
    assert row["masked_name"] == "刘**菲"
    assert User.objects.get(pk=user.pk).real_name == "刘亦菲菲"


def test_a_registered_name_is_encrypted_too():
    services.send_sms_code(phone="13912345678")
    user = services.register(data=services.Registration(
        username="newname", real_name="欧阳娜娜", id_number="11010519491231002X", phone="13912345678",
        sms_code=last_sms_code(), password="Good#pass1"))
    row = raw_row("accounts_user", user.pk)
    assert not any(holds(v, "欧阳娜娜") for v in row.values())
    assert row["masked_name"] == "欧**娜"


def test_lists_show_the_same_masked_name_as_before(cast: Cast):
    for user in cast.members().values():
        if user is None:
            continue
        fresh = User.objects.defer("real_name").get(pk=user.pk)
        assert fresh.display_name == _old_mask(user.real_name)
        # Showing a masked name needs no decryption: the clear column is not even loaded.
        assert "real_name" in fresh.get_deferred_fields()


def _old_mask(name: str) -> str:
    """What common/masking.mask_name showed before names were encrypted."""
    if len(name) == 1:
        return name
    return name[0] + "*" * (len(name) - 2) + name[-1] if len(name) > 2 else name[0] + "*"


def test_a_name_change_updates_the_masked_name_and_the_indexes():
    user = make_user("renamed", real_name="王五")
    user.real_name = "赵六七"
    user.save(update_fields=["real_name"])
    row = raw_row("accounts_user", user.pk)
    assert row["masked_name"] == "赵*七"
    ids = names.matching_ids(User.objects.all(), "六七", limit=5)
    assert ids == [user.pk]
    assert names.matching_ids(User.objects.all(), "王五", limit=5) == []


def test_unrelated_saves_leave_the_name_alone():
    user = make_user("prefs", real_name="钱七")
    loaded = User.objects.defer("real_name").get(pk=user.pk)
    loaded.elder_mode = True
    loaded.save(update_fields=["elder_mode"])
    assert raw_row("accounts_user", user.pk)["masked_name"] == "钱*"
    assert User.objects.get(pk=user.pk).real_name == "钱七"


@pytest.mark.parametrize(("query", "found"), [
    ("张三丰", True), ("三丰", True), ("张三", True), ("丰", True), ("三", True), ("张", True),
    (" 张 三 ", True),          # white space is not part of a name
    ("丰三", False), ("张丰", False), ("李", False), ("张三丰丰", False),
])
def test_name_search_finds_what_the_clear_search_found(query: str, found: bool):
    target = make_user("zsf", real_name="张三丰")
    make_user("other", real_name="李四")
    ids = names.matching_ids(User.objects.all(), query, limit=10)
    assert (target.pk in ids) is found


def test_latin_names_match_regardless_of_case():
    user = make_user("latin", real_name="Anna Müller")
    assert names.matching_ids(User.objects.all(), "annamü", limit=5) == [user.pk]


def test_the_four_name_searches_use_the_encrypted_names(cast: Cast):
    a_estate = cast.tree.estate(cast.a)
    bob = resident_of_estate(a_estate, real_name="李卫东")
    other = resident_of_estate(a_estate, real_name="李东华")
    # 信箱 recipient search (a resident writing to a neighbour)
    assert [u.pk for u in recipients_for(cast.resident_a, "卫东")] == [bob.pk]
    assert [u.pk for u in recipients_for(cast.resident_a, "李")] == sorted([bob.pk, other.pk],
                                                                           key=lambda pk: (User.objects.get(pk=pk).masked_name, pk))
    # 群聊 member picker (residents of the community not yet in the group)
    group = estate_group(a_estate)
    assert [u.pk for u in member_candidates(group, "东华")] == [other.pk]
    # 面对面 person picker
    assert [u.pk for u in members_matching(cast.staff_a, cast.a, "李卫")] == [bob.pk]
    # 角色管理 filter
    grants = grants_of_named(grants_manageable_by(cast.sysadmin), "陈建")
    assert {g.user_id for g in grants} == {cast.secretary_a.pk}


def test_the_grants_page_filters_by_name(client, cast: Cast):
    client.force_login(cast.sysadmin)
    page = client.get(reverse("accounts:grants"), {"q": "陈建国"})
    assert page.status_code == 200
    text = page.content.decode()
    assert "陈*国" in text and "孙*华" not in text and "陈建国" not in text.replace('value="陈建国"', "")


def test_a_name_typed_into_a_list_api_is_masked_in_the_audit_log(client, cast: Cast):
    resident_of_estate(cast.tree.estate(cast.a), real_name="李建国")
    client.force_login(cast.resident_a)
    answer = client.get("/api/v1/inbox/recipients", {"q": "李建国"})
    assert answer.status_code == 200 and [p["name"] for p in answer.json()] == ["李*国"]
    event = AuditEvent.objects.filter(action=AuditEvent.Action.LIST, actor=cast.resident_a).latest("id")
    assert event.detail["query"] == {"q": "李*国"}
    cast_to_text = "detail" if connection.vendor == "sqlite" else "detail::text"
    with connection.cursor() as cur:
        cur.execute(f"SELECT detail FROM accounts_auditevent WHERE {cast_to_text} LIKE %s", ["%建国%"])  # noqa: S608
        assert cur.fetchall() == []


def test_the_clear_name_is_shown_only_through_the_audited_reveal(client):
    user = make_user("me", real_name="司马相如")
    client.force_login(user)
    page = client.get(reverse("accounts:me")).content.decode()
    assert "司*" in page and "司马相如" not in page
    before = AuditEvent.objects.filter(action=AuditEvent.Action.REVEAL).count()
    revealed = client.post(reverse("accounts:reveal_mine"))
    assert "司马相如" in revealed.content.decode()
    event = AuditEvent.objects.filter(action=AuditEvent.Action.REVEAL).latest("id")
    assert AuditEvent.objects.filter(action=AuditEvent.Action.REVEAL).count() == before + 1
    assert event.actor_id == user.pk and "real_name" in event.detail["fields"]
    assert "司马相如" not in str(dict(client.session.items()))


def test_a_visited_persons_name_is_encrypted_and_masked(cast: Cast):
    data = visit_services.VisitInput(
        community_id=cast.a.pk, visit_type="home", title="走访", content="了解近况",
        visited_on=dt.date(2026, 12, 1), person_name="周桂兰", person_address="友谊路100弄")
    visit = visit_services.create_visit(actor=cast.staff_a, data=data)
    row = raw_row("visits_visit", visit.pk)
    assert not any(holds(v, "周桂兰") for v in row.values())
    assert row["person_masked_name"] == "周*兰"
    assert Visit.objects.get(pk=visit.pk).person_display == "周*兰"
    assert Visit.objects.get(pk=visit.pk).person_name == "周桂兰"


def _health_archive(cast: Cast, name: str) -> HealthArchive:
    return epidemic_services.create_archive(actor=cast.staff_a, data=epidemic_services.ArchiveInput(
        community_id=cast.a.pk, estate_id=cast.tree.estate(cast.a).pk, person_name=name, id_number="", phone="",
        reason="home_isolation", started_on=dt.date(2026, 12, 1)))


def test_a_health_archives_name_is_encrypted_and_masked(cast: Cast):
    archive = _health_archive(cast, "周桂兰")
    row = raw_row("epidemic_healtharchive", archive.pk)
    assert not any(holds(v, "周桂兰") or holds(v, "桂兰") for v in row.values())
    assert row["person_masked_name"] == "周*兰"
    assert HealthArchive.objects.get(pk=archive.pk).person_name == "周桂兰"


def test_an_epidemic_reports_contact_name_is_encrypted_and_masked(cast: Cast):
    estate = cast.tree.estate(cast.a)
    report = epidemic_services.submit_report(actor=cast.resident_a, kind="clue", data=epidemic_services.ReportInput(
        community_id=cast.a.pk, estate_id=estate.pk, occurred_at=dt.datetime(2026, 12, 1, 2, tzinfo=dt.UTC),
        content="有人未登记", contact_name="王小红", contact_phone="13812345678"))
    row = raw_row("epidemic_report", report.pk)
    assert not any(holds(v, "王小红") for v in row.values())
    assert row["contact_masked_name"] == "王*红"


def test_key_rotation_covers_the_name_columns(settings):
    columns = {(m._meta.db_table, f.column) for m, fields in encrypted_columns() for f in fields}
    assert {("accounts_user", "real_name"), ("visits_visit", "person_name"),
            ("epidemic_healtharchive", "person_name"), ("epidemic_report", "contact_name")} <= columns
    k1, k2 = crypto.generate_key(), crypto.generate_key()
    settings.FIELD_ENCRYPTION_KEY = k1
    user = make_user("rot", real_name="上官婉儿")
    tree = make_tree()  # no cast: every encrypted value here is under k1
    now = clock.now()
    archive = HealthArchive.objects.create(
        community=tree.comm_a1, subdistrict=tree.sub_a, estate=tree.estate(tree.comm_a1), person_name="上官婉儿",
        reason="home_isolation", state="home_isolation", started_on=now.date(), created_by=user,
        created_at=now, updated_at=now)
    assert crypto.key_id_of(raw_row("accounts_user", user.pk)["real_name"]) == 1
    assert crypto.key_id_of(raw_row("epidemic_healtharchive", archive.pk)["person_name"]) == 1
    settings.FIELD_ENCRYPTION_KEYS = f"2:{k2}"
    settings.FIELD_ENCRYPTION_KEY_ID = 2
    call_command("rotate_field_key", "--batch", "2")
    assert crypto.key_id_of(raw_row("accounts_user", user.pk)["real_name"]) == 2
    assert crypto.key_id_of(raw_row("epidemic_healtharchive", archive.pk)["person_name"]) == 2
    settings.FIELD_ENCRYPTION_KEY = crypto.generate_key()  # key 1 gone
    assert User.objects.get(pk=user.pk).real_name == "上官婉儿"
    assert HealthArchive.objects.get(pk=archive.pk).person_name == "上官婉儿"
    # The indexes use BLIND_INDEX_KEY: still valid after the rotation.
    assert names.matching_ids(User.objects.all(), "婉儿", limit=3) == [user.pk]
