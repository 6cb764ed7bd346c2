"""/api/v1/visits: 我与群众面对面 records — list, detail, drafts, review, archive, send to case tracking.

The same services and selectors as the pages, the same permissions: staff
("committee") record and edit their own drafts, the secretary ("secretary")
reviews, archives and sends problems on, observers ("observe") read
approved and archived records. A record outside the caller's jurisdiction
is 404, like one that does not exist. Audio clips are attached on the page
only (an update through the API keeps the clip).
"""

from __future__ import annotations

from ninja import Query, Router, Schema, Status

from shequtong.accounts import scope
from shequtong.accounts.typing import AuthedRequest
from shequtong.common import access
from shequtong.common.errors import PermissionRefused, ValidationFailed

from . import selectors, services
from .models import Status as VisitStatus
from .models import Visit, VisitProblem
from .schemas import EventOut, ProblemOut, ReturnIn, SendIn, VisitDetailOut, VisitIn, VisitOut

router = Router(tags=["visits"])


class VisitQuery(Schema):
    type: str = ""
    status: str = ""
    q: str = ""
    # Observers only: narrow to a subdistrict or a community of their scope.
    subdistrict_id: int | None = None
    community_id: int | None = None
    limit: int = 50
    offset: int = 0


def _require(request: AuthedRequest, *capabilities: str) -> None:
    """The pages' access rule: the capability somewhere; the record itself is checked by scope."""
    if not any(scope.has_capability(request.user, cap) for cap in capabilities):
        raise PermissionRefused("您没有权限进行此操作")


def _out(v: Visit) -> dict:
    return {
        "id": v.pk, "title": v.title, "visit_type": v.visit_type, "visit_type_label": str(v.get_visit_type_display()),
        "status": v.status, "status_label": str(v.get_status_display()), "community_id": v.community_id,
        "community": v.community.name, "person": v.person_display, "is_member": v.is_member, "tags": list(v.tags),
        "tag_labels": v.tag_labels, "visited_on": v.visited_on, "created_by": v.created_by.display_name,
        "created_at": v.created_at, "submitted_at": v.submitted_at,
    }


def _problem(p: VisitProblem) -> ProblemOut:
    return ProblemOut(id=p.pk, category=p.category, category_label=str(p.get_category_display()), content=p.content,
                      case_id=p.case_id, sent_at=p.sent_at)


def _detail(request: AuthedRequest, visit_id: int) -> VisitDetailOut:
    v = selectors.visit_for(request.user, visit_id)
    user = request.user
    where = {"community_id": v.community_id, "subdistrict_id": v.subdistrict_id}
    is_author = v.created_by_id == user.pk
    is_secretary = scope.scope_for(user, "secretary").covers(**where)
    problems = list(v.problems.all())
    events = [EventOut(kind=e.kind, kind_label=str(e.get_kind_display()), actor=e.actor_name, note=e.note,
                       created_at=e.created_at) for e in v.events.select_related("actor")]
    return VisitDetailOut(
        **_out(v), content=v.content, masked_address=v.masked_address, return_reason=v.return_reason,
        reviewed_by=v.reviewed_by.display_name if v.reviewed_by else None, reviewed_at=v.reviewed_at,
        archived_at=v.archived_at, has_audio=bool(v.audio), problems=[_problem(p) for p in problems], events=events,
        can_edit=is_author and v.is_editable, can_delete=is_author and v.status == VisitStatus.DRAFT,
        can_submit=is_author and v.is_editable,
        can_review=is_secretary and v.status == VisitStatus.SUBMITTED,
        can_archive=is_secretary and v.status == VisitStatus.APPROVED,
        can_send=is_secretary and v.is_published and any(not p.is_sent for p in problems),
    )


def _input(request: AuthedRequest, payload: VisitIn, community_id: int | None) -> services.VisitInput:
    if community_id is None:
        communities = list(selectors.work_communities(request.user)[:2])
        if len(communities) != 1:
            raise ValidationFailed("请选择居村委", field="community_id")
        community_id = communities[0].pk
    return services.VisitInput(
        community_id=community_id, visit_type=payload.visit_type, title=payload.title, content=payload.content,
        visited_on=payload.visited_on, person_id=payload.person_id, person_name=payload.person_name,
        person_address=payload.person_address, tags=tuple(payload.tags),
        problems=tuple(services.ProblemInput(category=p.category, content=p.content) for p in payload.problems),
    )


