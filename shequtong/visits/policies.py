"""Who may do what to one 面对面 record: the single answer pages, the API, templates and services read.

``access_visit(actor, visit_id)`` fetches the record and returns it with a
frozen ``VisitAccess``. A record that does not exist and one the actor may not
read raise the same ``NotFound``, so ids reveal nothing (docs/adr/0001).
Services pass ``for_update=True`` to lock the row inside their transaction;
the secretary's actions go through ``access_visit_to_review``.

Who reads a record (FV-1, FV-3, FV-5):
- its author, while they work for the record's committee (drafts are theirs alone);
- every staff member of the committee and every observer over it, once it is
  approved or archived;
- the committee's secretary, while it awaits review or was returned;
- the subdistrict's observers, while a record its community's secretary wrote awaits review or
  was returned: four eyes (FV-3) — a secretary never approves her own record; another secretary
  of the committee or the subdistrict does.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import QuerySet

from shequtong.accounts import scope
from shequtong.accounts.models import RoleGrant, User
from shequtong.accounts.roles import Role, roles_with
from shequtong.common.errors import NotFound, PermissionRefused

from .errors import VisitError
from .models import EDITABLE_STATUSES, PUBLISHED_STATUSES, Status, Visit, VisitProblem

NOT_FOUND_MESSAGE = "面对面记录不存在或您无权查看"


@dataclass(frozen=True)
class VisitAccess:
    is_author: bool
    is_staff: bool      # works for the record's committee ("committee" covers its community)
    is_secretary: bool  # the committee's secretary ("secretary" covers it): reviews, archives, sends on
    is_observer: bool   # "observe" covers the record's place
    is_member: bool     # the person visited has an account (online contact possible)
    status: str
    # Four eyes: the record's author is a secretary of its committee, and the actor is a
    # subdistrict observer over it (the reviewer when no other secretary does it).
    author_is_secretary: bool = False
    is_upper_reviewer: bool = False

    @property
    def is_published(self) -> bool:
        return self.status in PUBLISHED_STATUSES

    @property
    def can_view(self) -> bool:
        if self.is_author and self.is_staff:
            return True
        if self.is_published and (self.is_staff or self.is_observer):
            return True
        if self.status not in (Status.SUBMITTED, Status.RETURNED):
            return False
        return self.is_secretary or self.reviews_from_above

    @property
    def can_edit(self) -> bool:
        """Change and submit: the author, while the record is a draft or was returned."""
        return self.is_author and self.status in EDITABLE_STATUSES

    @property
    def can_submit(self) -> bool:
        return self.can_edit

    @property
    def can_delete(self) -> bool:
        return self.is_author and self.status == Status.DRAFT

    @property
    def reviews_from_above(self) -> bool:
        """The subdistrict reviews what the committee's secretary wrote herself."""
        return self.is_upper_reviewer and self.author_is_secretary

    @property
    def may_review(self) -> bool:
        """A reviewer of this record other than its author (four eyes)."""
        return (self.is_secretary or self.reviews_from_above) and not self.is_author

    @property
    def can_review(self) -> bool:
        return self.may_review and self.status == Status.SUBMITTED

    @property
    def can_archive(self) -> bool:
        return self.is_secretary and self.status == Status.APPROVED

    @property
    def can_send(self) -> bool:
        """Send problems on to case tracking: the secretary, once the record is approved or archived."""
        return self.is_secretary and self.is_published

    def can_send_any(self, problems: Iterable[VisitProblem]) -> bool:
        """``can_send`` and at least one of the record's problems not sent yet (the page's button)."""
        return self.can_send and any(not p.is_sent for p in problems)

    @property
    def can_contact(self) -> bool:
        """Write to or e-mail the member visited: committee staff, once the record left the draft stage (FV-4)."""
        return self.is_staff and self.is_member and self.status != Status.DRAFT

    @property
    def observer_view(self) -> bool:
        """Reading from above (the observer's list is the way back), not as the record's committee."""
        return not self.is_staff


def is_upper_reviewer(actor: User, visit: Visit) -> bool:
    """A subdistrict observer of the record's subdistrict (the level above its committee)."""
    return any(
        g.role == Role.SUBDISTRICT_OBSERVER and g.subdistrict_id == visit.subdistrict_id and not g.community_id
        for g in scope.grants_of(actor)
    )


def author_is_secretary(visit: Visit) -> bool:
    return RoleGrant.objects.filter(
        user_id=visit.created_by_id, role__in=sorted(roles_with("secretary")), community_id=visit.community_id,
    ).exists()


def visit_access(actor: User, visit: Visit) -> VisitAccess:
    """What ``actor`` may do to a record already in hand."""
    where = {"community_id": visit.community_id, "subdistrict_id": visit.subdistrict_id}
    in_review = visit.status in (Status.SUBMITTED, Status.RETURNED)
    upper = in_review and is_upper_reviewer(actor, visit)
    is_secretary = scope.scope_for(actor, "secretary").covers(**where)
    return VisitAccess(
        is_author=visit.created_by_id == getattr(actor, "pk", None),
        is_staff=scope.scope_for(actor, "committee").covers(**where),
        is_secretary=is_secretary,
        is_observer=scope.scope_for(actor, "observe").covers(**where),
        is_member=visit.person_id is not None,
        status=visit.status,
        author_is_secretary=(upper or is_secretary) and in_review and author_is_secretary(visit),
        is_upper_reviewer=upper,
    )


def _base(for_update: bool) -> QuerySet[Visit]:
    if for_update:
        return Visit.objects.select_for_update(of=("self",)).select_related("community", "subdistrict", "person")
    return Visit.objects.select_related("community", "subdistrict", "person", "created_by", "reviewed_by")


def access_visit(actor: User, visit_id: int, *, for_update: bool = False) -> tuple[Visit, VisitAccess]:
    """The record and what ``actor`` may do to it; NotFound when it is missing or not theirs to read."""
    visit = _base(for_update).filter(pk=visit_id).first()
    if visit is None:
        raise NotFound(NOT_FOUND_MESSAGE)
    access = visit_access(actor, visit)
    if not access.can_view:
        raise NotFound(NOT_FOUND_MESSAGE)
    return visit, access


def access_visit_to_review(actor: User, visit_id: int) -> tuple[Visit, VisitAccess]:
    """The record, locked, for the secretary's actions (review, archive, send on to case tracking).

    The committee's other staff are told that only the secretary reviews (403), even for a record
    awaiting review that they may not read; a draft stays its author's alone and anyone else
    without the committee's secretary scope finds nothing (404).
    """
    visit = _base(for_update=True).filter(pk=visit_id).first()
    if visit is None:
        raise NotFound(NOT_FOUND_MESSAGE)
    access = visit_access(actor, visit)
    if (access.is_secretary or access.reviews_from_above) and access.can_view:
        return visit, access
    if access.is_staff and not access.is_secretary:
        raise PermissionRefused("只有居村委书记可以审核", code=VisitError.NOT_SECRETARY)
    raise NotFound(NOT_FOUND_MESSAGE)


def refuse_own_review(access: VisitAccess) -> None:
    """Four eyes (FV-3): the author of a record never reviews it."""
    if access.is_author and access.status == Status.SUBMITTED:
        raise PermissionRefused("不能审核自己提交的记录，请由其他书记或街镇审核", code=VisitError.OWN_RECORD)
