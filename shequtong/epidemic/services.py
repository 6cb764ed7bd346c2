"""Every state change of 疫情防控: report, respond, turn into a case, keep archives, measure, warn.

Each function is one user action: it authorises through ``policies`` (the
rule pages read too), runs in a transaction, writes its history row and its
notices (信箱 at once, and an outbox "push" row that the worker fans out to
SMS, WeChat and e-mail by each person's channel preferences, NF-6).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.http import HttpRequest

from shequtong.accounts import audit, scope
from shequtong.accounts import services as account_services
from shequtong.accounts.models import AuditEvent, RoleGrant, User
from shequtong.accounts.roles import CAPABILITIES, Role
from shequtong.boards.images import check_images
from shequtong.common import clock
from shequtong.common.categories import Category
from shequtong.common.errors import Conflict, NotFound, ValidationFailed
from shequtong.common.idcard import InvalidIdNumber, parse_id_number
from shequtong.inbox.services import send_system_message
from shequtong.notifications import outbox
from shequtong.places.models import Community, Estate

from . import export
from .errors import EpidemicError
from .models import (
    ARCHIVE_MOVES,
    RESPONSE_MOVES,
    SYMPTOM_LABELS,
    ArchiveEvent,
    ArchiveState,
    HealthArchive,
    HealthWarning,
    Measurement,
    Reason,
    Report,
    ReportEvent,
    ReportImage,
    ReportKind,
    WarningKind,
)
from .policies import access_archive, access_report

CONTENT_MAX = 2000
NOTE_MAX = 2000
# A temperature at or above this is a fever warning (37.2 is not; 37.3 is).
FEVER_AT = Decimal("37.3")
TEMPERATURE_MIN = Decimal("34.0")
TEMPERATURE_MAX = Decimal("43.0")
# How far back a daily report may be entered (a family catching up after a weekend).
BACKFILL_DAYS = 7
_PHONE = re.compile(r"^[0-9][0-9\- ]{5,18}[0-9]$")


# --- who hears about it ------------------------------------------------------------------

def staff_on_duty(community_id: int) -> list[User]:
    """The committee's epidemic staff (社工 and 书记) of a community.

    The platform keeps no duty roster, so every member of the committee's
    epidemic staff is on duty for its notices and warnings.
    """
    grants = RoleGrant.objects.filter(role__in=sorted(CAPABILITIES["epidemic"]), community_id=community_id)
    users = User.objects.filter(pk__in=grants.values("user_id"), is_active=True).order_by("id")
    return list(users)


def subdistrict_officials(subdistrict_id: int) -> list[User]:
    """Who a 转确诊 is reported to: the subdistrict's officials (not the district's: they watch the figures)."""
    grants = RoleGrant.objects.filter(role__in=sorted(CAPABILITIES["epidemic_observe"]), subdistrict_id=subdistrict_id,
                                      community_id__isnull=True)
    return list(User.objects.filter(pk__in=grants.values("user_id"), is_active=True).order_by("id"))


def _notify(users: Iterable[User], *, subject: str, body: str, link: str, key: str, skip: User | None = None) -> None:
    """信箱 now, and one outbox push per person (fanned out to SMS/WeChat/e-mail as each chose)."""
    for user in users:
        if skip is not None and user.pk == skip.pk:
            continue
        send_system_message(recipient=user, subject=subject, body=body, link=link)
        outbox.enqueue(kind="push", payload={"user_id": user.pk, "subject": subject[:120], "body": body[:500],
                                             "link": link}, idempotency_key=f"{key}:{user.pk}"[:120])


# --- 线索上报 / 防疫求助 -------------------------------------------------------------------

@dataclass(frozen=True)
class ReportInput:
    community_id: int
    estate_id: int
    occurred_at: dt.datetime
    content: str
    contact_name: str
    contact_phone: str
    building: str = ""
    room: str = ""
    people: str = ""
    images: list[Any] = field(default_factory=list)


def _fail(errors: dict[str, str]) -> None:
    if errors:
        name, message = next(iter(errors.items()))
        err = ValidationFailed(message, field=name)
        err.errors = errors  # type: ignore[attr-defined]
        raise err


def _estate(community: Community, estate_id: int | None, errors: dict[str, str]) -> Estate | None:
    estate = Estate.objects.filter(pk=estate_id or 0, community_id=community.pk).first()
    if estate is None:
        errors["estate"] = "请选择小区或村民小组"
    return estate


def _place(data: Any, errors: dict[str, str]) -> None:
    if len(data.building.strip()) > 20:
        errors["building"] = "楼号不能超过20字"
    if len(data.room.strip()) > 20:
        errors["room"] = "室号不能超过20字"


def _reporting_community(actor: User, community_id: int) -> tuple[Community, bool]:
    """The community the actor reports to, and whether they report as its committee."""
    if scope.scope_for(actor, "epidemic").covers(community_id=community_id):
        return scope.community_in_scope(actor, "epidemic", community_id), True
    return scope.community_in_scope(actor, "member", community_id), False


def submit_report(*, actor: User, kind: str, data: ReportInput) -> Report:
    """A resident or the committee reports a clue or asks for help; the committee hears at once."""
    if kind not in ReportKind.values:
        raise ValidationFailed("未知的上报类型", field="kind")
    community, by_committee = _reporting_community(actor, data.community_id)
    errors: dict[str, str] = {}
    estate = _estate(community, data.estate_id, errors)
    _place(data, errors)
    if data.occurred_at > clock.now() + dt.timedelta(minutes=5):
        errors["occurred_at"] = "发生时间不能晚于现在"
    content = data.content.strip()
    if not content:
        errors["content"] = "请填写情况描述" if kind == ReportKind.CLUE else "请填写求助内容"
    elif len(content) > CONTENT_MAX:
        errors["content"] = f"内容不能超过{CONTENT_MAX}字"
    if len(data.people.strip()) > 200:
        errors["people"] = "涉及人员不能超过200字"
    name = data.contact_name.strip()
    if not name:
        errors["contact_name"] = "请填写联系人"
    elif len(name) > 30:
        errors["contact_name"] = "联系人不能超过30字"
    phone = data.contact_phone.strip()
    if not _PHONE.match(phone):
        errors["contact_phone"] = "请填写正确的联系电话"
    _fail(errors)
    assert estate is not None
    checked = check_images(list(data.images))
    now = clock.now()
    with transaction.atomic():
        report = Report.objects.create(
            kind=kind, community=community, subdistrict_id=community.subdistrict_id, reporter=actor,
            by_committee=by_committee, estate=estate, building=data.building.strip(), room=data.room.strip(),
            people=data.people.strip(), occurred_at=data.occurred_at, content=content, contact_name=name,
            contact_phone=phone, image_count=len(checked), created_at=now, updated_at=now,
        )
        for i, (clean, _ext) in enumerate(checked):
            image = ReportImage(report=report, position=i)
            image.file.save(clean.name, clean, save=False)
            image.save()
        ReportEvent.objects.create(report=report, actor=actor, kind=ReportEvent.Kind.SUBMITTED, created_at=now)
        label = report.get_kind_display()
        _notify(staff_on_duty(community.pk), skip=actor,
                subject=f"新的{label}：{estate.name}"[:120],
                body=f"{community.name}收到一条{label}（{report.place_display}），请及时受理。",
                link=report.get_absolute_url(), key=f"epidemic-report:{report.pk}")
    return report


def respond_report(*, actor: User, kind: str, report_id: int, action: str, note: str = "") -> Report:
    """The committee's response: 受理 (with a note), 处理中, 已办结 (with the result); the reporter is told."""
    note = (note or "").strip()
    with transaction.atomic():
        # Who may act comes first: someone outside the committee learns nothing, not even a form error.
        report, access = access_report(actor, report_id, kind=kind, for_update=True)
        if not access.can_handle:
            raise NotFound("该记录不存在或您无权查看", code=EpidemicError.REPORT_NOT_FOUND)
        if action not in RESPONSE_MOVES:
            raise ValidationFailed("未知的操作", field="action")
        if len(note) > NOTE_MAX:
            raise ValidationFailed(f"说明不能超过{NOTE_MAX}字", field="note")
        if action == "accept" and not note:
            raise ValidationFailed("请填写受理说明", field="note")
        if action == "finish" and not note:
            raise ValidationFailed("请填写办结结果", field="note")
        if not access.can_respond(action):
            raise Conflict(f"当前状态为“{report.get_status_display()}”，不能执行此操作", code=EpidemicError.MOVE_REFUSED)
        now = clock.now()
        report.status = RESPONSE_MOVES[action][1]
        report.handled_by = actor
        report.updated_at = now
        fields = ["status", "handled_by", "updated_at"]
        if action == "accept":
            report.accepted_at, report.response_note = now, note
            fields += ["accepted_at", "response_note"]
        elif action == "finish":
            report.done_at, report.result = now, note
            fields += ["done_at", "result"]
        report.save(update_fields=fields)
        ReportEvent.objects.create(report=report, actor=actor, kind=report.status, note=note, created_at=now)
        label = report.get_kind_display()
        _notify([report.reporter], skip=actor, subject=f"您的{label}{report.get_status_display()}",
                body=note or f"居村委已将您的{label}标记为{report.get_status_display()}。",
                link=report.get_absolute_url(), key=f"epidemic-report:{report.pk}:{report.status}")
    return report


