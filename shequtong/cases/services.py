"""Every state change of a case: recording it (from any source), handling, the grid, ratings, reminders.

Rules that hold here:
- who may do what to a case is answered by ``policies.access_case`` alone:
  handling is the committee's (``access.can_handle``), rating the raiser's;
  a case the actor may not see, or may see but not act on, is NotFound;
- a case from an @ mention has no category until the committee sets one,
  and nothing else can be done with it before (CT-2);
- every step writes a CaseEvent, shown to the resident who raised the case;
- escalation writes the outbox row in the same transaction; the worker
  delivers it (deliver_escalation) and polls for results (poll_grid).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import defaultdict
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, F, OuterRef, Q, QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils.module_loading import import_string

from shequtong.accounts import audit, scope
from shequtong.accounts.models import RoleGrant, User
from shequtong.accounts.roles import CAPABILITIES, Role
from shequtong.common import chinese, clock, counters, hooks, masking, prepared
from shequtong.common.categories import Category
from shequtong.common.errors import Conflict, NotFound, PermissionRefused, ValidationFailed
from shequtong.common.hooks import MentionEvent, PostTaggedEvent
from shequtong.inbox.services import send_system_message
from shequtong.integrations.grid import (
    GridGateway,
    GridRejected,
    GridRequest,
    GridStatus,
    GridUnavailable,
    GridUnknownRequest,
)
from shequtong.notifications import outbox, preferences
from shequtong.notifications.models import Outbox
from shequtong.places.models import Community

from . import export, overdue, rollups, selectors
from .errors import CaseError
from .models import (
    PATROL_SOURCES,
    PUBLIC_EVENT_KINDS,
    RATEABLE_STATUSES,
    Case,
    CaseEvent,
    CaseRating,
    OverdueReminder,
    RatingStat,
    SendState,
    Source,
    Status,
    star_field,
)
from .policies import access_case

logger = logging.getLogger("shequtong.cases")

GRID_SUBMIT = "grid.submit"
TITLE_MAX = 60


def _title_from(content: str) -> str:
    first = content.strip().splitlines()[0] if content.strip() else ""
    return first[:TITLE_MAX] + ("…" if len(first) > TITLE_MAX else "")


def _event(case: Case, *, actor: User | None, kind: str, status_from: str = "", status_to: str = "", note: str = "") -> CaseEvent:
    """A step of the case's history; a status move also adds its row to the handling-flow rollup (CaseStep)."""
    event = prepared.create(
        CaseEvent, case=case, actor=actor if getattr(actor, "pk", None) else None, kind=kind,
        status_from=status_from, status_to=status_to, note=note[:5000], created_at=clock.now(),
    )
    rollups.record_step(event, case)
    if kind in FOLLOWED_STEPS:
        _publish_step(case, event)
    return event


# The steps a case's followers hear of (关注, OB-7): the public ones after its recording.
FOLLOWED_STEPS = PUBLIC_EVENT_KINDS - {CaseEvent.Kind.CREATED}


def _publish_step(case: Case, event: CaseEvent) -> None:
    """hooks.step_recorded, in the step's transaction: followers' 信箱 notices and live 宝山圈 pages.

    A letter's case step is the letter's step too. The raiser is skipped: they hear of the steps that
    concern them as the raiser (``_tell_raiser``), worded for them.
    """
    step = str(event.get_kind_display())
    if event.status_to and event.status_to != event.status_from:
        step += f"（{Status(event.status_to).label}）"
    also: tuple[tuple[str, int, str], ...] = ()
    if case.origin_type == "letter" and case.origin_id:
        also = (("letter", case.origin_id, case.origin_url),)
    hooks.step_recorded.publish(hooks.StepEvent(
        target_type="case", target_id=case.pk, community_id=case.community_id, subdistrict_id=case.subdistrict_id,
        actor_id=event.actor_id, title=case.title, step=step, note=event.public_note[:200],
        link=case.get_absolute_url(), at=event.created_at, also=also,
        skip_user_ids=frozenset({case.raised_by_id}) if case.raised_by_id else frozenset(),
    ))


def sentence(text: str) -> str:
    """``text`` ending in one full stop: a note that already ends a sentence gets none added (no "。。")."""
    text = (text or "").strip()
    return text if not text or text[-1] in "。！？!?.…；;" else text + "。"


