"""Scoped reads of the administration pages: import jobs, places, staff accounts, the audit log."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet
from django.utils import timezone

from shequtong.accounts import names, scope
from shequtong.accounts.models import AuditEvent, RoleGrant, User, private_fields_of
from shequtong.accounts.roles import Role
from shequtong.common.errors import PermissionRefused
from shequtong.places.models import Community, Subdistrict

from .models import ImportJob
from .policies import RESIDENT_ROLES


def import_jobs(actor: User) -> QuerySet[ImportJob]:
    if not scope.scope_for(actor, "sysadmin").everything:
        return ImportJob.objects.none()
    return ImportJob.objects.defer("file_blob", "problems").select_related("created_by").defer(
        *private_fields_of("created_by"))


def subdistricts(actor: User) -> QuerySet[Subdistrict]:
    """The subdistricts of the system administrator's scope, with their communities' count."""
    return scope.scope_for(actor, "sysadmin").subdistricts().annotate(n=Count("communities"))


def communities(actor: User, subdistrict_id: int | None = None) -> QuerySet[Community]:
    qs = scope.scope_for(actor, "sysadmin").communities().select_related("subdistrict", "stats").annotate(
        estate_count=Count("estates"))
    return qs.filter(subdistrict_id=subdistrict_id) if subdistrict_id else qs


# --- staff accounts ----------------------------------------------------------------------------

@dataclass(frozen=True)
class StaffFilter:
    q: str = ""
    role: str = ""
    active: str = ""  # "", "1", "0"

    @classmethod
    def from_query(cls, params: Any) -> StaffFilter:
        role = params.get("role") or ""
        active = params.get("active") or ""
        return cls(q=(params.get("q") or "").strip()[:30], role=role if role in Role.values else "",
                   active=active if active in ("1", "0") else "")


def staff_accounts(actor: User, f: StaffFilter) -> QuerySet[User]:
    """Accounts holding a work role (not only 居民/党员) in the security administrator's scope."""
    allowed = scope.scope_for(actor, "security_admin")
    if allowed.is_empty:
        return User.objects.none()
    grants = RoleGrant.objects.exclude(role__in=RESIDENT_ROLES)
    if not allowed.everything:
        grants = allowed.filter(grants)
    if f.role:
        grants = grants.filter(role=f.role)
    qs = User.objects.filter(Exists(grants.filter(user_id=OuterRef("pk")))).defer(
        "id_number", "phone", "real_name", "real_name_grams")
    if f.active:
        qs = qs.filter(is_active=f.active == "1")
    if f.q:
        by_name = names.matching_ids(User.objects.filter(Exists(grants.filter(user_id=OuterRef("pk")))), f.q, limit=200)
        qs = qs.filter(Q(username__icontains=f.q) | Q(pk__in=by_name))
    return qs.prefetch_related(Prefetch("role_grants", queryset=RoleGrant.objects.exclude(role__in=RESIDENT_ROLES)
                                        .select_related("subdistrict", "community", "estate"), to_attr="work_grants"
                                        )).order_by("username", "id")


# --- the audit log -----------------------------------------------------------------------------

# What an event's outcome was: refusals and failures are their own actions.
FAILED_ACTIONS = frozenset({AuditEvent.Action.LOGIN_FAILED, AuditEvent.Action.MFA_FAILED})


@dataclass(frozen=True)
class AuditFilter:
    who: str = ""       # a username
    action: str = ""
    outcome: str = ""   # "", "ok", "failed"
    date_from: dt.date | None = None
    date_to: dt.date | None = None

    @classmethod
    def from_query(cls, params: Any) -> AuditFilter:
        action = params.get("action") or ""
        outcome = params.get("outcome") or ""
        return cls(who=(params.get("who") or "").strip()[:150],
                   action=action if action in AuditEvent.Action.values else "",
                   outcome=outcome if outcome in ("ok", "failed") else "",
                   date_from=_date(params.get("date_from")), date_to=_date(params.get("date_to")))

    @property
    def active(self) -> bool:
        return any(v not in ("", None) for v in self.__dict__.values())


def _date(value: str | None) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value) if value else None
    except ValueError:
        return None


def audit_events(actor: User, f: AuditFilter) -> QuerySet[AuditEvent]:
    """The audit log for the audit administrator only (三员分立): the others see none of it."""
    if not scope.scope_for(actor, "audit_admin").everything:
        raise PermissionRefused("只有审计管理员可以查看审计日志")
    qs = AuditEvent.objects.select_related("actor").defer(*private_fields_of("actor"))
    if f.who:
        qs = qs.filter(actor__username=f.who)
    if f.action:
        qs = qs.filter(action=f.action)
    if f.outcome == "failed":
        qs = qs.filter(action__in=FAILED_ACTIONS)
    elif f.outcome == "ok":
        qs = qs.exclude(action__in=FAILED_ACTIONS)
    tz = timezone.get_current_timezone()
    if f.date_from:
        qs = qs.filter(created_at__gte=dt.datetime.combine(f.date_from, dt.time.min, tzinfo=tz))
    if f.date_to:
        qs = qs.filter(created_at__lt=dt.datetime.combine(f.date_to + dt.timedelta(days=1), dt.time.min, tzinfo=tz))
    return qs.order_by("-created_at", "-id")