def help_request_to_case(*, actor: User, report_id: int, category: str, note: str = "") -> int:
    """A help request the committee cannot settle alone becomes a case (source 防疫求助), linked both ways."""
    from shequtong.cases import services as case_services

    note = (note or "").strip()[:500]
    with transaction.atomic():
        report, access = access_report(actor, report_id, kind=ReportKind.HELP, for_update=True)
        if not access.can_handle:
            raise NotFound("该记录不存在或您无权查看", code=EpidemicError.REPORT_NOT_FOUND)
        if category not in Category.values:
            raise ValidationFailed("请选择问题标签", field="category")
        if access.has_case:
            raise Conflict("该求助已转为问题跟踪", code=EpidemicError.ALREADY_A_CASE)
        content = report.content + (f"\n\n（{note}）" if note else "") + f"\n\n地点：{report.place_display}"
        reporter = None if report.by_committee else report.reporter
        case = case_services.create_case(
            actor=actor, community=report.community, source="epidemic_help", category=category,
            title=f"防疫求助：{report.content.splitlines()[0]}"[:60], content=content, raised_by=reporter,
            origin_type="epidemic_help", origin_id=report.pk, origin_url=report.get_absolute_url(),
        )
        report.case_id = case.pk
        report.updated_at = clock.now()
        report.save(update_fields=["case_id", "updated_at"])
        ReportEvent.objects.create(report=report, actor=actor, kind=ReportEvent.Kind.CASE,
                                   note=f"问题编号 #{case.pk}" + (f"：{note}" if note else ""), created_at=clock.now())
    return int(case.pk)