# What the raiser is told at each step (issue 14 item 5): the subject names the item.
RAISER_NOTICES = {
    "accept": "已受理",
    "reply": "有新回复",
    "escalate": "已上报网格化",
    "grid_done": "网格化已办结",
    "resolve": "已解决",
    "reopen": "重新处理中",
}


def _tell_raiser(case: Case, step: str, body: str, *, key: str) -> None:
    """Tell the raiser in 信箱 (subject 您反映的『…』已受理), and on the channels they chose (notifications.preferences).

    ``key`` makes the channel fan-out idempotent per step (a retried transaction sends nothing twice).
    """
    raiser = case.raised_by
    if raiser is None:
        return
    subject = f"您反映的『{case.short_title}』{RAISER_NOTICES[step]}"
    link = case.origin_url if case.source == Source.LETTER and case.origin_url else case.get_absolute_url()
    send_system_message(recipient=raiser, subject=subject, body=body, link=link)
    if not preferences.accepts_any(raiser):
        return  # 信箱 only: the person chose no external channel (or gave no address for one)
    outbox.enqueue(kind="push", payload={"user_id": case.raised_by_id, "subject": subject, "body": body[:500],
                                         "link": link}, idempotency_key=f"case-notice:{key}")


# --- Recording a case ---------------------------------------------------------

def create_case(
    *,
    actor: User | None,
    community: Community,
    source: str,
    category: str,
    title: str,
    content: str,
    raised_by: User | None = None,
    origin_type: str = "",
    origin_id: int | None = None,
    origin_url: str = "",
    new_origin: bool = False,
) -> Case:
    """Record a case from any source; the one entry point (letters, hooks, visits call it).

    - `source`: a `Source` value. Patrol sources need the actor to patrol the
      community at that level (accounts.scope.patrol_level); "visit" needs
      the committee capability there; "letter" a resident or committee member
      of the community. "mention"/"tag" come from in-process hooks whose
      publisher has already authorised the actor.
    - `category`: a `Category` value; may be "" only for @ mentions (a
      resident's or a patrol's): the committee must set it when it first
      opens the case (CT-2).
    - `raised_by`: the resident the problem comes from (may rate it later);
      defaults to the actor for letters.
    - `origin_type`/`origin_id`/`origin_url`: the link back. With an
      origin_id the call is idempotent: the same origin returns the same case.
    - `new_origin`: the origin was created in the caller's transaction (a
      letter just written), so it can have no case yet and none is looked up.

    Call it inside the transaction of the change that causes it. It makes no
    savepoint of its own (no caller goes on after a failure inside it).
    """
    if source not in Source.values:
        raise ValidationFailed("未知的问题来源", field="source")
    if category and category not in Category.values:
        raise ValidationFailed("请选择问题标签", field="category")
    if not category and source not in _UNTAGGED_SOURCES:
        raise ValidationFailed("请选择问题标签", field="category")
    content = (content or "").strip()
    if not content:
        raise ValidationFailed("请填写问题内容", field="content")
    level = next((lvl for lvl, src in PATROL_SOURCES.items() if src == source), None)
    if level is not None and scope.patrol_level(actor, community) != level:
        raise PermissionRefused("您不能在该居村委进行此级别的巡查")
    if source == Source.VISIT and not scope.can(actor, "committee", community=community):
        raise PermissionRefused("只有本居村委的工作人员可以记录面对面问题")
    if source == Source.EPIDEMIC_HELP and not scope.can(actor, "epidemic", community=community):
        raise PermissionRefused("只有本居村委的工作人员可以将防疫求助转为问题")
    if source == Source.LETTER and not (
        scope.can(actor, "member", community=community) or scope.can(actor, "committee", community=community)
    ):
        raise PermissionRefused("您不能向该居村委提交问题")
    if source == Source.LETTER and raised_by is None:
        raised_by = actor
    now = clock.now()
    with transaction.atomic(savepoint=False):
        if origin_id is not None and not new_origin:
            existing = Case.objects.filter(origin_type=origin_type, origin_id=origin_id).first()
            if existing is not None:
                return existing
        title = (title or "").strip()[:200] or _title_from(content)
        content = content[:5000]
        case = prepared.create(
            Case, community=community, subdistrict_id=community.subdistrict_id, source=source, category=category,
            title=title, content=content, search_text=chinese.search_text(title, content),
            raised_by=raised_by, created_by=actor if getattr(actor, "pk", None) else None,
            origin_type=origin_type, origin_id=origin_id, origin_url=origin_url[:300],
            created_at=now, updated_at=now,
        )
        _event(case, actor=actor, kind=CaseEvent.Kind.CREATED, status_to=case.status,
               note=f"{case.get_source_display()}" + (f" · {case.get_category_display()}" if category else ""))
        if raised_by is not None and source in _RESIDENT_WORDS:
            # 政策找人 queues it for the resident's demand profile (text read later, in the background).
            hooks.activity_recorded.publish(hooks.ActivityEvent(
                user_id=raised_by.pk, action="case", community_id=community.pk, source_type="case", source_id=case.pk))
    return case


