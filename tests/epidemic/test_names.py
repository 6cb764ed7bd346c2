"""Names in 疫情防控 are encrypted at rest like User.real_name: an archive's person and a report's contact.

Lists, exports, warnings and the edit page show the stored masked name and never load the clear
one; the clear archive name leaves only through the audited 查看完整信息.
"""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.db import connection
from openpyxl import load_workbook

from shequtong.accounts.models import AuditEvent
from shequtong.common import clock
from shequtong.epidemic import selectors, services
from shequtong.epidemic.models import HealthArchive, Report

from .conftest import archive, archive_input, report

pytestmark = pytest.mark.django_db


def _raw(table: str, pk: int) -> dict[str, Any]:
    with connection.cursor() as cur:
        cur.execute(f'SELECT * FROM "{table}" WHERE id = %s', [pk])  # noqa: S608 - test table names
        cols = [c[0] for c in cur.description]
        return dict(zip(cols, cur.fetchone(), strict=True))


def _holds(value: Any, text: str) -> bool:
    if value is None:
        return False
    if isinstance(value, (bytes, memoryview)):
        return text.encode() in bytes(value)
    return text in str(value)


def _xlsx_rows(content: bytes) -> list[tuple[Any, ...]]:
    return list(load_workbook(io.BytesIO(content), read_only=True).active.iter_rows(values_only=True))


def test_an_archive_stores_its_name_encrypted_and_masked(cast):
    a = archive(cast.staff_a, cast.a, person_name="  欧阳娜娜 ")
    row = _raw("epidemic_healtharchive", a.pk)
    assert not any(_holds(v, "欧阳娜娜") or _holds(v, "阳娜") for v in row.values())
    assert row["person_masked_name"] == "欧**娜"
    fresh = HealthArchive.objects.get(pk=a.pk)
    assert (fresh.person_name, fresh.person_display) == ("欧阳娜娜", "欧**娜")


def test_a_reports_contact_name_is_stored_encrypted_and_masked(cast):
    r = report(cast.resident_a, cast.a, contact_name="王小红")
    row = _raw("epidemic_report", r.pk)
    assert not any(_holds(v, "王小红") for v in row.values())
    assert row["contact_masked_name"] == "王*红"
    assert Report.objects.get(pk=r.pk).contact_display == "王*红"


def test_lists_and_warnings_show_the_masked_name_without_loading_the_clear_one(cast, a_archive):
    services.record_measurement(actor=cast.resident_a, archive_id=a_archive.pk, measured_on=clock.today(),
                                temperature="38.0")
    listed = list(selectors.archive_rows(cast.staff_a))
    mine = list(selectors.my_archives(cast.resident_a))
    warned = [w.archive for w in selectors.warnings_for(cast.staff_a)]
    assert warned and {x.pk for x in listed + mine + warned} == {a_archive.pk}
    for x in listed + mine + warned:
        assert "person_name" in x.get_deferred_fields() and x.person_display == "周*兰"
    clue = report(cast.resident_a, cast.a)
    [listed_clue] = selectors.reports_for(cast.staff_a, "clue")
    assert listed_clue.pk == clue.pk and "contact_name" in listed_clue.get_deferred_fields()
    assert listed_clue.contact_display == "王*红"


def test_exports_write_the_masked_names(cast, client):
    archive(cast.staff_a, cast.a, person_name="李建华")
    report(cast.resident_a, cast.a, contact_name="王小红")
    client.force_login(cast.staff_a)
    archives = _xlsx_rows(client.get("/epidemic/archives/export/").content)
    assert archives[0][6] == "姓名" and [r[6] for r in archives[1:]] == ["李*华"]
    clues = _xlsx_rows(client.get("/epidemic/clues/export/").content)
    assert clues[0][9] == "联系人" and [r[9] for r in clues[1:]] == ["王*红"]
    every_cell = " ".join(str(c) for row in archives + clues for c in row)
    assert "李建华" not in every_cell and "王小红" not in every_cell


def test_the_edit_page_never_shows_the_clear_name_and_an_empty_name_keeps_it(cast, client, a_archive):
    client.force_login(cast.staff_a)
    page = client.get(f"/epidemic/archives/{a_archive.pk}/edit/").content.decode()
    assert "周*兰（留空则不修改）" in page and "周桂兰" not in page
    services.update_archive(actor=cast.staff_a, archive_id=a_archive.pk,
                            data=archive_input(cast.a, person_name="", room="402"))
    kept = HealthArchive.objects.get(pk=a_archive.pk)
    assert (kept.person_name, kept.person_masked_name, kept.room) == ("周桂兰", "周*兰", "402")
    services.update_archive(actor=cast.staff_a, archive_id=a_archive.pk,
                            data=archive_input(cast.a, person_name="周建国"))
    assert _raw("epidemic_healtharchive", a_archive.pk)["person_masked_name"] == "周*国"
    assert HealthArchive.objects.get(pk=a_archive.pk).person_name == "周建国"


def test_the_clear_name_comes_only_through_the_audited_reveal(cast, client, a_archive):
    client.force_login(cast.staff_a)
    assert "周桂兰" not in client.get(a_archive.get_absolute_url()).content.decode()
    revealed = client.post(f"/epidemic/archives/{a_archive.pk}/reveal/").content.decode()
    assert "周桂兰" in revealed
    event = AuditEvent.objects.get(action=AuditEvent.Action.REVEAL, actor=cast.staff_a)
    assert event.target_id == str(a_archive.pk) and "person_name" in event.detail["fields"]