def export_reports(*, actor: User, kind: str, reports: list[Report], filters: dict[str, Any],
                   request: HttpRequest | None = None) -> bytes:
    """The filtered list (already scoped by the selector) as XLSX, personal data masked; audit-logged."""
    data = export.reports_xlsx(kind, reports)
    audit.record("export", actor=actor, request=request, detail={
        "what": f"epidemic_{kind}", "filters": filters, "rows": len(reports)})
    return data


# --- 社区健康管理: archives -----------------------------------------------------------------

@dataclass(frozen=True)
class ArchiveInput:
    community_id: int
    estate_id: int
    person_name: str
    id_number: str
    phone: str
    reason: str
    started_on: dt.date
    building: str = ""
    room: str = ""
    contacts: str = ""
    health_note: str = ""
    account_phone: str = ""   # the registered phone of the member who fills in the daily report
    relation: str = ""
    unlink_account: bool = False  # on edit: an empty account_phone keeps the filler unless this is set


def _member_by_phone(community: Community, phone: str) -> User | None:
    try:
        index = account_services.phone_index(phone)
    except Exception:  # noqa: BLE001 - an unparseable number finds nobody
        return None
    members = RoleGrant.objects.filter(role=Role.RESIDENT, community_id=community.pk).values("user_id")
    return User.objects.filter(phone_index=index, is_active=True, pk__in=members).first()