# Sources whose case may start without a category: a mention carries none.
_UNTAGGED_SOURCES = {Source.MENTION, *PATROL_SOURCES.values()}
# Cases whose text is the resident's own words and reached the platform only as a case (a mention, a
# tagged post and a letter were counted where they were written): they feed 政策找人's demand profiles.
_RESIDENT_WORDS = {Source.VISIT, Source.EPIDEMIC_HELP}


def _user(pk: int | None) -> User | None:
    return User.objects.filter(pk=pk).first() if pk else None


def on_mention(event: MentionEvent) -> None:
    """hooks.mention_recorded: an @居委 press becomes a case (a patrol case when patrol_level is set)."""
    community = Community.objects.get(pk=event.community_id)
    source = PATROL_SOURCES[event.patrol_level] if event.patrol_level else Source.MENTION
    # The title says where it was said (【post title】 or 【group】); the content quotes the post (issue 14 item 8).
    where = f"【{event.context_title[:20]}】" if event.context_title else ""
    content = event.text or "（无文字内容）"
    if event.context_quote:
        content += f"\n\n——原帖《{event.context_title}》：{event.context_quote}"
    create_case(
        actor=_user(event.actor_id), community=community, source=source, category="",
        title=where + _title_from(event.text), content=content, raised_by=_user(event.author_id),
        origin_type=mention_origin(event.source_type), origin_id=event.mention_id, origin_url=event.url,
    )


def mention_origin(source_type: str) -> str:
    """The origin_type of a mention's case.

    Boards (replies, posts) and chats (group messages) number their mention
    rows independently, so the id alone does not identify a mention.
    """
    return f"{source_type}_mention"[:30]


def on_post_tagged(event: PostTaggedEvent) -> None:
    """hooks.post_tagged: a 身边事 post with a problem tag becomes a case (patrol when tagged by staff)."""
    community = Community.objects.get(pk=event.community_id)
    source = PATROL_SOURCES[event.patrol_level] if event.patrol_level else Source.TAG
    create_case(
        actor=_user(event.actor_id), community=community, source=source, category=event.category,
        title=event.title, content=event.text or event.title, raised_by=_user(event.author_id),
        origin_type="post", origin_id=event.post_id, origin_url=event.url,
    )


# --- Handling ---------------------------------------------------------------------

def _case_for_committee(actor: User, case_id: int) -> Case:
    """Lock the case for handling; NotFound unless the policy lets the actor handle it.

    Patrol staff and the raiser see the case but do not handle it: for them, too,
    it is not found here, as it always was.
    """
    case, access = access_case(actor, case_id, for_update=True)
    if not access.can_handle:
        raise NotFound("该问题不存在或不在您的管辖范围内", code=CaseError.NOT_FOUND)
    return case


def set_category(*, actor: User, case_id: int, category: str) -> Case:
    """Give a case its problem tag (required before handling a case from an @ mention, CT-2)."""
    if category not in Category.values:
        raise ValidationFailed("请选择问题标签", field="category")
    with transaction.atomic():
        case = _case_for_committee(actor, case_id)
        if case.category == category:
            return case
        old = case.get_category_display() if case.category else "未设置"
        case.category = category
        case.updated_at = clock.now()
        case.save(update_fields=["category", "updated_at"])
        _event(case, actor=actor, kind=CaseEvent.Kind.CATEGORY, note=f"{old} → {case.get_category_display()}")
    return case


@dataclass(frozen=True)
class Action:
    label: str
    event: str
    moves: dict[str, str]  # status before → status after
    note_required: bool = False
    note_label: str = "说明"


