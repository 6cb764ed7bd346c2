"""XLSX export of an activity's sign-up list: masked names and phones, user text as text (common.export)."""

from __future__ import annotations

from collections.abc import Iterable

from django.utils import timezone

from shequtong.common.export import XlsxWriter

from .models import Item, SignUp

MAX_ROWS = 20_000
HEADERS = ["序号", "活动", "街镇", "村", "村民小组", "姓名", "手机号", "报名时间"]


def signups_xlsx(item: Item, rows: Iterable[SignUp]) -> bytes:
    ws = XlsxWriter("报名名单", HEADERS)
    for n, s in enumerate(rows, start=1):
        ws.append([
            n, item.title, s.subdistrict.name, s.community.name, s.estate.name if s.estate else "",
            s.user.display_name, s.user.masked_phone,
            timezone.localtime(s.created_at).strftime("%Y-%m-%d %H:%M"),
        ])
    return ws.getvalue()
