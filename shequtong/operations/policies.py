"""Who may do what in the administration pages (三员分立, issue 20).

- Imports and the jurisdiction tree: the system administrator (capability ``sysadmin``).
- Staff accounts (disable, reset a password, transfer roles): the security administrator
  (``security_admin``), on accounts that hold a work role in their scope, never their own.
- The audit log: the audit administrator (``audit_admin``) only.

Missing and forbidden objects raise the same ``NotFound`` (docs/adr/0001).
"""

from __future__ import annotations

from dataclasses import dataclass

from shequtong.accounts import scope
from shequtong.accounts.models import RoleGrant, User
from shequtong.accounts.roles import Role
from shequtong.common.errors import NotFound
from shequtong.places.models import Community, Estate, Subdistrict

from .models import ImportJob

JOB_NOT_FOUND = "该导入任务不存在"
PLACE_NOT_FOUND = "该辖区不存在或不在您的管辖范围内"
ACCOUNT_NOT_FOUND = "该工作人员不存在或不在您的管辖范围内"
RESIDENT_ROLES = (Role.RESIDENT, Role.PARTY_MEMBER)


@dataclass(frozen=True)
class JobAccess:
    can_confirm: bool
    can_cancel: bool


def access_import_job(actor: User, job_id: int, *, for_update: bool = False) -> tuple[ImportJob, JobAccess]:
    if not scope.scope_for(actor, "sysadmin").everything:
        raise NotFound(JOB_NOT_FOUND)
    qs = ImportJob.objects.select_for_update() if for_update else ImportJob.objects.defer("file_blob")
    job = qs.filter(pk=job_id).first()
    if job is None:
        raise NotFound(JOB_NOT_FOUND)
    return job, JobAccess(can_confirm=job.status == ImportJob.Status.CHECKED,
                          can_cancel=job.status in (ImportJob.Status.UPLOADED, ImportJob.Status.CHECKED))


def access_subdistrict(actor: User, subdistrict_id: int, *, for_update: bool = False) -> Subdistrict:
    sub = scope.subdistrict_in_scope(actor, "sysadmin", subdistrict_id)
    return Subdistrict.objects.select_for_update().get(pk=sub.pk) if for_update else sub


def access_community(actor: User, community_id: int, *, for_update: bool = False) -> Community:
    comm = scope.community_in_scope(actor, "sysadmin", community_id)
    return Community.objects.select_for_update().get(pk=comm.pk) if for_update else comm


def access_estate(actor: User, estate_id: int, *, for_update: bool = False) -> Estate:
    qs = Estate.objects.select_related("community")
    estate = (qs.select_for_update(of=("self",)) if for_update else qs).filter(pk=estate_id).first()
    if estate is None or not scope.scope_for(actor, "sysadmin").covers(
            community_id=estate.community_id, subdistrict_id=estate.community.subdistrict_id):
        raise NotFound(PLACE_NOT_FOUND)
    return estate


@dataclass(frozen=True)
class AccountAccess:
    is_self: bool
    active: bool

    @property
    def can_disable(self) -> bool:
        return not self.is_self and self.active

    @property
    def can_enable(self) -> bool:
        return not self.is_self and not self.active

    @property
    def can_reset_password(self) -> bool:
        return not self.is_self and self.active

    @property
    def can_transfer(self) -> bool:
        return not self.is_self


def work_grants(user_id: int) -> list[RoleGrant]:
    return list(RoleGrant.objects.filter(user_id=user_id).exclude(role__in=RESIDENT_ROLES)
                .select_related("subdistrict", "community", "estate"))


def account_access(actor: User, user: User, grants: list[RoleGrant]) -> AccountAccess | None:
    """None when `user` is not a staff account in the actor's security-administration scope."""
    allowed = scope.scope_for(actor, "security_admin")
    if allowed.is_empty or not grants:
        return None
    if not allowed.everything and not any(
            allowed.covers(community_id=g.community_id, subdistrict_id=g.subdistrict_id) for g in grants):
        return None
    return AccountAccess(is_self=user.pk == actor.pk, active=user.is_active)


def access_staff_account(actor: User, user_id: int, *, for_update: bool = False) -> tuple[User, AccountAccess]:
    qs = User.objects.select_for_update() if for_update else User.objects.defer("id_number", "phone", "real_name")
    user = qs.filter(pk=user_id).first()
    if user is None:
        raise NotFound(ACCOUNT_NOT_FOUND)
    access = account_access(actor, user, work_grants(user.pk))
    if access is None:
        raise NotFound(ACCOUNT_NOT_FOUND)
    return user, access
