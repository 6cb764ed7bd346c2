"""Every state change of 我与群众面对面: record, edit, submit, review, archive, send on, contact.

Each function is one user action: it authorises through
``policies.access_visit`` (the rule pages and the API read too), runs in a
transaction, writes a VisitEvent, and keeps the VisitStats rollup that
observer counts read (FV-5).
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from typing import Any

from django.db import transaction

from shequtong.accounts import scope
from shequtong.accounts.models import RoleGrant, User
from shequtong.accounts.roles import Role
from shequtong.common import chinese, clock, counters
from shequtong.common.categories import Category
from shequtong.common.errors import Conflict, NotFound, ValidationFailed
from shequtong.common.text import cleaned
from shequtong.integrations import speech
from shequtong.places.models import Community

from . import audio as audio_check
from .errors import VisitError
from .models import Status, Visit, VisitEvent, VisitProblem, VisitStats, VisitTag, VisitType
from .policies import (
    NOT_FOUND_MESSAGE,
    VisitAccess,
    access_visit,
    access_visit_to_review,
    refuse_own_review,
)

MAX_PROBLEMS = 10
TITLE_MAX = 100
CONTENT_MAX = 5000
PROBLEM_MAX = 2000


@dataclass(frozen=True)
class ProblemInput:
    category: str
    content: str


@dataclass(frozen=True)
class VisitInput:
    community_id: int
    visit_type: str
    title: str
    content: str
    visited_on: dt.date
    person_id: int | None = None
    person_name: str = ""
    person_address: str = ""
    tags: tuple[str, ...] = ()
    problems: tuple[ProblemInput, ...] = ()
    audio: Any = None            # an UploadedFile, or None to keep the current clip
    remove_audio: bool = False


# --- helpers -------------------------------------------------------------------

def _event(visit: Visit, actor: User, kind: str, note: str = "") -> VisitEvent:
    return VisitEvent.objects.create(visit=visit, actor=actor, kind=kind, note=note[:2000], created_at=clock.now())


def _bump(visit: Visit, **deltas: int) -> None:
    """Add to the community's rollup counters; inside the transaction of the change they count."""
    counters.increment(VisitStats, keys={"community_id": visit.community_id}, deltas=deltas,
                       defaults={"subdistrict_id": visit.subdistrict_id})


def _own(actor: User, visit_id: int) -> tuple[Visit, VisitAccess]:
    """The author's own record, locked; anyone else's is not found (a colleague's draft is invisible)."""
    visit, access = access_visit(actor, visit_id, for_update=True)
    if not access.is_author:
        raise NotFound(NOT_FOUND_MESSAGE)
    return visit, access


def _search_text(visit: Visit, problems: list[ProblemInput] | list[VisitProblem]) -> str:
    return chinese.search_text(visit.title, visit.content, *(p.content for p in problems))


def is_member_of(user_id: int, community: Community) -> bool:
    return RoleGrant.objects.filter(user_id=user_id, role=Role.RESIDENT, community_id=community.pk).exists()


def _clean(actor: User, data: VisitInput) -> tuple[Community, User | None, list[ProblemInput]]:
    community = scope.community_in_scope(actor, "committee", data.community_id)
    errors: dict[str, str] = {}
    if data.visit_type not in VisitType.values:
        errors["visit_type"] = "请选择类型"
    bad_tags = [t for t in data.tags if t not in VisitTag.values]
    if bad_tags:
        errors["tags"] = "标签无效"
    title = data.title.strip()
    if not title:
        errors["title"] = "请输入标题"
    elif len(title) > TITLE_MAX:
        errors["title"] = f"标题不能超过{TITLE_MAX}字"
    content = data.content.strip()
    if not content and not (data.audio is not None and speech.configured()):
        # Without a speech backend the typed text is the record; with one, the clip may stand in for it.
        errors["content"] = "请输入内容"
    elif len(content) > CONTENT_MAX:
        errors["content"] = f"内容不能超过{CONTENT_MAX}字"
    if data.visited_on > clock.today():
        errors["visited_on"] = "走访日期不能晚于今天"
    person: User | None = None
    if data.person_id:
        person = User.objects.filter(pk=data.person_id, is_active=True).first()
        if person is None or not is_member_of(person.pk, community):
            errors["person"] = "所选居民不是本社区成员"
    elif not data.person_name.strip():
        errors["person_name"] = "请选择社区通用户，或填写面对面对象的姓名"
    elif len(data.person_name.strip()) > 30:
        errors["person_name"] = "姓名不能超过30字"
    elif len(data.person_address.strip()) > 200:
        errors["person_address"] = "地址不能超过200字"
    problems = [p for p in data.problems if p.content.strip()]
    if len(problems) > MAX_PROBLEMS:
        errors["problems"] = f"每条记录最多{MAX_PROBLEMS}个问题"
    for p in problems:
        if p.category not in Category.values:
            errors["problems"] = "请为每个问题选择问题标签"
        elif len(p.content.strip()) > PROBLEM_MAX:
            errors["problems"] = f"问题描述不能超过{PROBLEM_MAX}字"
    if errors:
        name, message = next(iter(errors.items()))
        err = ValidationFailed(message, field=name)
        err.errors = errors  # type: ignore[attr-defined]
        raise err
    return community, person, [ProblemInput(p.category, p.content.strip()) for p in problems]


