"""common.text (control characters) and common.export (spreadsheet cells) — issue 12 items 2 and 3."""

from __future__ import annotations

import csv
import io

import pytest
from hypothesis import given
from hypothesis import strategies as st
from openpyxl import load_workbook

from shequtong.common.export import FORMULA_TRIGGERS, XlsxWriter, csv_bytes, safe_text
from shequtong.common.text import clean_text, for_xml


def test_clean_text_drops_controls_and_keeps_lines_and_tabs():
    assert clean_text("a\x01b\x00c\x7fd\x85e") == "abcde"
    assert clean_text("第一行\r\n第二行\r第三行\t完") == "第一行\n第二行\n第三行\t完"
    assert clean_text("标题\n第二行\t制表", multiline=False) == "标题 第二行 制表"


@given(st.text())
def test_clean_text_output_is_always_xml_and_excel_safe(text):
    cleaned = clean_text(text)
    assert for_xml(cleaned) == cleaned
    assert not any(ord(c) < 32 and c not in "\n\t" for c in cleaned)


@pytest.mark.parametrize("trigger", FORMULA_TRIGGERS)
def test_every_formula_trigger_is_defused(trigger):
    assert safe_text(trigger + "SUM(A1:A2)") == "'" + trigger + "SUM(A1:A2)"


def test_ordinary_text_and_numbers_are_written_as_they_are():
    assert safe_text("楼道灯坏了") == "楼道灯坏了"
    ws = XlsxWriter("表", ["文字", "数字"])
    ws.append(["a-b", 42])
    ws.append(["=1+1", -5])
    rows = list(load_workbook(io.BytesIO(ws.getvalue())).active.iter_rows(values_only=True))
    assert rows == [("文字", "数字"), ("a-b", 42), ("'=1+1", -5)]


def test_csv_cells_are_defused_too():
    body = csv_bytes(["标题"], [["@SUM(1)"], ["-2+3"], ["\x01正常"], [None]])
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
    assert rows == [["标题"], ["'@SUM(1)"], ["'-2+3"], ["正常"], [""]]