def _clean_archive(community: Community, data: ArchiveInput) -> tuple[Estate, User | None]:
    errors: dict[str, str] = {}
    estate = _estate(community, data.estate_id, errors)
    _place(data, errors)
    name = data.person_name.strip()
    if not name:
        errors["person_name"] = "请填写姓名"
    elif len(name) > 30:
        errors["person_name"] = "姓名不能超过30字"
    id_number = data.id_number.strip().upper()
    if id_number:
        try:
            parse_id_number(id_number, today=clock.today())
        except InvalidIdNumber as exc:
            errors["id_number"] = str(exc)
    phone = data.phone.strip()
    if phone and not _PHONE.match(phone):
        errors["phone"] = "请填写正确的联系电话"
    if data.reason not in Reason.values:
        errors["reason"] = "请选择居家隔离观察或社区健康管理"
    if data.started_on > clock.today():
        errors["started_on"] = "开始日期不能晚于今天"
    if len(data.contacts.strip()) > 200:
        errors["contacts"] = "紧急联系人不能超过200字"
    if len(data.health_note.strip()) > 1000:
        errors["health_note"] = "健康情况不能超过1000字"
    if len(data.relation.strip()) > 10:
        errors["relation"] = "关系不能超过10字"
    account = None
    if data.account_phone.strip():
        account = _member_by_phone(community, data.account_phone.strip())
        if account is None:
            errors["account_phone"] = "该手机号不是本社区的社区通用户"
    _fail(errors)
    assert estate is not None
    return estate, account


def _apply_archive(archive: HealthArchive, data: ArchiveInput, estate: Estate, account: User | None) -> None:
    archive.estate = estate
    archive.building, archive.room = data.building.strip(), data.room.strip()
    archive.person_name = data.person_name.strip()
    archive.id_number = data.id_number.strip().upper()
    archive.phone = data.phone.strip()
    archive.contacts = data.contacts.strip()
    archive.health_note = data.health_note.strip()
    archive.account = account
    archive.relation = data.relation.strip() if account else ""
    archive.started_on = data.started_on
    archive.updated_at = clock.now()


def _archive_event(archive: HealthArchive, actor: User | None, kind: str, note: str = "") -> None:
    ArchiveEvent.objects.create(archive=archive, actor=actor, kind=kind, note=note[:500], created_at=clock.now())


def create_archive(*, actor: User, data: ArchiveInput) -> HealthArchive:
    """建档: the committee records a person under 居家隔离观察 or 社区健康管理."""
    community = scope.community_in_scope(actor, "epidemic", data.community_id)
    estate, account = _clean_archive(community, data)
    now = clock.now()
    with transaction.atomic():
        archive = HealthArchive(community=community, subdistrict_id=community.subdistrict_id, reason=data.reason,
                                state=data.reason, created_by=actor, created_at=now)
        _apply_archive(archive, data, estate, account)
        archive.save()
        _archive_event(archive, actor, ArchiveEvent.Kind.CREATED, archive.get_reason_display())
        if account is not None:
            send_system_message(recipient=account, subject="居村委为您建立了社区健康档案",
                                body="请每天在“疫情防控 · 我的健康档案”填报体温和症状。", link=archive.get_absolute_url())
    return archive


def update_archive(*, actor: User, archive_id: int, data: ArchiveInput) -> HealthArchive:
    """Edit an archive; while under observation its type may change too (the state follows it)."""
    with transaction.atomic():
        archive, access = access_archive(actor, archive_id, for_update=True)
        if not access.can_edit:
            raise NotFound("该健康档案不存在或您无权查看", code=EpidemicError.ARCHIVE_NOT_FOUND)
        # The edit page never shows the encrypted fields in clear: an empty one keeps its value.
        data = replace(
            data,
            person_name=data.person_name.strip() or archive.person_name or "",
            id_number=data.id_number.strip() or archive.id_number or "",
            phone=data.phone.strip() or archive.phone or "",
            contacts=data.contacts.strip() or archive.contacts or "",
            health_note=data.health_note.strip() or archive.health_note or "",
        )
        estate, account = _clean_archive(archive.community, data)
        if account is None and not data.account_phone.strip() and not data.unlink_account:
            account = archive.account  # the page shows the filler's phone masked: empty means unchanged
        if data.reason != archive.reason:
            if not archive.is_observed:
                raise Conflict("已转确诊或解除观察的档案不能修改管理类型", code=EpidemicError.MOVE_REFUSED)
            archive.reason = data.reason
            archive.state = data.reason
        _apply_archive(archive, data, estate, account)
        archive.save()
        _archive_event(archive, actor, ArchiveEvent.Kind.UPDATED)
    return archive


