"""Spreadsheet exports write user text as text: no formulas, no characters the format refuses.

Every XLSX and CSV export goes through here (issue 12 item 2 and 3):

- **Formula injection** (OWASP, CSV Injection): a cell whose text starts
  with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is prefixed
  with a single quote, so a spreadsheet shows it and never evaluates it;
  XLSX cells are, besides, written with the string type, so even a
  formula-looking text is never stored as a formula.
- **Control characters** that openpyxl refuses (IllegalCharacterError: one
  ``\\x01`` made /cases/export/ answer 500) or XML cannot carry are dropped
  (common.text.for_xml), for rows stored before input was cleaned.

Numbers, dates and None are written as they are.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from typing import Any

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.worksheet._write_only import WriteOnlyWorksheet

from .text import for_xml

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def safe_text(value: str) -> str:
    """User text for a spreadsheet cell: control characters dropped, a formula trigger defused."""
    value = for_xml(value)
    return "'" + value if value.startswith(FORMULA_TRIGGERS) else value


def _cell(ws: WriteOnlyWorksheet, value: Any) -> Any:
    if not isinstance(value, str):
        return value
    cell = WriteOnlyCell(ws, value=safe_text(value))
    cell.data_type = "s"  # a string, whatever it looks like
    return cell


class XlsxWriter:
    """One write-only sheet: ``append`` rows, then ``getvalue`` the workbook's bytes."""

    def __init__(self, title: str, headers: Sequence[str]) -> None:
        self._wb = Workbook(write_only=True)
        self._ws = self._wb.create_sheet(title)
        self.append(headers)

    def append(self, row: Iterable[Any]) -> None:
        self._ws.append([_cell(self._ws, v) for v in row])

    def add_sheet(self, title: str, headers: Sequence[str]) -> None:
        """Start another sheet (rows appended from now on go there); Excel allows 31 characters in a title."""
        self._ws = self._wb.create_sheet(for_xml(title)[:31] or "Sheet")
        self.append(headers)

    def getvalue(self) -> bytes:
        buf = io.BytesIO()
        self._wb.save(buf)
        return buf.getvalue()


def csv_bytes(headers: Sequence[str], rows: Iterable[Iterable[Any]]) -> bytes:
    """A CSV export (UTF-8 with BOM, what Excel in China opens) with every text cell defused."""
    buf = io.StringIO()
    writer = csv.writer(buf)
    writer.writerow([safe_text(h) for h in headers])
    for row in rows:
        writer.writerow([safe_text(v) if isinstance(v, str) else ("" if v is None else v) for v in row])
    return ("\ufeff" + buf.getvalue()).encode("utf-8")
