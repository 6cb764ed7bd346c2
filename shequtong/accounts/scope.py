"""The one place that answers what a user may see and do, and where.

`scope_for(user, capability)` returns a `Scope`: the places on which the user
holds a role with that capability, grants inherited down the tree. Every
selector that lists, counts or exports filters through `Scope.filter`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar

from django.core.exceptions import FieldDoesNotExist
from django.db.models import Model, Q, QuerySet

from shequtong.common.errors import NotFound
from shequtong.places.models import Community, Subdistrict

from .errors import AccountError
from .roles import (
    CAPABILITIES,
    FLAG_ROLES,
    GRANTABLE_BY,
    ORGANISATION_ROLES,
    RURAL_VERSION_LABELS,
    VERSION_OF_ROLE,
    Role,
    Version,
)

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from .models import RoleGrant, User

    # Pages pass request.user, which may be anonymous, and system actions pass None: both get "nothing".
    AnyUser = User | AnonymousUser | None

M = TypeVar("M", bound=Model)
_CACHE_ATTR = "_shequtong_grants"
# Every row, as a Q that survives ``|``: NOT (pk IN ()) is "always true", and Django leaves it out of the SQL.
EVERY_ROW = ~Q(pk__in=[])


@dataclass(frozen=True)
class Scope:
    everything: bool = False
    subdistrict_ids: frozenset[int] = field(default_factory=frozenset)
    community_ids: frozenset[int] = field(default_factory=frozenset)

    @property
    def is_empty(self) -> bool:
        return not (self.everything or self.subdistrict_ids or self.community_ids)

    def covers(self, *, community_id: int | None = None, subdistrict_id: int | None = None) -> bool:
        """Does the scope cover this community (give its subdistrict too) or this subdistrict?"""
        if self.everything:
            return True
        if community_id is not None:
            if community_id in self.community_ids:
                return True
            if subdistrict_id is None and self.subdistrict_ids:
                subdistrict_id = Community.objects.filter(pk=community_id).values_list("subdistrict_id", flat=True).first()
            return subdistrict_id in self.subdistrict_ids
        if subdistrict_id is not None:
            return subdistrict_id in self.subdistrict_ids
        return False

    def covers_community(self, community: Community) -> bool:
        return self.covers(community_id=community.pk, subdistrict_id=community.subdistrict_id)

    def q(self, community_field: str = "community", subdistrict_field: str | None = None) -> Q:
        """A filter over rows that carry a community foreign key at `community_field`.

        ``subdistrict_field``: the rows' own (denormalised) subdistrict key, used instead of a join
        through the community when the scope covers whole subdistricts.
        """
        if self.everything:
            # Not Q(): an empty Q vanishes when OR-ed (``Q(x) | Q()`` is ``Q(x)``), which would
            # narrow an everything-scope to the other operand. This compiles to no WHERE at all.
            return EVERY_ROW
        if self.is_empty:
            return Q(pk__in=[])
        q = Q()
        if self.community_ids:
            q |= Q(**{f"{community_field}_id__in": sorted(self.community_ids)})
        if self.subdistrict_ids:
            key = f"{subdistrict_field}_id__in" if subdistrict_field else f"{community_field}__subdistrict_id__in"
            q |= Q(**{key: sorted(self.subdistrict_ids)})
        return q

    def filter(self, qs: QuerySet[M], community_field: str = "community") -> QuerySet[M]:
        if self.is_empty:
            return qs.none()
        return qs.filter(self.q(community_field, subdistrict_field=_own_subdistrict_field(qs, community_field)))

    def communities(self) -> QuerySet[Community]:
        qs = Community.objects.all()
        if self.everything:
            return qs
        if self.is_empty:
            return qs.none()
        return qs.filter(Q(pk__in=sorted(self.community_ids)) | Q(subdistrict_id__in=sorted(self.subdistrict_ids)))

    def subdistricts(self) -> QuerySet[Subdistrict]:
        """Subdistricts the scope covers entirely or in part."""
        if self.everything:
            return Subdistrict.objects.all()
        ids = set(self.subdistrict_ids)
        if self.community_ids:
            ids |= set(Community.objects.filter(pk__in=self.community_ids).values_list("subdistrict_id", flat=True))
        return Subdistrict.objects.filter(pk__in=sorted(ids))


def _own_subdistrict_field(qs: QuerySet[Any], community_field: str) -> str | None:
    """``subdistrict`` when the model keeps its community's subdistrict beside it (cases, letters, rollups)."""
    if community_field != "community":
        return None
    try:
        field = qs.model._meta.get_field("subdistrict")
    except FieldDoesNotExist:
        return None
    return "subdistrict" if getattr(field, "related_model", None) is Subdistrict else None


def grants_of(user: AnyUser | None) -> list[Any]:
    """The user's role grants, loaded once per user object (i.e. per request)."""
    if user is None or not getattr(user, "is_authenticated", False) or user.pk is None:
        return []
    cached = getattr(user, _CACHE_ATTR, None)
    if cached is None:
        from .models import RoleGrant

        cached = list(RoleGrant.objects.filter(user_id=user.pk).select_related("subdistrict", "community__subdistrict", "estate"))
        setattr(user, _CACHE_ATTR, cached)
    return cached


def remember(user: AnyUser, grants: list[RoleGrant]) -> None:
    """Attach grants loaded elsewhere (the identity cache) so this request does not query them."""
    setattr(user, _CACHE_ATTR, grants)


def forget(user: AnyUser) -> None:
    """Drop the cached grants (after grant/revoke in the same request)."""
    if hasattr(user, _CACHE_ATTR):
        delattr(user, _CACHE_ATTR)