@router.get("/list", response=list[VisitOut])
@access.login
def list_visits(request: AuthedRequest, filters: Query[VisitQuery]) -> list[dict]:
    """Staff: the committee's list (FV-1); observers: approved and archived records in their scope (FV-5)."""
    f = selectors.Filters.from_query({"type": filters.type, "status": filters.status, "q": filters.q})
    limit = max(1, min(filters.limit, 200))
    offset = max(0, filters.offset)
    if scope.has_capability(request.user, "committee"):
        qs = selectors.committee_visits(request.user, f)
    elif scope.has_capability(request.user, "observe"):
        sub = selectors.subdistrict_for(request.user, filters.subdistrict_id) if filters.subdistrict_id else None
        comm = selectors.community_for(request.user, filters.community_id) if filters.community_id else None
        qs = selectors.observer_visits(request.user, f, subdistrict_id=sub.pk if sub else None,
                                       community_id=comm.pk if comm else None)
    else:
        raise PermissionRefused("您没有查看面对面记录的权限")
    return [_out(v) for v in qs[offset : offset + limit]]


@router.post("/drafts", response={201: VisitDetailOut})
@access.login
def create_visit(request: AuthedRequest, payload: VisitIn) -> Status[VisitDetailOut]:
    """Record a visit as a draft; `POST /{visit_id}/submit` sends it for review."""
    _require(request, "committee")
    visit = services.create_visit(actor=request.user, data=_input(request, payload, payload.community_id))
    return Status(201, _detail(request, visit.pk))


# Fixed paths (/list, /drafts) come before /{visit_id}: the first pattern that matches wins.
@router.get("/{visit_id}", response=VisitDetailOut)
@access.login
def visit_detail(request: AuthedRequest, visit_id: int) -> VisitDetailOut:
    _require(request, "committee", "observe")
    return _detail(request, visit_id)


@router.put("/{visit_id}", response=VisitDetailOut)
@access.login
def update_visit(request: AuthedRequest, visit_id: int, payload: VisitIn) -> VisitDetailOut:
    """Change one's own draft or returned record (its community stays)."""
    _require(request, "committee")
    current = selectors.visit_for(request.user, visit_id)
    if payload.community_id is not None and payload.community_id != current.community_id:
        raise ValidationFailed("记录所属居村委不能修改", field="community_id")
    services.update_visit(actor=request.user, visit_id=visit_id, data=_input(request, payload, current.community_id))
    return _detail(request, visit_id)


@router.delete("/{visit_id}", response={204: None})
@access.login
def delete_visit(request: AuthedRequest, visit_id: int) -> Status[None]:
    _require(request, "committee")
    services.delete_visit(actor=request.user, visit_id=visit_id)
    return Status(204, None)


@router.post("/{visit_id}/submit", response=VisitDetailOut)
@access.login
def submit_visit(request: AuthedRequest, visit_id: int) -> VisitDetailOut:
    _require(request, "committee")
    services.submit_visit(actor=request.user, visit_id=visit_id)
    return _detail(request, visit_id)


@router.post("/{visit_id}/approve", response=VisitDetailOut)
@access.login
def approve_visit(request: AuthedRequest, visit_id: int) -> VisitDetailOut:
    _require(request, "secretary")
    services.approve_visit(actor=request.user, visit_id=visit_id)
    return _detail(request, visit_id)


@router.post("/{visit_id}/return", response=VisitDetailOut)
@access.login
def return_visit(request: AuthedRequest, visit_id: int, payload: ReturnIn) -> VisitDetailOut:
    _require(request, "secretary")
    services.return_visit(actor=request.user, visit_id=visit_id, reason=payload.reason)
    return _detail(request, visit_id)


@router.post("/{visit_id}/archive", response=VisitDetailOut)
@access.login
def archive_visit(request: AuthedRequest, visit_id: int) -> VisitDetailOut:
    _require(request, "secretary")
    services.archive_visit(actor=request.user, visit_id=visit_id)
    return _detail(request, visit_id)


@router.post("/{visit_id}/cases", response=VisitDetailOut)
@access.login
def send_to_cases(request: AuthedRequest, visit_id: int, payload: SendIn) -> VisitDetailOut:
    """Record chosen problems in case tracking (source 面对面); each problem once."""
    _require(request, "secretary")
    services.send_to_cases(actor=request.user, visit_id=visit_id, problem_ids=payload.problem_ids)
    return _detail(request, visit_id)