def _transcribe(data: VisitInput) -> str | None:
    """The clip's words from the configured speech backend (outside any transaction), or None.

    None when no clip was uploaded or no backend is configured. A backend that
    fails leaves the typed text as the content; with nothing typed the record
    cannot be saved and the member is asked to type.
    """
    adapter = speech.backend()
    if data.audio is None or adapter is None:
        return None
    _, content_type = audio_check.check_audio(data.audio)
    try:
        data.audio.seek(0)
        text = adapter.transcribe(data.audio.read(), content_type=content_type).strip()
    except speech.SpeechError:
        text = ""
    finally:
        data.audio.seek(0)
    if not text and not data.content.strip():
        raise ValidationFailed("语音转写失败，请输入文字内容", field="content")
    return text[:CONTENT_MAX]


def _apply(visit: Visit, data: VisitInput, person: User | None, problems: list[ProblemInput],
           transcript: str | None = None) -> None:
    visit.visit_type = data.visit_type
    visit.tags = sorted(set(data.tags), key=VisitTag.values.index)
    visit.title = data.title.strip()
    visit.content = data.content.strip() or (transcript or "")
    if transcript is not None:
        visit.transcript = transcript
    elif data.remove_audio:
        visit.transcript = ""
    visit.visited_on = data.visited_on
    visit.person = person
    # A member's identity lives on the account; only a non-member's name and address are stored here.
    visit.person_name = "" if person else data.person_name.strip()
    visit.person_address = "" if person else data.person_address.strip()
    if data.audio is not None:
        ext, content_type = audio_check.check_audio(data.audio)
        if visit.audio:
            visit.audio.delete(save=False)
        visit.audio.save(f"{uuid.uuid4().hex}.{ext}", data.audio, save=False)
        visit.audio_type = content_type
    elif data.remove_audio and visit.audio:
        visit.audio.delete(save=False)
        visit.audio_type = ""
    visit.search_text = _search_text(visit, problems)
    visit.updated_at = clock.now()


def _replace_problems(visit: Visit, problems: list[ProblemInput]) -> None:
    visit.problems.all().delete()
    VisitProblem.objects.bulk_create(cleaned(
        VisitProblem(visit=visit, category=p.category, content=p.content, position=i) for i, p in enumerate(problems)
    ))


# --- staff: record, edit, delete, submit -------------------------------------------------

def create_visit(*, actor: User, data: VisitInput, submit: bool = False) -> Visit:
    """Record a visit as a draft, or submit it for the secretary's review straight away."""
    community, person, problems = _clean(actor, data)
    transcript = _transcribe(data)
    now = clock.now()
    with transaction.atomic():
        visit = Visit(community=community, subdistrict_id=community.subdistrict_id, created_by=actor, created_at=now)
        _apply(visit, data, person, problems, transcript)
        visit.save()
        _replace_problems(visit, problems)
        _event(visit, actor, VisitEvent.Kind.CREATED)
        if submit:
            _submit(visit, actor)
    return visit


def update_visit(*, actor: User, visit_id: int, data: VisitInput, submit: bool = False) -> Visit:
    """Change a draft or a returned record (only its author may)."""
    community, person, problems = _clean(actor, data)
    transcript = _transcribe(data)
    with transaction.atomic():
        visit, access = _own(actor, visit_id)
        if not access.can_edit:
            raise Conflict("该记录已提交，不能再修改", code=VisitError.NOT_EDITABLE)
        if community.pk != visit.community_id:
            raise ValidationFailed("记录所属居村委不能修改", field="community")
        _apply(visit, data, person, problems, transcript)
        visit.save()
        _replace_problems(visit, problems)
        _event(visit, actor, VisitEvent.Kind.UPDATED)
        if submit:
            _submit(visit, actor)
    return visit


def delete_visit(*, actor: User, visit_id: int) -> None:
    """Delete a draft (only its author may; submitted records stay)."""
    with transaction.atomic():
        visit, access = _own(actor, visit_id)
        if not access.can_delete:
            raise Conflict("只有草稿可以删除", code=VisitError.NOT_DRAFT)
        if visit.audio:
            name = visit.audio.name
            storage = visit.audio.storage
            transaction.on_commit(lambda: storage.delete(name))
        visit.delete()


