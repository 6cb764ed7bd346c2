"""/api/v1/visits: 我与群众面对面 records — list, detail, drafts, review, archive, send to case tracking.

The same services, selectors and rules as the pages: each operation declares
the page's capability (staff "committee" record and edit their own drafts,
the secretary "secretary" reviews, archives and sends problems on, observers
"observe" read approved and archived records), and the record itself is
answered by ``policies.access_visit``: outside the caller's jurisdiction it is
404, like one that does not exist. Audio clips are attached on the page
only (an update through the API keeps the clip).
"""

from __future__ import annotations

from ninja import Query, Router, Schema, Status

from shequtong.accounts import scope
from shequtong.accounts.typing import AuthedRequest
from shequtong.common import access
from shequtong.common.errors import ValidationFailed

from . import selectors, services
from .models import Visit, VisitProblem
from .policies import access_visit
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
    v, access_ = selectors.read_visit(request.user, visit_id, request=request)
    problems = list(v.problems.all())
    events = [EventOut(kind=e.kind, kind_label=str(e.get_kind_display()), actor=e.actor_name, note=e.note,
                       created_at=e.created_at) for e in v.events.select_related("actor")]
    return VisitDetailOut(
        **_out(v), content=v.content, masked_address=v.masked_address, return_reason=v.return_reason,
        reviewed_by=v.reviewed_by.display_name if v.reviewed_by else None, reviewed_at=v.reviewed_at,
        archived_at=v.archived_at, has_audio=bool(v.audio), problems=[_problem(p) for p in problems], events=events,
        can_edit=access_.can_edit, can_delete=access_.can_delete, can_submit=access_.can_submit,
        can_review=access_.can_review, can_archive=access_.can_archive, can_send=access_.can_send_any(problems),
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
@access.capability("committee", "observe")
def list_visits(request: AuthedRequest, filters: Query[VisitQuery]) -> list[dict]:
    """Staff: the committee's list (FV-1); observers: approved and archived records in their scope (FV-5)."""
    f = selectors.Filters.from_query({"type": filters.type, "status": filters.status, "q": filters.q})
    limit = max(1, min(filters.limit, 200))
    offset = max(0, filters.offset)
    if scope.has_capability(request.user, "committee"):
        qs = selectors.committee_visits(request.user, f)
    else:  # an observer (the declared rule admits nobody else)
        user = request.user
        sub = scope.subdistrict_in_scope(user, "observe", filters.subdistrict_id) if filters.subdistrict_id else None
        comm = scope.community_in_scope(user, "observe", filters.community_id) if filters.community_id else None
        qs = selectors.observer_visits(user, f, subdistrict_id=sub.pk if sub else None,
                                       community_id=comm.pk if comm else None)
    return [_out(v) for v in qs[offset : offset + limit]]


@router.post("/drafts", response={201: VisitDetailOut})
@access.capability("committee")
def create_visit(request: AuthedRequest, payload: VisitIn) -> Status[VisitDetailOut]:
    """Record a visit as a draft; `POST /{visit_id}/submit` sends it for review."""
    visit = services.create_visit(actor=request.user, data=_input(request, payload, payload.community_id))
    return Status(201, _detail(request, visit.pk))


# Fixed paths (/list, /drafts) come before /{visit_id}: the first pattern that matches wins.
@router.get("/{visit_id}", response=VisitDetailOut)
@access.capability("committee", "observe")
def visit_detail(request: AuthedRequest, visit_id: int) -> VisitDetailOut:
    return _detail(request, visit_id)


@router.put("/{visit_id}", response=VisitDetailOut)
@access.capability("committee")
def update_visit(request: AuthedRequest, visit_id: int, payload: VisitIn) -> VisitDetailOut:
    """Change one's own draft or returned record (its community stays)."""
    current, _ = access_visit(request.user, visit_id)
    if payload.community_id is not None and payload.community_id != current.community_id:
        raise ValidationFailed("记录所属居村委不能修改", field="community_id")
    services.update_visit(actor=request.user, visit_id=visit_id, data=_input(request, payload, current.community_id))
    return _detail(request, visit_id)


@router.delete("/{visit_id}", response={204: None})
@access.capability("committee")
def delete_visit(request: AuthedRequest, visit_id: int) -> Status[None]:
    services.delete_visit(actor=request.user, visit_id=visit_id)
    return Status(204, None)


@router.post("/{visit_id}/submit", response=VisitDetailOut)
@access.capability("committee")
def submit_visit(request: AuthedRequest, visit_id: int) -> VisitDetailOut:
    services.submit_visit(actor=request.user, visit_id=visit_id)
    return _detail(request, visit_id)


@router.post("/{visit_id}/approve", response=VisitDetailOut)
@access.capability("secretary")
def approve_visit(request: AuthedRequest, visit_id: int) -> VisitDetailOut:
    services.approve_visit(actor=request.user, visit_id=visit_id)
    return _detail(request, visit_id)


@router.post("/{visit_id}/return", response=VisitDetailOut)
@access.capability("secretary")
def return_visit(request: AuthedRequest, visit_id: int, payload: ReturnIn) -> VisitDetailOut:
    services.return_visit(actor=request.user, visit_id=visit_id, reason=payload.reason)
    return _detail(request, visit_id)


@router.post("/{visit_id}/archive", response=VisitDetailOut)
@access.capability("secretary")
def archive_visit(request: AuthedRequest, visit_id: int) -> VisitDetailOut:
    services.archive_visit(actor=request.user, visit_id=visit_id)
    return _detail(request, visit_id)


@router.post("/{visit_id}/cases", response=VisitDetailOut)
@access.capability("secretary")
def send_to_cases(request: AuthedRequest, visit_id: int, payload: SendIn) -> VisitDetailOut:
    """Record chosen problems in case tracking (source 面对面); each problem once."""
    services.send_to_cases(actor=request.user, visit_id=visit_id, problem_ids=payload.problem_ids)
    return _detail(request, visit_id)