def _scope_from(grants: Iterable[Any]) -> Scope:
    everything = False
    subs: set[int] = set()
    comms: set[int] = set()
    for g in grants:
        if g.community_id:
            comms.add(g.community_id)
        elif g.subdistrict_id:
            subs.add(g.subdistrict_id)
        else:
            everything = True
    if everything:
        return Scope(everything=True)
    return Scope(subdistrict_ids=frozenset(subs), community_ids=frozenset(comms))


def scope_for(user: AnyUser, capability: str) -> Scope:
    roles = CAPABILITIES.get(capability)
    if roles is None:
        raise KeyError(f"unknown capability {capability!r}")
    return _scope_from(g for g in grants_of(user) if g.role in roles)


def subdistrict_in_scope(user: AnyUser, capability: str, subdistrict_id: int) -> Subdistrict:
    """The subdistrict if `capability`'s scope covers it (wholly or in part), else NotFound.

    Missing and out-of-scope answer alike (docs/adr/0001-object-access-policies.md).
    """
    sub = scope_for(user, capability).subdistricts().filter(pk=subdistrict_id).first()
    if sub is None:
        raise NotFound("该街镇不存在或不在您的管辖范围内", code=AccountError.SUBDISTRICT_NOT_FOUND)
    return sub


def community_in_scope(user: AnyUser, capability: str, community_id: int, *, related: tuple[str, ...] = ()) -> Community:
    """The community (with its subdistrict and any `related` rows) if `capability`'s scope covers it, else NotFound."""
    community = (
        scope_for(user, capability).communities().select_related("subdistrict", *related).filter(pk=community_id).first()
    )
    if community is None:
        raise NotFound("该居村委不存在或不在您的管辖范围内", code=AccountError.COMMUNITY_NOT_FOUND)
    return community


def has_capability(user: AnyUser, capability: str) -> bool:
    roles = CAPABILITIES.get(capability, frozenset())
    return any(g.role in roles for g in grants_of(user))


def can(user: AnyUser, capability: str, *, community: Community) -> bool:
    return scope_for(user, capability).covers_community(community)


def versions_of(user: AnyUser) -> list[str]:
    """The versions (居民版/居委版/观察版) this user may switch between, in tab order.

    Flag roles (党员) add capabilities but open no version of their own.
    """
    have = {VERSION_OF_ROLE[g.role] for g in grants_of(user) if g.role not in FLAG_ROLES}
    return [v for v in Version.values if v in have]


# A person who works for the platform lands on their work version by default.
_DEFAULT_PRIORITY = (Version.OBSERVER, Version.COMMITTEE, Version.RESIDENT)


def current_version(user: AnyUser) -> str | None:
    versions = versions_of(user)
    if not versions:
        return None
    active = getattr(user, "active_version", None)  # versions_of is empty for an anonymous user
    if active in versions:
        return str(active)
    return next(str(v) for v in _DEFAULT_PRIORITY if v in versions)


def grantable_roles(user: AnyUser) -> frozenset[str]:
    roles: set[str] = set()
    for g in grants_of(user):
        roles |= GRANTABLE_BY.get(g.role, frozenset())
    return frozenset(roles)


def grant_scope(user: AnyUser, role: str) -> Scope:
    """Where `user` may grant `role`: the union of places of grants that allow it."""
    return _scope_from(g for g in grants_of(user) if role in GRANTABLE_BY.get(g.role, frozenset()))


def home_community(user: AnyUser) -> Community | None:
    """The community a resident belongs to (first approved membership)."""

    for g in grants_of(user):
        if g.role == Role.RESIDENT and g.community_id:
            return g.community  # type: ignore[no-any-return]
    return None


def work_community(user: AnyUser) -> Community | None:
    """The community a committee-version user works for."""
    for g in grants_of(user):
        if VERSION_OF_ROLE[g.role] == Version.COMMITTEE and g.community_id:
            return g.community  # type: ignore[no-any-return]
    return None


def version_community(user: AnyUser, version: str | None) -> Community | None:
    """The community a version is about: the home one in 居民版, the work one in 居委版, none in 观察版."""
    if version == Version.RESIDENT:
        return home_community(user)
    if version == Version.COMMITTEE:
        return work_community(user)
    return None


def version_label(user: AnyUser, version: str | None) -> str:
    """居民版/居委版/观察版, or 村民版/村委版 when the version's community is a village (PC-5)."""
    if not version:
        return ""
    # The 社会组织虚拟社区 and the 社会组织服务中心's 监管端 (spec §3.4.3 item 3) are not a committee nor
    # an observer: someone who works in the version only through such a role sees that role's name.
    roles = {g.role for g in grants_of(user) if VERSION_OF_ROLE[g.role] == version}
    if roles and roles <= ORGANISATION_ROLES:
        return str(Role(min(roles)).label)
    community = version_community(user, version)
    if community is not None and community.is_rural and version in RURAL_VERSION_LABELS:
        return str(RURAL_VERSION_LABELS[version])
    return str(Version(version).label)


def patrol_level(user: AnyUser, community: Community) -> str | None:
    """The patrol level at which `user` acts on `community`'s boards, if any (CT-5).

    District observers patrol at "district", subdistrict observers at
    "subdistrict", committee staff/secretaries at "committee"; anyone else
    (a resident) is not patrolling. The highest level wins.
    """

    best: str | None = None
    for g in grants_of(user):
        if g.role in (Role.DISTRICT_OBSERVER, Role.SYSADMIN) and not g.subdistrict_id:
            return "district"
        if g.role == Role.SUBDISTRICT_OBSERVER and g.subdistrict_id == community.subdistrict_id and not g.community_id:
            best = "subdistrict"
        elif g.role in (Role.COMMITTEE_STAFF, Role.COMMITTEE_SECRETARY) and g.community_id == community.pk and best is None:
            best = "committee"
    return best