def _submit(visit: Visit, actor: User) -> None:
    visit.status = Status.SUBMITTED
    visit.submitted_at = clock.now()
    visit.return_reason = ""
    visit.save(update_fields=["status", "submitted_at", "return_reason", "updated_at"])
    _event(visit, actor, VisitEvent.Kind.SUBMITTED)


def submit_visit(*, actor: User, visit_id: int) -> Visit:
    with transaction.atomic():
        visit, access = _own(actor, visit_id)
        if not access.can_submit:
            raise Conflict("该记录已提交", code=VisitError.NOT_EDITABLE)
        visit.updated_at = clock.now()
        _submit(visit, actor)
    return visit


# --- secretary: review, archive, send on to case tracking ---------------------------------

def approve_visit(*, actor: User, visit_id: int) -> Visit:
    with transaction.atomic():
        visit, access = access_visit_to_review(actor, visit_id)
        refuse_own_review(access)
        if not access.can_review:
            raise Conflict("该记录不在待审核状态", code=VisitError.NOT_SUBMITTED)
        now = clock.now()
        visit.status = Status.APPROVED
        visit.reviewed_at = now
        visit.reviewed_by = actor
        visit.updated_at = now
        visit.save(update_fields=["status", "reviewed_at", "reviewed_by", "updated_at"])
        _event(visit, actor, VisitEvent.Kind.APPROVED)
        _bump(visit, published=1, problems=visit.problems.count())
    return visit


def return_visit(*, actor: User, visit_id: int, reason: str) -> Visit:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed("请填写退回原因", field="reason")
    if len(reason) > 200:
        raise ValidationFailed("退回原因不能超过200字", field="reason")
    with transaction.atomic():
        visit, access = access_visit_to_review(actor, visit_id)
        refuse_own_review(access)
        if not access.can_review:
            raise Conflict("该记录不在待审核状态", code=VisitError.NOT_SUBMITTED)
        now = clock.now()
        visit.status = Status.RETURNED
        visit.return_reason = reason
        visit.reviewed_at = now
        visit.reviewed_by = actor
        visit.updated_at = now
        visit.save(update_fields=["status", "return_reason", "reviewed_at", "reviewed_by", "updated_at"])
        _event(visit, actor, VisitEvent.Kind.RETURNED, reason)
    from shequtong.inbox import services as inbox_services

    inbox_services.send_system_message(
        recipient=visit.created_by, subject=f"面对面记录被退回：{visit.title}"[:120],
        body=f"退回原因：{reason}", link=visit.get_absolute_url(),
    )
    return visit


def archive_visit(*, actor: User, visit_id: int) -> Visit:
    with transaction.atomic():
        visit, access = access_visit_to_review(actor, visit_id)
        if not access.can_archive:
            raise Conflict("只有审核通过的记录可以归档", code=VisitError.NOT_APPROVED)
        now = clock.now()
        visit.status = Status.ARCHIVED
        visit.archived_at = now
        visit.updated_at = now
        visit.save(update_fields=["status", "archived_at", "updated_at"])
        _event(visit, actor, VisitEvent.Kind.ARCHIVED)
        _bump(visit, archived=1)
    return visit


def case_title(visit: Visit, problem: VisitProblem) -> str:
    return f"{visit.title}：{problem.content}"[:60]


def send_to_cases(*, actor: User, visit_id: int, problem_ids: list[int]) -> list[VisitProblem]:
    """Record chosen problems in case tracking (source 面对面); each problem becomes one case, once."""
    from shequtong.cases import services as case_services

    if not problem_ids:
        raise ValidationFailed("请选择要记录到问题跟踪的问题", field="problems")
    with transaction.atomic():
        visit, access = access_visit_to_review(actor, visit_id)
        if not access.can_send:
            raise Conflict("记录审核通过后才能记录到问题跟踪", code=VisitError.NOT_APPROVED)
        problems = list(visit.problems.select_for_update().filter(pk__in=problem_ids).order_by("position", "id"))
        if len(problems) != len(set(problem_ids)):
            raise ValidationFailed("所选问题不属于该记录", field="problems")
        if any(p.is_sent for p in problems):
            raise Conflict("所选问题已记录到问题跟踪", code=VisitError.PROBLEM_ALREADY_SENT)
        now = clock.now()
        person = visit.person if visit.person_id else None
        for problem in problems:
            case = case_services.create_case(
                actor=actor, community=visit.community, source="visit", category=problem.category,
                title=case_title(visit, problem),
                content=f"{problem.content}\n\n（面对面对象：{visit.person_display}；走访日期：{visit.visited_on:%Y-%m-%d}）",
                raised_by=person, origin_type="visit_problem", origin_id=problem.pk, origin_url=visit.get_absolute_url(),
            )
            problem.case_id = case.pk
            problem.sent_at = now
            problem.sent_by = actor
            problem.save(update_fields=["case_id", "sent_at", "sent_by"])
            _event(visit, actor, VisitEvent.Kind.CASE, f"#{case.pk} {problem.get_category_display()}：{problem.content[:60]}")
        _bump(visit, cases=len(problems))
    return problems


