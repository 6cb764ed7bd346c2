"""XLSX export of a filtered case list (what offices expect); personal data masked, user text as text (common.export)."""

from __future__ import annotations

from collections.abc import Iterable

from django.utils import timezone

from shequtong.common.export import XlsxWriter

from .models import Case

MAX_ROWS = 20_000
HEADERS = ["编号", "标题", "内容", "来源", "问题标签", "状态", "逾期", "街镇", "居村委", "提出人", "提出时间",
           "首次回应", "解决时间", "网格化送达", "网格化工单号", "评分", "评价意见"]


def _t(value: object) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if value else ""  # type: ignore[arg-type]


def cases_xlsx(cases: Iterable[Case]) -> bytes:
    ws = XlsxWriter("问题列表", HEADERS)
    for c in cases:
        rating = getattr(c, "rating", None)  # reverse one-to-one: None when not rated
        ws.append([
            c.pk, c.title, c.content[:2000], c.get_source_display(), c.get_category_display() if c.category else "未设置",
            c.get_status_display(), "、".join(c.overdue_labels), c.subdistrict.name, c.community.name,
            c.raised_by.display_name if c.raised_by else "", _t(c.created_at), _t(c.first_response_at),
            _t(c.resolved_at), c.get_send_state_display(), c.external_id,
            rating.stars if rating else "", rating.feedback if rating else "",
        ])
    return ws.getvalue()
