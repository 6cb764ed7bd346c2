"""/api/v1/cases: list and handle cases, 我的问题, ratings — through the same services and selectors as the pages."""

from __future__ import annotations

import datetime as dt

from ninja import Query, Router, Schema

from shequtong.accounts import scope
from shequtong.accounts.typing import AuthedRequest
from shequtong.common import access

from . import selectors, services
from .models import Case, CaseRating
from .schemas import (
    ActionIn,
    AverageOut,
    CaseDetailOut,
    CaseOut,
    CategoryIn,
    EventOut,
    RatingIn,
    RatingOut,
)

router = Router(tags=["cases"])


class CaseQuery(Schema):
    status: str = ""
    source: str = ""
    category: str = ""
    q: str = ""
    subdistrict_id: int | None = None
    community_id: int | None = None
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    limit: int = 50
    offset: int = 0


def _rating(c: Case) -> RatingOut | None:
    r: CaseRating | None = getattr(c, "rating", None)
    return RatingOut(stars=r.stars, feedback=r.feedback, created_at=r.created_at) if r else None


def _out(c: Case) -> dict:
    return {
        "id": c.pk, "title": c.title, "source": c.source, "source_label": str(c.get_source_display()),
        "category": c.category, "category_label": str(c.get_category_display()) if c.category else "",
        "status": c.status, "status_label": str(c.get_status_display()), "send_state": c.send_state,
        "send_state_label": str(c.get_send_state_display()), "overdue": c.overdue_buckets,
        "community_id": c.community_id, "community": c.community.name, "subdistrict": c.subdistrict.name,
        "raised_by": c.raised_by.display_name if c.raised_by else None, "created_at": c.created_at,
        "resolved_at": c.resolved_at, "rating": _rating(c),
    }


def _detail(request: AuthedRequest, case_id: int) -> CaseDetailOut:
    c, case_access = selectors.read_case(request.user, case_id, request=request)
    events = [EventOut(kind=e.kind, kind_label=str(e.get_kind_display()), actor=e.actor_name, status_from=e.status_from,
                       status_to=e.status_to, note=e.note, created_at=e.created_at) for e in selectors.history(c)]
    allowed = services.allowed_actions(c) if case_access.can_handle else []
    return CaseDetailOut(**_out(c), content=c.content, origin_url=c.origin_url, external_id=c.external_id,
                         grid_result=c.grid_result, allowed_actions=allowed, events=events)


@router.get("/list", response=list[CaseOut])
@access.capability("committee", "patrol")
def list_cases(request: AuthedRequest, filters: Query[CaseQuery]) -> list[dict]:
    f = selectors.CaseFilter(status=filters.status, source=filters.source, category=filters.category, q=filters.q.strip(),
                             subdistrict_id=filters.subdistrict_id, community_id=filters.community_id,
                             date_from=filters.date_from, date_to=filters.date_to)
    limit = max(1, min(filters.limit, 200))
    qs = selectors.filter_cases(selectors.cases_for(request.user), f)
    return [_out(c) for c in qs[filters.offset : filters.offset + limit]]


@router.get("/mine", response=list[CaseOut])
@access.login
def my_cases(request: AuthedRequest, source: str = "", limit: int = 50, offset: int = 0) -> list[dict]:
    qs = selectors.my_cases(request.user)
    if source:
        qs = qs.filter(source=source)
    limit = max(1, min(limit, 200))
    return [_out(c) for c in qs[offset : offset + limit]]


@router.get("/ratings/communities", response=list[AverageOut])
@access.capability("patrol")
def community_averages(request: AuthedRequest, subdistrict_id: int | None = None) -> list[AverageOut]:
    sub = scope.subdistrict_in_scope(request.user, "patrol", subdistrict_id) if subdistrict_id else None
    return [AverageOut(id=r["community"].pk, name=r["community"].name, ratings=r["ratings"], average=r["average"])
            for r in selectors.community_averages(request.user, sub)]


@router.get("/ratings/subdistricts", response=list[AverageOut])
@access.capability("patrol")
def subdistrict_averages(request: AuthedRequest) -> list[AverageOut]:
    return [AverageOut(id=r["subdistrict"].pk, name=r["subdistrict"].name, ratings=r["ratings"], average=r["average"])
            for r in selectors.subdistrict_averages(request.user)]


@router.get("/{case_id}", response=CaseDetailOut)
@access.login
def case_detail(request: AuthedRequest, case_id: int) -> CaseDetailOut:
    return _detail(request, case_id)


# Handling is the committee's, but unlike the page (access.capability("committee"), 403) these
# operations stay open to any login: access_case inside the service answers 404 to everyone who
# may not handle the case, the answer API clients have always had (tests/cases/test_api.py).
@router.post("/{case_id}/category", response=CaseDetailOut)
@access.login
def set_category(request: AuthedRequest, case_id: int, payload: CategoryIn) -> CaseDetailOut:
    services.set_category(actor=request.user, case_id=case_id, category=payload.category)
    return _detail(request, case_id)


@router.post("/{case_id}/actions", response=CaseDetailOut)
@access.login
def act(request: AuthedRequest, case_id: int, payload: ActionIn) -> CaseDetailOut:
    services.handle_case(actor=request.user, case_id=case_id, action=payload.action, note=payload.note)
    return _detail(request, case_id)


@router.post("/{case_id}/rating", response={201: RatingOut})
@access.login
def rate(request: AuthedRequest, case_id: int, payload: RatingIn) -> tuple[int, RatingOut]:
    r = services.rate_case(actor=request.user, case_id=case_id, stars=payload.stars, feedback=payload.feedback)
    return 201, RatingOut(stars=r.stars, feedback=r.feedback, created_at=r.created_at)