# --- contacting the person visited (FV-4) ------------------------------------------------

def _member_visit(actor: User, visit_id: int) -> Visit:
    """The record whose member the actor may contact (``VisitAccess.can_contact``, the page's button).

    Not locked: contacting writes an event and a message, never the record itself.
    """
    visit, access = access_visit(actor, visit_id)
    if not access.is_staff:
        # Observers read the record but do not speak for the committee.
        raise NotFound(NOT_FOUND_MESSAGE)
    if not access.is_member:
        raise ValidationFailed("面对面对象不是社区通用户，无法在线联系", code=VisitError.NOT_A_MEMBER)
    if not access.can_contact:
        raise Conflict("记录提交后才能联系居民", code=VisitError.IS_DRAFT)
    return visit


def _message(subject: str, body: str) -> tuple[str, str]:
    subject, body = (subject or "").strip(), (body or "").strip()
    if not subject:
        raise ValidationFailed("请输入标题", field="subject")
    if len(subject) > 100:
        raise ValidationFailed("标题不能超过100字", field="subject")
    if not body:
        raise ValidationFailed("请输入内容", field="body")
    if len(body) > 2000:
        raise ValidationFailed("内容不能超过2000字", field="body")
    return subject, body


def write_letter(*, actor: User, visit_id: int, subject: str, body: str) -> Any:
    """Write to the member visited in 信箱, as committee staff of the visit's community."""
    from shequtong.inbox import services as inbox_services

    subject, body = _message(subject, body)
    with transaction.atomic():
        visit = _member_visit(actor, visit_id)
        message = inbox_services.send_letter(actor=actor, recipient_id=visit.person_id or 0, subject=subject, body=body)
        _event(visit, actor, VisitEvent.Kind.LETTER, subject)
    return message


def write_in_group(*, actor: User, visit_id: int, subject: str, body: str) -> Any:
    """Reach the member visited in a group chat (FV-4): the committee's group with them, opened once per record.

    The group is an ordinary committee group (居委建群) of the visit's community with the member in it,
    so the committee sees and moderates it like any other and the member answers there.
    """
    from shequtong.chats import services as chat_services

    subject, body = _message(subject, body)
    with transaction.atomic():
        visit = _member_visit(actor, visit_id)
        # Locked, so a double tap opens one group for the record, not two.
        group_id = Visit.objects.select_for_update().values_list("contact_group_id", flat=True).get(pk=visit.pk)
        if group_id is None:
            person = visit.person
            assert person is not None
            group = chat_services.create_group(
                actor=actor, community_id=visit.community_id,
                name=f"面对面·{person.display_name}"[:chat_services.NAME_MAX], member_ids=[person.pk])
            Visit.objects.filter(pk=visit.pk).update(contact_group=group)
            group_id = group.pk
        message = chat_services.send_message(actor=actor, group_id=group_id, body=f"【{subject}】{body}"[:chat_services.BODY_MAX])
        _event(visit, actor, VisitEvent.Kind.GROUP, subject)
    return message


def send_email(*, actor: User, visit_id: int, subject: str, body: str) -> Any:
    """E-mail the member visited through the outbox (delivered by the worker; never lost if SMTP is down)."""
    from shequtong.notifications import handlers, outbox, preferences

    subject, body = _message(subject, body)
    visit = _member_visit(actor, visit_id)
    person = visit.person
    assert person is not None
    if not person.email:
        raise ValidationFailed("该居民未登记电子邮箱，请通过信箱联系", code=VisitError.NO_EMAIL)
    if not preferences.accepts(person, handlers.EMAIL):
        raise ValidationFailed("该居民未开启邮件通知，请通过信箱联系", code=VisitError.EMAIL_DECLINED)
    with transaction.atomic():
        event = _event(visit, actor, VisitEvent.Kind.EMAIL, subject)
        return outbox.enqueue(
            kind=handlers.EMAIL,
            payload={"user_id": person.pk, "subject": f"【{visit.community.name}】{subject}", "body": body},
            idempotency_key=f"visit-email:{visit.pk}:{event.pk}",
        )
