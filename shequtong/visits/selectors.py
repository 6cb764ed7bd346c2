"""Jurisdiction-scoped reads of visit records, the member picker and the observer rollups.

One record with what the actor may do to it comes from ``policies.access_visit``; places in
scope from ``accounts.scope.subdistrict_in_scope`` / ``community_in_scope``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.http import HttpRequest

from shequtong.accounts import audit, names, scope
from shequtong.accounts.models import Membership, RoleGrant, User, private_fields_of
from shequtong.accounts.roles import Role, roles_with
from shequtong.common import crypto, fulltext
from shequtong.common.phones import InvalidPhone, normalise_phone
from shequtong.places.models import Community

from .models import PUBLISHED_STATUSES, Status, Visit, VisitType
from .policies import VisitAccess, access_visit


@dataclass(frozen=True)
class Filters:
    visit_type: str = ""
    status: str = ""
    q: str = ""

    @classmethod
    def from_query(cls, params: Any) -> Filters:
        visit_type = params.get("type", "")
        status = params.get("status", "")
        return cls(
            visit_type=visit_type if visit_type in VisitType.values else "",
            status=status if status in Status.values else "",
            q=(params.get("q", "") or "").strip()[:50],
        )

    def apply(self, qs: QuerySet[Visit]) -> QuerySet[Visit]:
        if self.visit_type:
            qs = qs.filter(visit_type=self.visit_type)
        if self.status:
            qs = qs.filter(status=self.status)
        if self.q:
            qs = fulltext.matches(qs, self.q)
        return qs


def _list_qs(qs: QuerySet[Visit]) -> QuerySet[Visit]:
    # Rows show masked names only: no encrypted column of the visit or its people is loaded (decrypted).
    return (qs.select_related("community", "person", "created_by")
            .defer("person_name", "person_address", *private_fields_of("person", "created_by"))
            .order_by("-created_at", "-id"))


def _committee_q(user: User) -> Q:
    """What a committee member reads: published records, their own, and (secretary) those awaiting review."""
    q = Q(status__in=PUBLISHED_STATUSES) | Q(created_by_id=user.pk)
    secretary = scope.scope_for(user, "secretary")
    if not secretary.is_empty:
        q |= secretary.q("community") & Q(status__in=[Status.SUBMITTED, Status.RETURNED])
    return q


def committee_visits(user: User, filters: Filters | None = None) -> QuerySet[Visit]:
    """The 面对面 list of the committee version (FV-1)."""
    qs = scope.scope_for(user, "committee").filter(Visit.objects.filter(_committee_q(user)))
    return _list_qs((filters or Filters()).apply(qs))


def review_queue(user: User) -> QuerySet[Visit]:
    """Records awaiting this secretary's review: not her own (four eyes, FV-3)."""
    return _list_qs(scope.scope_for(user, "secretary").filter(
        Visit.objects.filter(status=Status.SUBMITTED).exclude(created_by_id=user.pk)))


def upper_review_queue(user: User) -> QuerySet[Visit]:
    """Records a committee's secretary wrote herself, awaiting review by her subdistrict (four eyes, FV-3)."""
    subdistricts = sorted({g.subdistrict_id for g in scope.grants_of(user)
                           if g.role == Role.SUBDISTRICT_OBSERVER and g.subdistrict_id and not g.community_id})
    if not subdistricts:
        return Visit.objects.none()
    by_secretary = RoleGrant.objects.filter(
        user_id=OuterRef("created_by_id"), community_id=OuterRef("community_id"), role__in=sorted(roles_with("secretary")))
    return _list_qs(Visit.objects.filter(status=Status.SUBMITTED, subdistrict_id__in=subdistricts)
                    .filter(Exists(by_secretary)))


def observer_visits(user: User, filters: Filters | None = None, *, subdistrict_id: int | None = None,
                    community_id: int | None = None) -> QuerySet[Visit]:
    """Approved and archived records in the observer's scope (FV-5)."""
    qs = scope.scope_for(user, "observe").filter(Visit.objects.filter(status__in=PUBLISHED_STATUSES))
    if subdistrict_id:
        qs = qs.filter(subdistrict_id=subdistrict_id)
    if community_id:
        qs = qs.filter(community_id=community_id)
    f = filters or Filters()
    if f.status and f.status not in PUBLISHED_STATUSES:
        return qs.none()
    return _list_qs(f.apply(qs))


def work_communities(user: User) -> QuerySet[Community]:
    return scope.scope_for(user, "committee").communities().order_by("subdistrict_id", "id")


def members_matching(user: User, community: Community, query: str, limit: int = 10) -> list[User]:
    """Members of `community` whose name contains `query` or whose phone is `query` (the picker)."""
    query = (query or "").strip()
    if not query or not scope.can(user, "committee", community=community):
        return []
    members = RoleGrant.objects.filter(role=Role.RESIDENT, community_id=community.pk).values("user_id")
    users = User.objects.filter(is_active=True, pk__in=members)
    q = Q(pk__in=names.matching_ids(users, query, limit=limit)) if not query.isdigit() else Q(pk__in=[])
    try:
        q |= Q(phone_index=crypto.blind_index(normalise_phone(query), purpose="phone"))
    except InvalidPhone:
        pass
    found = list(users.filter(q).defer("real_name", "real_name_grams", "id_number", "password").order_by("masked_name", "id")[:limit])
    # The estate tells two 张*明 apart (issue 14 item 3): one query for the page, not one per person.
    estates = dict(Membership.objects.filter(user_id__in=[u.pk for u in found], community_id=community.pk,
                                             status=Membership.Status.APPROVED, estate__isnull=False)
                   .values_list("user_id", "estate__name"))
    for u in found:
        u.estate_name = estates.get(u.pk, "")  # type: ignore[attr-defined]
    return found


def read_visit(actor: User, visit_id: int, *, request: HttpRequest | None = None) -> tuple[Visit, VisitAccess]:
    """Open a 面对面 record for reading: authorised by the policy, and the read is audited (one INSERT)."""
    visit, visit_access = access_visit(actor, visit_id)
    audit.record_read(actor=actor, target=visit, request=request)
    return visit, visit_access