def delete_archive(*, actor: User, archive_id: int, request: HttpRequest | None = None) -> None:
    """Delete an archive with its measurements; the audit log keeps who deleted which."""
    with transaction.atomic():
        archive, access = access_archive(actor, archive_id, for_update=True)
        if not access.can_delete:
            raise NotFound("该健康档案不存在或您无权查看", code=EpidemicError.ARCHIVE_NOT_FOUND)
        audit.record(AuditEvent.Action.DELETE, actor=actor, target=archive, request=request, detail={
            "what": "health_archive", "community_id": archive.community_id, "state": archive.state})
        archive.delete()


def move_archive(*, actor: User, archive_id: int, action: str, note: str = "") -> HealthArchive:
    """转确诊 or 解除观察, from 居家隔离观察 / 社区健康管理 only; 转确诊 is reported to the subdistrict at once."""
    note = (note or "").strip()[:500]
    with transaction.atomic():
        archive, access = access_archive(actor, archive_id, for_update=True)
        if not access.can_manage:
            raise NotFound("该健康档案不存在或您无权查看", code=EpidemicError.ARCHIVE_NOT_FOUND)
        if action not in ARCHIVE_MOVES:
            raise ValidationFailed("未知的操作", field="action")
        if not access.can_move(action):
            raise Conflict(f"“{archive.get_state_display()}”的档案不能{'转确诊' if action == 'confirm' else '解除观察'}",
                           code=EpidemicError.MOVE_REFUSED)
        now = clock.now()
        archive.state = ARCHIVE_MOVES[action][1]
        archive.updated_at = now
        if action == "confirm":
            archive.confirmed_at = archive.reported_at = now
            archive.save(update_fields=["state", "confirmed_at", "reported_at", "updated_at"])
            _archive_event(archive, actor, ArchiveEvent.Kind.CONFIRMED, note)
            officials = subdistrict_officials(archive.subdistrict_id)
            _notify(officials, subject=f"转确诊上报：{archive.community.name}",
                    body=f"{archive.community.name}{archive.estate.name}一名{archive.get_reason_display()}人员已转确诊。",
                    link=archive.get_absolute_url(), key=f"epidemic-confirmed:{archive.pk}")
            _archive_event(archive, actor, ArchiveEvent.Kind.REPORTED, f"已上报{archive.subdistrict.name}（{len(officials)}人）")
        else:
            archive.released_at = now
            archive.save(update_fields=["state", "released_at", "updated_at"])
            _archive_event(archive, actor, ArchiveEvent.Kind.RELEASED, note)
    return archive


def reveal_archive(*, actor: User, archive_id: int, request: HttpRequest | None = None) -> dict[str, str]:
    """The clear identity, contacts and health note, for the keeping committee; every read audit-logged."""
    archive, access = access_archive(actor, archive_id)
    if not access.can_reveal:
        raise NotFound("该健康档案不存在或您无权查看", code=EpidemicError.ARCHIVE_NOT_FOUND)
    audit.record("reveal", actor=actor, target=archive, request=request,
                 detail={"what": "health_archive",
                         "fields": ["person_name", "id_number", "phone", "contacts", "health_note"]})
    return {"姓名": archive.person_name or "", "身份证号": archive.id_number or "", "联系电话": archive.phone or "",
            "紧急联系人": archive.contacts or "", "健康情况": archive.health_note or ""}


# --- daily measurements and warnings --------------------------------------------------------

def parse_temperature(value: Any) -> Decimal:
    try:
        t = Decimal(str(value).strip()).quantize(Decimal("0.1"))
    except (InvalidOperation, ValueError) as exc:
        raise ValidationFailed("请填写体温，如 36.5", field="temperature") from exc
    if not (TEMPERATURE_MIN <= t <= TEMPERATURE_MAX):
        raise ValidationFailed("体温应在34.0至43.0℃之间", field="temperature")
    return t


def warning_kinds(temperature: Decimal, symptoms: Iterable[str]) -> list[str]:
    """The warnings one measurement raises: 体温 ≥ 37.3 ℃, or any listed symptom."""
    kinds: list[str] = []
    if temperature >= FEVER_AT:
        kinds.append(WarningKind.FEVER)
    if any(s in SYMPTOM_LABELS for s in symptoms):
        kinds.append(WarningKind.SYMPTOM)
    return kinds


