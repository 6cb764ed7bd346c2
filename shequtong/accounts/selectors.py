"""Jurisdiction-scoped reads of accounts data."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from shequtong.common import crypto, prepared
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


@prepared.query
def _real_name(user_id: int) -> QuerySet[User, Any]:
    return User.objects.filter(pk=user_id).values_list("real_name", flat=True)


def own_real_name(user: User) -> str:
    """The person's real name, for their own greeting (the resident home, every visit).

    The cached identity leaves it deferred (accounts/identity.py): then it is read and decrypted
    from the row with SQL compiled once (common/prepared.py), not through ``refresh_from_db``.
    """
    if "real_name" not in user.get_deferred_fields():
        return user.real_name  # type: ignore[no-any-return]
    names = _real_name(user.pk)
    return names[0] if names else ""
