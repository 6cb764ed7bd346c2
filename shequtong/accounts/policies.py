"""Who may act on a join request or a role grant: the one answer pages, the API and services read.

``access_membership(actor, membership_id)`` and ``access_grant(actor, grant_id)``
fetch the object and return it with a frozen access object. A missing object
and one outside the actor's jurisdiction raise the same ``NotFound``, so ids
reveal nothing (docs/adr/0001). Services pass ``for_update=True`` to lock the
row inside their transaction.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import QuerySet

from shequtong.common.errors import NotFound

from . import scope
from .models import Membership, RoleGrant, User
from .roles import Role

MEMBERSHIP_NOT_FOUND = "该申请不存在或不在您的管辖范围内"
GRANT_NOT_FOUND = "该授权不存在或不在您的管辖范围内"
# Roles their holders may not take from themselves (the district would be left without an administrator).
SELF_KEPT_ROLES = frozenset({Role.SYSADMIN, Role.SECURITY_ADMIN, Role.AUDIT_ADMIN, Role.DISTRICT_OBSERVER})


# --- join requests ---------------------------------------------------------------------------

@dataclass(frozen=True)
class MembershipAccess:
    is_applicant: bool
    is_reviewer: bool  # "review_members" covers the community applied to
    status: str

    @property
    def can_view(self) -> bool:
        return self.is_applicant or self.is_reviewer

    @property
    def can_review(self) -> bool:
        """Approve or reject: a reviewer of the community, once, while the request is pending."""
        return self.is_reviewer and self.status == Membership.Status.PENDING


def membership_access(actor: User, membership: Membership) -> MembershipAccess:
    """What ``actor`` may do to a join request already in hand."""
    return MembershipAccess(
        is_applicant=membership.user_id == getattr(actor, "pk", None),
        is_reviewer=scope.scope_for(actor, "review_members").covers(
            community_id=membership.community_id, subdistrict_id=membership.community.subdistrict_id),
        status=membership.status,
    )


def _memberships(for_update: bool) -> QuerySet[Membership]:
    qs = Membership.objects.select_related("community", "estate", "user")
    return qs.select_for_update(of=("self",)) if for_update else qs


def access_membership(actor: User, membership_id: int, *, for_update: bool = False) -> tuple[Membership, MembershipAccess]:
    """The join request and what ``actor`` may do to it; NotFound when it is missing or not theirs to see."""
    membership = _memberships(for_update).filter(pk=membership_id).first()
    if membership is None:
        raise NotFound(MEMBERSHIP_NOT_FOUND)
    access = membership_access(actor, membership)
    if not access.can_view:
        raise NotFound(MEMBERSHIP_NOT_FOUND)
    return membership, access


# --- role grants ---------------------------------------------------------------------------

@dataclass(frozen=True)
class GrantAccess:
    is_holder: bool
    can_manage: bool  # the actor may grant this role on this place (权限管理 lists it)
    role: str

    @property
    def can_view(self) -> bool:
        return self.can_manage

    @property
    def can_revoke(self) -> bool:
        return self.can_manage and not (self.is_holder and self.role in SELF_KEPT_ROLES)


def grant_access(actor: User, grant: RoleGrant) -> GrantAccess:
    """What ``actor`` may do to a role grant already in hand."""
    manages = grant.role in scope.grantable_roles(actor) and scope.grant_scope(actor, grant.role).covers(
        community_id=grant.community_id, subdistrict_id=grant.subdistrict_id)
    return GrantAccess(is_holder=grant.user_id == getattr(actor, "pk", None), can_manage=manages, role=grant.role)


def _grants(for_update: bool) -> QuerySet[RoleGrant]:
    qs = RoleGrant.objects.select_related("user", "community")
    return qs.select_for_update(of=("self",)) if for_update else qs


def access_grant(actor: User, grant_id: int, *, for_update: bool = False) -> tuple[RoleGrant, GrantAccess]:
    """The role grant and what ``actor`` may do to it; NotFound when it is missing or outside their grant scope."""
    grant = _grants(for_update).filter(pk=grant_id).first()
    if grant is None:
        raise NotFound(GRANT_NOT_FOUND)
    access = grant_access(actor, grant)
    if not access.can_view:
        raise NotFound(GRANT_NOT_FOUND)
    return grant, access