# The committee's handling actions and the transitions they may make (CT-4).
# A status missing from `moves` refuses the action.
ACTIONS: dict[str, Action] = {
    "accept": Action("受理", CaseEvent.Kind.ACCEPTED, {Status.NEW: Status.ACCEPTED}),
    # A reply is a response: it accepts a new case.
    "reply": Action("回复", CaseEvent.Kind.REPLY, {
        Status.NEW: Status.ACCEPTED, Status.ACCEPTED: Status.ACCEPTED, Status.IN_PROGRESS: Status.IN_PROGRESS,
        Status.ESCALATED: Status.ESCALATED, Status.RESOLVED: Status.RESOLVED,
    }, note_required=True, note_label="回复内容"),
    "update": Action("更新进度", CaseEvent.Kind.UPDATE, {
        Status.ACCEPTED: Status.IN_PROGRESS, Status.IN_PROGRESS: Status.IN_PROGRESS, Status.ESCALATED: Status.ESCALATED,
    }, note_required=True, note_label="处理进度"),
    "escalate": Action("上报网格化", CaseEvent.Kind.ESCALATED, {
        Status.ACCEPTED: Status.ESCALATED, Status.IN_PROGRESS: Status.ESCALATED,
    }, note_label="上报说明"),
    "resolve": Action("标记已解决", CaseEvent.Kind.RESOLVED, {
        Status.ACCEPTED: Status.RESOLVED, Status.IN_PROGRESS: Status.RESOLVED, Status.ESCALATED: Status.RESOLVED,
    }, note_required=True, note_label="处理结果"),
    "reopen": Action("重新处理", CaseEvent.Kind.REOPENED, {Status.RESOLVED: Status.IN_PROGRESS},
                     note_required=True, note_label="重新处理原因"),
    "close": Action("关闭", CaseEvent.Kind.CLOSED, {Status.RESOLVED: Status.CLOSED}),
}
# Actions that count as the committee responding (ends 24小时未回应).
_RESPONSES = {"accept", "reply", "update", "escalate", "resolve"}


def allowed_actions(case: Case) -> list[str]:
    if case.needs_category:
        return []
    return [name for name, a in ACTIONS.items() if case.status in a.moves]


def handle_case(*, actor: User, case_id: int, action: str, note: str = "") -> Case:
    """The committee acts on a case: accept, reply, update, escalate, resolve, reopen or close."""
    spec = ACTIONS.get(action)
    if spec is None:
        raise ValidationFailed("未知的操作", field="action")
    note = (note or "").strip()
    if spec.note_required and not note:
        raise ValidationFailed(f"请填写{spec.note_label}", field="note")
    with transaction.atomic():
        case = _case_for_committee(actor, case_id)
        if case.needs_category:
            raise ValidationFailed("请先为该问题设置问题标签", code=CaseError.CATEGORY_REQUIRED, field="category")
        if case.status not in spec.moves:
            raise Conflict(f"该问题当前状态为“{case.get_status_display()}”，不能{spec.label}", code=CaseError.ILLEGAL_TRANSITION)
        now = clock.now()
        before = case.status
        case.status = spec.moves[before]
        fields = ["status", "updated_at"]
        case.updated_at = now
        if action in _RESPONSES and case.first_response_at is None:
            case.first_response_at = now
            fields.append("first_response_at")
        if action == "resolve":
            case.resolved_at = now
            fields.append("resolved_at")
        elif action == "close":
            case.closed_at = now
            fields.append("closed_at")
        elif action == "reopen":
            case.resolved_at = None
            fields.append("resolved_at")
        elif action == "escalate":
            _escalate(case, note=note, now=now)
            fields += ["send_state", "escalation_key", "escalated_at", "external_id", "grid_status", "grid_result"]
        case.save(update_fields=fields)
        event = _event(case, actor=actor, kind=spec.event, status_from=before,
                       status_to=case.status if case.status != before else "", note=note)
        title = case.resident_title
        key = f"{case.pk}:{event.pk}"
        if action == "reply":
            _tell_raiser(case, "reply", f"居委回复了您反映的“{title}”：{sentence(note)}", key=key)
        elif action == "accept":
            _tell_raiser(case, "accept", f"居委已受理您反映的“{title}”，将尽快处理。", key=key)
        elif action == "escalate":
            _tell_raiser(case, "escalate", f"您反映的“{title}”已上报网格化平台，由相关部门处理。", key=key)
        elif action == "resolve":
            _tell_raiser(case, "resolve", f"您反映的“{title}”已解决：{sentence(note)}欢迎您对处理结果进行评价。", key=key)
        elif action == "reopen":
            _tell_raiser(case, "reopen", f"您反映的“{title}”重新处理：{sentence(note)}", key=key)
    return case


