"""Small import files for the operations tests."""

from __future__ import annotations

import csv
import datetime as dt
import io

from shequtong.common.export import XlsxWriter
from shequtong.common.idcard import make_id_number


def csv_bytes(header: list[str], rows: list[list[str]]) -> bytes:
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(header)
    w.writerows(rows)
    return buf.getvalue().encode()


def xlsx_bytes(header: list[str], rows: list[list[str]]) -> bytes:
    out = XlsxWriter("sheet", header)
    for r in rows:
        out.append(r)
    return out.getvalue()


TREE_HEADER = ["街镇", "街镇类型", "居村委", "居村委类型", "小区/村民小组"]
RESIDENT_HEADER = ["姓名", "身份证号码", "手机号码", "街镇", "居村委", "小区/村民小组", "楼号", "室号", "党员"]
STAFF_HEADER = ["姓名", "身份证号码", "手机号码", "街镇", "居村委", "角色"]


def ident(i: int) -> str:
    """A valid ID number, distinct for each i < 366,000 (and from the factories' numbers, area 310113)."""
    return make_id_number("310230", dt.date(1950, 1, 1) + dt.timedelta(days=i % 366), i // 366 % 1000)


def phone(i: int) -> str:
    return f"139{70000000 + i:08d}"
