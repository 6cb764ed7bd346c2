"""XLSX exports of 疫情防控 lists (common.export: user text as text); personal data masked, health values left out."""

from __future__ import annotations

from collections.abc import Iterable

from django.utils import timezone

from shequtong.common import masking
from shequtong.common.export import XlsxWriter

from .models import HealthArchive, Report, ReportKind

REPORT_HEADERS = ["编号", "居村委", "街镇", "小区/村民小组", "楼号", "室号", "发生时间", "情况描述", "涉及人员",
                  "联系人", "联系电话", "上报人", "上报方", "上报时间", "响应状态", "受理时间", "受理说明",
                  "办结时间", "办结结果", "问题编号"]
ARCHIVE_HEADERS = ["编号", "街镇", "居村委", "小区/村民小组", "楼号", "室号", "姓名", "身份证号", "联系电话",
                   "管理类型", "状态", "开始日期", "转确诊时间", "解除观察时间", "最近填报"]


def _t(value: object) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if value else ""  # type: ignore[arg-type]


def reports_xlsx(kind: str, reports: Iterable[Report]) -> bytes:
    ws = XlsxWriter(str(ReportKind(kind).label), REPORT_HEADERS)
    for r in reports:
        ws.append([
            r.pk, r.community.name, r.subdistrict.name, r.estate.name, r.building, r.room, _t(r.occurred_at),
            masking.mask_text(r.content), r.masked_people, r.contact_display, r.masked_phone,
            r.reporter.display_name, "居村委" if r.by_committee else "居村民", _t(r.created_at),
            r.get_status_display(), _t(r.accepted_at), masking.mask_text(r.response_note), _t(r.done_at),
            masking.mask_text(r.result), r.case_id or "",
        ])
    return ws.getvalue()


def archives_xlsx(archives: Iterable[HealthArchive]) -> bytes:
    """The archive detail list (§4.2.6.3.2 (9)): identity masked; measured values are not exported."""
    ws = XlsxWriter("健康档案", ARCHIVE_HEADERS)
    for a in archives:
        ws.append([
            a.pk, a.subdistrict.name, a.community.name, a.estate.name, a.building, a.room, a.person_display,
            a.masked_id_number, a.masked_phone, a.get_reason_display(), a.get_state_display(),
            a.started_on.isoformat(), _t(a.confirmed_at), _t(a.released_at),
            a.last_measured_on.isoformat() if a.last_measured_on else "",
        ])
    return ws.getvalue()
