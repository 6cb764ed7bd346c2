"""Who may do what to one case: the single answer pages, the API, templates and services read.

``access_case(actor, case_id)`` fetches the case through the actor's scope and
returns it with a frozen ``CaseAccess``. A case that does not exist and a case
the actor may not see raise the same ``NotFound`` (Zulip's access_stream_by_id),
so ids reveal nothing. Services pass ``for_update=True`` to lock the row inside
their transaction. Nothing else derives these rules (docs/adr/0001).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import QuerySet

from shequtong.accounts import scope
from shequtong.accounts.models import User, private_fields_of
from shequtong.common import prepared
from shequtong.common.errors import NotFound

from .errors import CaseError
from .models import RATEABLE_STATUSES, Case

# The hats under which staff see cases: the committee handles its community's,
# patrol staff (subdistrict/district observers) watch their area's.
VIEW_CAPABILITIES = ("committee", "patrol")


@dataclass(frozen=True)
class CaseAccess:
    is_raiser: bool
    can_handle: bool  # 受理, 处理, 上报网格化, 办结, set the problem tag: the case's own committee
    can_patrol: bool  # subdistrict/district patrol staff covering the case's place
    has_rating: bool
    status: str

    @property
    def can_view(self) -> bool:
        return self.is_raiser or self.can_handle or self.can_patrol

    @property
    def can_rate(self) -> bool:
        """Only the raiser, once, after the case is resolved (CT-7)."""
        return self.is_raiser and not self.has_rating and self.status in RATEABLE_STATUSES

    @property
    def resident_view(self) -> bool:
        """The raiser reading as a resident: their own words, public steps and results, no staff labels or notes."""
        return self.is_raiser and not (self.can_handle or self.can_patrol)

    @property
    def sees_delivery(self) -> bool:
        """The escalation's delivery log is for staff, never the raiser."""
        return self.can_handle or self.can_patrol


def case_access(actor: User, case: Case) -> CaseAccess:
    """What ``actor`` may do to a case already in hand (lists that show per-row actions)."""
    where = {"community_id": case.community_id, "subdistrict_id": case.subdistrict_id}
    return CaseAccess(
        is_raiser=case.raised_by_id is not None and case.raised_by_id == getattr(actor, "pk", None),
        can_handle=scope.scope_for(actor, "committee").covers(**where),
        can_patrol=scope.scope_for(actor, "patrol").covers(**where),
        has_rating=hasattr(case, "rating") and case.rating is not None,
        status=case.status,
    )


def _base(for_update: bool) -> QuerySet[Case]:
    if for_update:
        # The rating rides along (outer join, not locked): the access reads has_rating.
        return Case.objects.select_for_update(of=("self",)).select_related("community", "subdistrict", "rating")
    # The raiser is shown by name only: their encrypted fields stay in the database.
    return Case.objects.select_related("community", "subdistrict", "raised_by", "rating").defer(
        *private_fields_of("raised_by"))


@prepared.query
def _case_by_id(case_id: int, *, for_update: bool) -> QuerySet[Case]:
    return _base(for_update).filter(pk=case_id)[:1]


def access_case(actor: User, case_id: int, *, for_update: bool = False) -> tuple[Case, CaseAccess]:
    """The case and what ``actor`` may do to it; NotFound when it is missing or not theirs to see."""
    rows = _case_by_id(int(case_id), for_update=for_update)
    case = rows[0] if rows else None
    if case is None:
        raise NotFound("该问题不存在或您无权查看", code=CaseError.NOT_FOUND)
    access = case_access(actor, case)
    if not access.can_view:
        raise NotFound("该问题不存在或您无权查看", code=CaseError.NOT_FOUND)
    return case, access