def colleagues(actor: User, case: Case) -> QuerySet[User]:
    """Whom a case may be handed to (转派): active staff holding the committee capability in its community."""
    roles = sorted(CAPABILITIES["committee"])
    return (User.objects.filter(is_active=True, role_grants__role__in=roles, role_grants__community_id=case.community_id)
            .exclude(pk=actor.pk).distinct().only("id", "masked_name", "username").order_by("masked_name", "id"))


def reassign_case(*, actor: User, case_id: int, assignee_id: int, note: str = "") -> Case:
    """转派: hand a case to a colleague of its committee; a history step and a 信箱 notice to the colleague.

    Only the case's committee may (policy ``can_handle``), and only to someone who
    could handle it too (committee capability in the case's community); anyone
    else is refused like a missing person. The raiser is not told: 转派 is internal.
    """
    note = (note or "").strip()
    if len(note) > 500:
        raise ValidationFailed("转派说明不能超过500字", field="note")
    with transaction.atomic():
        case = _case_for_committee(actor, case_id)
        if not case.is_open:
            raise Conflict(f"该问题当前状态为“{case.get_status_display()}”，不能转派", code=CaseError.ILLEGAL_TRANSITION)
        assignee = colleagues(actor, case).filter(pk=assignee_id).first()
        if assignee is None:
            raise ValidationFailed("请选择本居村委的同事", code=CaseError.BAD_ASSIGNEE, field="assignee")
        if case.assignee_id == assignee.pk:
            raise Conflict("该问题已由这位同事承办", code=CaseError.BAD_ASSIGNEE)
        case.assignee = assignee
        case.updated_at = clock.now()
        case.save(update_fields=["assignee", "updated_at"])
        _event(case, actor=actor, kind=CaseEvent.Kind.REASSIGNED,
               note=f"转派给{assignee.display_name}" + (f"：{note}" if note else ""))
        send_system_message(recipient=assignee, subject=f"转派给您的问题：{case.title}"[:120],
                            body=f"{actor.display_name}将问题“{case.title}”转派给您承办。" + (f"说明：{sentence(note)}" if note else ""),
                            link=case.get_absolute_url())
    return case


def _escalate(case: Case, *, note: str, now: dt.datetime) -> None:
    """Prepare the grid request and write it to the outbox (inside handle_case's transaction)."""
    tries = case.events.filter(kind=CaseEvent.Kind.ESCALATED).count() + 1
    key = f"case-{case.pk}-grid-{tries}"
    description = case.content + (f"\n\n居委说明：{note}" if note else "")
    # Free text leaves the platform here: numbers masked however written (issue 12 item 1).
    request = {
        "idempotency_key": key,
        "service_code": case.category,
        "title": masking.mask_text(case.grid_title),
        "description": masking.mask_text(description),
        "address": f"宝山区{case.community.subdistrict.name}{case.community.name}",
        "attributes": {"case_id": case.pk, "source": case.source, "community_id": case.community_id,
                       "subdistrict_id": case.subdistrict_id},
    }
    outbox.enqueue(kind=GRID_SUBMIT, payload={"case_id": case.pk, "request": request}, idempotency_key=key)
    case.send_state = SendState.PENDING
    case.escalation_key = key
    case.escalated_at = now
    case.external_id = ""
    case.grid_status = ""
    case.grid_result = ""


# --- The grid (called by the worker) ----------------------------------------------

def get_gateway() -> GridGateway:
    """The configured grid adapter (settings.GRID_GATEWAY, a dotted class path)."""
    gateway: GridGateway = import_string(settings.GRID_GATEWAY)()
    return gateway


GRID_STATUS_LABELS = {"open": "已受理", "in_progress": "处理中", "closed": "已办结"}


# The outbox key of the one re-submission of an escalation the grid lost (grid_lost).
RESEND_SUFFIX = "-resend"


def _escalation_key_of(row: Outbox) -> str:
    """The escalation a grid.submit row carries: its own key, or the original's for a re-submission."""
    return str(row.payload.get("escalation_key") or row.idempotency_key)


def deliver_escalation(row: Outbox) -> None:
    """Outbox handler for grid.submit: send the request, then record the grid's receipt on the case."""
    request = GridRequest(**row.payload["request"])
    try:
        status = get_gateway().submit(request)
    except GridUnavailable as exc:
        raise outbox.RetryLater(f"网格化系统暂不可用：{exc}") from exc
    except GridRejected as exc:
        raise outbox.PermanentFailure(f"网格化系统拒收：{exc}") from exc
    mark_escalation_sent(case_id=int(row.payload["case_id"]), key=_escalation_key_of(row), status=status)


