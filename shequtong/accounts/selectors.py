"""Jurisdiction-scoped reads of accounts data."""

from __future__ import annotations

from django.db.models import QuerySet

from shequtong.common import crypto
from shequtong.common.phones import InvalidPhone, normalise_phone

from . import names, scope
from .models import ApiToken, Membership, RoleGrant, User, private_fields_of


def pending_reviews_for(user: User) -> QuerySet[Membership]:
    return (
        scope.scope_for(user, "review_members")
        .filter(Membership.objects.filter(status=Membership.Status.PENDING))
        .select_related("user", "community", "estate")
        .order_by("requested_at", "id")
    )


def reviewed_for(user: User) -> QuerySet[Membership]:
    return (
        scope.scope_for(user, "review_members")
        .filter(Membership.objects.exclude(status=Membership.Status.PENDING))
        .select_related("user", "community", "estate", "reviewed_by")
        .order_by("-reviewed_at", "-id")
    )


def grants_manageable_by(user: User) -> QuerySet[RoleGrant]:
    """Role grants the user may see in 权限管理: those on places inside their grant scope."""
    roles = scope.grantable_roles(user)
    s = scope.scope_for(user, "grant_roles")
    qs = (RoleGrant.objects.filter(role__in=sorted(roles)).select_related("user", "subdistrict", "community", "estate")
          .defer(*private_fields_of("user")))
    if s.everything:
        return qs.order_by("-id")
    if s.is_empty:
        return qs.none()
    q = s.q("community")
    if s.subdistrict_ids:
        from django.db.models import Q

        q |= Q(subdistrict_id__in=sorted(s.subdistrict_ids))
    return qs.filter(q).order_by("-id")


def grants_of_named(grants: QuerySet[RoleGrant], query: str) -> QuerySet[RoleGrant]:
    """The grants whose holder's real name contains `query` (through the name indexes, accounts/names.py)."""
    holders = User.objects.filter(pk__in=grants.values("user_id"))
    return grants.filter(user_id__in=names.matching_ids(holders, query, limit=names.SCAN_LIMIT))


def find_user(who: str) -> User | None:
    """By username or phone (blind index)."""
    who = (who or "").strip()
    if not who:
        return None
    user = User.objects.filter(username=who).first()
    if user is None:
        try:
            phone = normalise_phone(who)
        except InvalidPhone:
            return None
        user = User.objects.filter(phone_index=crypto.blind_index(phone, purpose="phone")).first()
    return user


def memberships_of(user: User) -> QuerySet[Membership]:
    return Membership.objects.filter(user=user).select_related("community", "estate")


def api_tokens_of(user: User) -> QuerySet[ApiToken]:
    """A user's own tokens, newest first (never the key: only its hash is stored)."""
    return ApiToken.objects.filter(user=user).order_by("-created_at", "-id")