def _warn(archive: HealthArchive, kind: str, day: dt.date) -> bool:
    """Record one warning (once per archive, kind and day) and tell the staff on duty; False if known."""
    try:
        with transaction.atomic():
            HealthWarning.objects.create(archive=archive, community_id=archive.community_id,
                                         subdistrict_id=archive.subdistrict_id, estate_id=archive.estate_id,
                                         kind=kind, day=day, created_at=clock.now())
    except IntegrityError:
        return False
    label = WarningKind(kind).label
    _notify(staff_on_duty(archive.community_id), subject=f"症状预警：{archive.estate.name}（{label}）",
            body=f"{archive.estate.name}有{archive.get_state_display()}人员{label}（{day:%m-%d}），请及时跟进。",
            link=archive.get_absolute_url(), key=f"epidemic-warning:{archive.pk}:{kind}:{day:%Y%m%d}")
    return True


def record_measurement(*, actor: User, archive_id: int, measured_on: dt.date, temperature: Any,
                       symptoms: Iterable[str] = (), note: str = "") -> Measurement:
    """A daily report by the resident (for themself or family) or by staff; abnormal values warn at once."""
    t = parse_temperature(temperature)
    codes = sorted(set(symptoms))
    if any(c not in SYMPTOM_LABELS for c in codes):
        raise ValidationFailed("症状选项无效", field="symptoms")
    note = (note or "").strip()
    if len(note) > 500:
        raise ValidationFailed("备注不能超过500字", field="note")
    today = clock.today()
    if measured_on > today:
        raise ValidationFailed("日期不能晚于今天", field="measured_on")
    if measured_on < today - dt.timedelta(days=BACKFILL_DAYS):
        raise ValidationFailed(f"只能补填{BACKFILL_DAYS}天内的数据", field="measured_on")
    with transaction.atomic():
        archive, access = access_archive(actor, archive_id, for_update=True)
        if not (access.is_account or access.can_manage):
            raise NotFound("该健康档案不存在或您无权查看", code=EpidemicError.ARCHIVE_NOT_FOUND)
        if not access.can_measure:
            raise Conflict("该档案已解除观察，不再填报", code=EpidemicError.NOT_MEASURABLE)
        if measured_on < archive.started_on:
            raise ValidationFailed("日期不能早于开始日期", field="measured_on")
        kinds = warning_kinds(t, codes)
        m = Measurement.objects.create(
            archive=archive, measured_on=measured_on, temperature=str(t), symptoms=",".join(codes), note=note,
            febrile=WarningKind.FEVER in kinds, symptomatic=WarningKind.SYMPTOM in kinds,
            recorded_by=actor, by_staff=access.can_manage and not access.is_account, created_at=clock.now(),
        )
        if archive.last_measured_on is None or measured_on > archive.last_measured_on:
            archive.last_measured_on = measured_on
            archive.save(update_fields=["last_measured_on"])
        if archive.is_observed:
            for kind in kinds:
                _warn(archive, kind, measured_on)
    return m


def missed_archives(day: dt.date) -> Any:
    """Archives under observation on ``day`` (begun on or before it) with no daily report for it."""
    reported = Measurement.objects.filter(measured_on=day).values("archive_id")
    return HealthArchive.objects.filter(
        Q(state__in=(ArchiveState.HOME_ISOLATION, ArchiveState.HEALTH_MANAGEMENT)), started_on__lte=day,
        created_at__lt=clock.day_start(day + dt.timedelta(days=1)),
    ).exclude(pk__in=reported).select_related("estate", "community")


def scan_missed_reports(now: dt.datetime | None = None) -> int:
    """Scheduled job: a warning for each archive under observation that missed yesterday's report (once)."""
    today = clock.today() if now is None else now.date()
    yesterday = today - dt.timedelta(days=1)
    written = 0
    for archive in missed_archives(yesterday).iterator(chunk_size=200):
        with transaction.atomic():
            written += _warn(archive, WarningKind.MISSED, yesterday)
    return written


def export_archives(*, actor: User, archives: list[HealthArchive], filters: dict[str, Any],
                    request: HttpRequest | None = None) -> bytes:
    """The filtered archive list (already scoped by the selector) as XLSX, identity masked; audit-logged."""
    data = export.archives_xlsx(archives)
    audit.record("export", actor=actor, request=request, detail={
        "what": "health_archives", "filters": filters, "rows": len(archives)})
    return data