def mark_escalation_sent(*, case_id: int, key: str, status: GridStatus) -> None:
    with transaction.atomic():
        case = Case.objects.select_for_update().filter(pk=case_id).first()
        if case is None or case.escalation_key != key or case.send_state != SendState.PENDING:
            return  # a stale or repeated delivery: the grid deduplicated it, nothing to record
        case.send_state = SendState.SENT
        case.external_id = status.external_id
        case.grid_status = status.status
        case.updated_at = clock.now()
        case.save(update_fields=["send_state", "external_id", "grid_status", "updated_at"])
        _event(case, actor=None, kind=CaseEvent.Kind.GRID_SENT, note=f"工单编号 {status.external_id}")


def escalation_failed(row: Outbox) -> None:
    """Outbox on_dead for grid.submit: the grid refused it or stayed down too long; hand it back."""
    case = Case.objects.select_for_update().filter(pk=int(row.payload["case_id"])).select_related("community").first()
    if case is None or case.escalation_key != _escalation_key_of(row) or case.send_state != SendState.PENDING:
        return
    _hand_back(case, error=row.last_error)


def _hand_back(case: Case, *, error: str) -> None:
    """The escalation did not reach the grid for good: the case returns to the committee, whose secretaries are told."""
    before = case.status
    case.send_state = SendState.FAILED
    if case.status == Status.ESCALATED:
        case.status = Status.IN_PROGRESS
    case.updated_at = clock.now()
    case.save(update_fields=["send_state", "status", "updated_at"])
    _event(case, actor=None, kind=CaseEvent.Kind.GRID_FAILED, status_from=before,
           status_to=case.status if case.status != before else "",
           note=f"{error}。问题已退回居委，可再次上报或自行处理。")
    for user in _secretaries([case.community_id]).get(case.community_id, []):
        send_system_message(recipient=user, subject="上报网格化失败", body=f"问题“{case.title}”上报网格化失败：{error}",
                            link=case.get_absolute_url())


def grid_lost(*, case_id: int, external_id: str, error: str) -> str:
    """The grid says it does not know a request it had accepted (it lost its state): re-submit once, then flag.

    The re-submission is a new outbox row (key ``<escalation key>-resend``) carrying
    the original request and its idempotency key: a grid that still knows the key
    answers with the request it has, one that lost it creates it again; never two.
    If the grid loses the re-submitted request too, or there is nothing to re-send,
    the case goes back to the committee (its secretaries are told in 信箱) and the
    re-submission is given up in the delivery log (the administrators are alerted).
    If the re-submission itself is refused or stays undeliverable, the outbox gives
    it up and ``escalation_failed`` does the same. Returns "resent", "flagged" or "".
    """
    with transaction.atomic():
        case = Case.objects.select_for_update().filter(pk=case_id).select_related("community").first()
        if case is None or case.send_state != SendState.SENT or case.external_id != external_id:
            return ""
        resend_key = case.escalation_key + RESEND_SUFFIX
        resent = Outbox.objects.filter(idempotency_key=resend_key).first()
        original = Outbox.objects.filter(idempotency_key=case.escalation_key, kind=GRID_SUBMIT).first()
        if resent is None and original is not None:
            outbox.enqueue(kind=GRID_SUBMIT, payload={**original.payload, "escalation_key": case.escalation_key},
                           idempotency_key=resend_key)
            case.send_state = SendState.PENDING
            case.external_id = ""
            case.grid_status = ""
            case.grid_checked_at = clock.now()
            case.updated_at = clock.now()
            case.save(update_fields=["send_state", "external_id", "grid_status", "grid_checked_at", "updated_at"])
            _event(case, actor=None, kind=CaseEvent.Kind.GRID_RESENT,
                   note=f"网格化系统查不到工单 {external_id}，已自动重新上报")
            logger.warning("grid does not know %s (case %s): re-submitted once as %s", external_id, case_id, resend_key)
            return "resent"
        reason = f"网格化系统查不到工单 {external_id}" + ("（重新上报后再次丢失）" if resent is not None else "")
        logger.warning("grid does not know %s (case %s) again: handed back to the committee", external_id, case_id)
        _hand_back(case, error=reason)
        if resent is not None:
            outbox.report_lost(resent, reason)
    return "flagged"


def apply_grid_status(*, case_id: int, status: GridStatus) -> None:
    """Record what the grid says about an escalated case; a closed request resolves it."""
    with transaction.atomic():
        case = Case.objects.select_for_update().filter(pk=case_id).first()
        if case is None or case.send_state != SendState.SENT or case.external_id != status.external_id:
            return
        now = clock.now()
        case.grid_checked_at = now
        fields = ["grid_checked_at"]
        if status.status == "closed":
            before = case.status
            case.send_state = SendState.DONE
            case.grid_status = status.status
            case.grid_result = status.result
            fields += ["send_state", "grid_status", "grid_result", "updated_at"]
            if case.status == Status.ESCALATED:
                case.status = Status.RESOLVED
                case.resolved_at = now
                fields += ["status", "resolved_at"]
            case.updated_at = now
            case.save(update_fields=fields)
            event = _event(case, actor=None, kind=CaseEvent.Kind.GRID_RESULT, status_from=before,
                           status_to=case.status if case.status != before else "", note=status.result or "已办结")
            if case.status == Status.RESOLVED and before != Status.RESOLVED:
                _tell_raiser(case, "grid_done",
                             f"您反映的“{case.resident_title}”经网格化处理已办结：{sentence(status.result or '已办结')}"
                             "欢迎您对处理结果进行评价。", key=f"{case.pk}:{event.pk}")
            return
        if status.status != case.grid_status:
            case.grid_status = status.status
            case.updated_at = now
            fields += ["grid_status", "updated_at"]
            _event(case, actor=None, kind=CaseEvent.Kind.GRID_UPDATE,
                   note=GRID_STATUS_LABELS.get(status.status, status.status))
        case.save(update_fields=fields)


def poll_grid(limit: int = 200) -> int:
    """Scheduled job: ask the grid about escalated cases, least recently checked first."""
    gateway = get_gateway()
    ids = list(
        Case.objects.filter(send_state=SendState.SENT)
        .order_by(F("grid_checked_at").asc(nulls_first=True), "id")
        .values_list("id", "external_id")[:limit]
    )
    checked = 0
    for case_id, external_id in ids:
        try:
            status = gateway.fetch(external_id)
        except GridUnavailable:
            logger.warning("grid unavailable; polling again next round")
            break
        except GridUnknownRequest as exc:
            grid_lost(case_id=case_id, external_id=external_id, error=str(exc))
            continue
        except GridRejected as exc:
            logger.warning("grid refused the poll for %s: %s", external_id, exc)
            Case.objects.filter(pk=case_id).update(grid_checked_at=clock.now())
            continue
        apply_grid_status(case_id=case_id, status=status)
        checked += 1
    return checked


# --- Ratings ------------------------------------------------------------------------

def rate_case(*, actor: User, case_id: int, stars: int, feedback: str = "") -> CaseRating:
    """The resident who raised a resolved case rates it, once (CT-7)."""
    if not isinstance(stars, int) or not 1 <= stars <= 5:
        raise ValidationFailed("请选择1到5星", field="stars")
    feedback = (feedback or "").strip()
    if len(feedback) > 1000:
        raise ValidationFailed("意见/建议不能超过1000字", field="feedback")
    with transaction.atomic():
        case, access = access_case(actor, case_id, for_update=True)
        if not access.is_raiser:
            raise NotFound("该问题不存在或不是您提出的", code=CaseError.NOT_FOUND)
        if access.status not in RATEABLE_STATUSES:
            raise Conflict("只能对已解决的问题进行评分", code=CaseError.NOT_RESOLVED)
        if access.has_rating:
            raise Conflict("您已评价过该问题", code=CaseError.ALREADY_RATED)
        rating = CaseRating.objects.create(case=case, rater=actor, community_id=case.community_id,
                                           subdistrict_id=case.subdistrict_id, stars=stars, feedback=feedback,
                                           created_at=clock.now())
        counters.increment(
            RatingStat, keys={"community_id": case.community_id}, deltas={"ratings": 1, "stars_total": stars, star_field(stars): 1},
            defaults={"subdistrict_id": case.subdistrict_id},
        )
        _event(case, actor=actor, kind=CaseEvent.Kind.RATED, note=f"{stars}星" + (f"：{feedback}" if feedback else ""))
    return rating


# --- Export -----------------------------------------------------------------------------

def export_cases(*, actor: User, filters: selectors.CaseFilter, request: HttpRequest | None = None) -> bytes:
    """The filtered case list of the actor's area as XLSX (masked); every export is audit-logged.

    The list is the one the actor's case list shows (committee or patrol hat,
    selectors.list_capability); ``request`` only lends the audit row its address.
    """
    capability = selectors.list_capability(actor)
    if capability is None:
        raise PermissionRefused("您没有导出问题列表的权限")
    cases = list(selectors.filter_cases(selectors.cases_for(actor, capability), filters)[: export.MAX_ROWS])
    data = export.cases_xlsx(cases)
    audit.record("export", actor=actor, request=request, detail={
        "what": "cases", "filters": filters.as_dict(), "rows": len(cases), "capability": capability,
    })
    return data


# --- Overdue reminders ----------------------------------------------------------------

def _secretaries(community_ids: list[int]) -> dict[int, list[User]]:
    out: dict[int, list[User]] = defaultdict(list)
    grants = RoleGrant.objects.filter(role=Role.COMMITTEE_SECRETARY, community_id__in=community_ids).select_related("user")
    for g in grants:
        if g.community_id is not None and g.user.is_active and g.user not in out[g.community_id]:
            out[g.community_id].append(g.user)
    return out


def _patrol_staff(subdistrict_ids: list[int]) -> tuple[dict[int, list[User]], list[User]]:
    """Subdistrict patrol staff per subdistrict, and district patrol staff."""
    per_sub: dict[int, list[User]] = defaultdict(list)
    district: list[User] = []
    grants = RoleGrant.objects.filter(role__in=sorted(CAPABILITIES["patrol"]), community_id__isnull=True).filter(
        Q(subdistrict_id__in=subdistrict_ids) | Q(subdistrict_id__isnull=True)
    ).select_related("user")
    for g in grants:
        if not g.user.is_active:
            continue
        target = district if g.subdistrict_id is None else per_sub[g.subdistrict_id]
        if g.user not in target:
            target.append(g.user)
    return per_sub, district


def _remind(user: User, subject: str, body: str, link: str, key: str) -> None:
    send_system_message(recipient=user, subject=subject, body=body, link=link)
    outbox.enqueue(kind="push", payload={"user_id": user.pk, "subject": subject, "body": body[:500], "link": link},
                   idempotency_key=key)


BATCH = 200


def scan_overdue(now: dt.datetime | None = None) -> int:
    """Scheduled job: remind once per case per overdue bucket (CT-6); return reminders written.

    The committee secretary gets one message per case and bucket; subdistrict
    and district patrol staff get one digest per run listing the cases in
    their area. The unique (case, bucket) row makes a reminder never repeat.
    """
    now = now or clock.now()
    total = 0
    list_url = reverse("cases:list")
    for bucket in overdue.Overdue.values:
        label = str(overdue.Overdue(bucket).label)
        while True:
            due = list(
                Case.objects.filter(overdue.q(bucket, now))
                .filter(~Exists(OverdueReminder.objects.filter(case=OuterRef("pk"), bucket=bucket)))
                .select_related("community")
                .order_by("created_at", "id")[:BATCH]
            )
            if not due:
                break
            with transaction.atomic():
                OverdueReminder.objects.bulk_create([OverdueReminder(case=c, bucket=bucket, created_at=now) for c in due])
                secretaries = _secretaries(sorted({c.community_id for c in due}))
                per_sub, district = _patrol_staff(sorted({c.subdistrict_id for c in due}))
                digests: dict[int, tuple[User, list[Case]]] = {}
                for case in due:
                    for user in secretaries.get(case.community_id, []):
                        _remind(user, f"逾期提醒：{label}", f"问题“{case.title}”（{case.community.name}）已{label}，请及时处理。",
                                case.get_absolute_url(), f"overdue:{case.pk}:{bucket}:{user.pk}")
                    for user in [*per_sub.get(case.subdistrict_id, []), *district]:
                        digests.setdefault(user.pk, (user, []))[1].append(case)
                for user, cases in digests.values():
                    lines = [f"· {c.community.name}：{c.title}" for c in cases[:10]]
                    more = f"\n等共{len(cases)}个问题" if len(cases) > 10 else ""
                    _remind(user, f"逾期提醒：{len(cases)}个问题{label}",
                            "以下问题已" + label + "，请督促处理：\n" + "\n".join(lines) + more,
                            f"{list_url}?status={bucket}", f"overdue-digest:{bucket}:{user.pk}:{due[0].pk}:{due[-1].pk}:{len(due)}")
            total += len(due)
    return total

