"""Every state change of the administration pages and the bootstrap (issue 20 items 1–3).

Each function checks permission through operations/policies.py, runs in a transaction and
writes an audit event (accounts.audit: the hash-chained, append-only log).
"""

from __future__ import annotations

import secrets
import string
from collections import Counter
from dataclasses import dataclass
from typing import Any

from django.apps import apps
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction
from django.db.models import Count, F, Q
from django.http import HttpRequest
from django.utils import timezone

from shequtong.accounts import audit, identity, population, scope
from shequtong.accounts import services as account_services
from shequtong.accounts.models import (
    ApiToken,
    AuditEvent,
    MemberDay,
    PopulationDay,
    PopulationStat,
    RoleGrant,
    User,
)
from shequtong.accounts.roles import ADMIN_ROLES, Role, roles_with
from shequtong.cases.models import CASES_KEPT_FIGURES
from shequtong.chats import selectors as chat_selectors
from shequtong.common import clock, versioned
from shequtong.common.errors import Conflict, NotFound, PermissionRefused, ValidationFailed
from shequtong.common.idcard import InvalidIdNumber, parse_id_number
from shequtong.common.phones import InvalidPhone, normalise_phone
from shequtong.notifications import outbox
from shequtong.places.models import Community, CommunityStats, District, Estate, Subdistrict

from . import filestore, jobs, policies, tabular
from .errors import OperationsError
from .models import ImportJob, ImportKind

NAME_MAX = 50

# --- 1. bootstrap -------------------------------------------------------------------------------


@dataclass(frozen=True)
class AdminSpec:
    """One of the three first administrators; `password` is the initial one, changed at first sign-in."""

    role: str
    username: str
    real_name: str
    id_number: str
    phone: str
    password: str


def initial_password() -> str:
    """A random first password meeting the rules (8+ characters of 3 classes), to be changed at first sign-in."""
    rng = secrets.SystemRandom()
    chars = [rng.choice(string.ascii_uppercase), rng.choice(string.ascii_lowercase), rng.choice(string.digits)]
    chars += [rng.choice(string.ascii_letters + string.digits) for _ in range(11)]
    rng.shuffle(chars)
    return "".join(chars)


def bootstrap_district(*, name: str, code: str, admins: list[AdminSpec]) -> tuple[District, list[User]]:
    """Create the district and its three administrators (三员分立): three different people, one role each.

    Each must set a new password and enrol a second factor (TOTP) at the first sign-in
    (`must_change_password`; accounts' StaffSecurityMiddleware asks for both). Refused if the
    district already has any of the three: bootstrap runs once.
    """
    name, code = name.strip(), code.strip()
    if not name or len(name) > 50:
        raise ValidationFailed("请填写区的名称（最多50字）", field="name")
    if not code.isdigit() or len(code) not in (6, 12):
        raise ValidationFailed("行政区划代码应为6位或12位数字", field="code")
    roles = [a.role for a in admins]
    if sorted(roles) != sorted(ADMIN_ROLES):
        raise ValidationFailed("须分别指定系统管理员、安全管理员和审计管理员各一人", field="admins")
    errors: dict[str, str] = {}
    parsed = []
    for a in admins:
        label = str(Role(a.role).label)
        try:
            info = parse_id_number(a.id_number)
        except InvalidIdNumber as exc:
            raise ValidationFailed(f"{label}：{exc}", field="id_number") from exc
        try:
            phone = normalise_phone(a.phone)
        except InvalidPhone as exc:
            raise ValidationFailed(f"{label}：{exc}", field="phone") from exc
        username = a.username.strip()
        if not username or not username.isascii() or not username.replace("_", "").replace("-", "").isalnum() or username.isdigit():
            raise ValidationFailed(f"{label}：用户名由字母、数字、下划线或短横线组成", field="username")
        if not (2 <= len(a.real_name.strip()) <= 30):
            raise ValidationFailed(f"{label}：请填写真实姓名", field="real_name")
        try:
            validate_password(a.password, user=User(username=username, real_name=a.real_name))
        except ValidationError as exc:
            raise ValidationFailed(f"{label}：" + "；".join(exc.messages), field="password") from exc
        parsed.append((a, info, phone, username))
    for key, values in (("username", [p[3] for p in parsed]), ("id_number", [p[1].number for p in parsed]),
                        ("phone", [p[2] for p in parsed])):
        if len(set(values)) != len(values):
            errors[key] = "三员分立：三位管理员须为三个不同的人（用户名、身份证号码、手机号码均不能相同）"
    if errors:
        field, message = next(iter(errors.items()))
        raise ValidationFailed(message, code="admin_separation", field=field)
    with transaction.atomic():
        if RoleGrant.objects.filter(role__in=ADMIN_ROLES).exists():
            raise Conflict("该区已初始化（已有管理员）；请由安全管理员在“工作人员账户”中管理账户")
        district, _ = District.objects.get_or_create(code=code, defaults={"name": name})
        if district.name != name:
            district.name = name
            district.save(update_fields=["name"])
        users = []
        for a, info, phone, username in parsed:
            if User.objects.filter(Q(username=username) | Q(id_number_index=account_services.id_number_index(info.number))
                                   | Q(phone_index=account_services.phone_index(phone))).exists():
                raise ValidationFailed(f"{Role(a.role).label}：该用户名、身份证号码或手机号码已有账户", field="username")
            user = User(username=username, real_name=a.real_name.strip(), id_number=info.number,
                        id_number_index=account_services.id_number_index(info.number), phone=phone,
                        phone_index=account_services.phone_index(phone), birth_date=info.birth_date, sex=info.sex,
                        must_change_password=True)
            user.set_password(a.password)
            user.save()
            RoleGrant.objects.create(user=user, role=a.role)
            audit.record(AuditEvent.Action.BOOTSTRAP, target=user, detail={"role": a.role, "district": district.code})
            users.append(user)
    return district, users


# --- 2. imports --------------------------------------------------------------------------------

ALLOWED_FORMATS = {ImportKind.TREE: ("xlsx", "csv"), ImportKind.STAFF: ("xlsx", "csv"),
                   ImportKind.RESIDENTS: ("xlsx", "csv"), ImportKind.HISTORY: ("jsonl",)}


def _require_sysadmin(actor: User) -> None:
    if not scope.scope_for(actor, "sysadmin").everything:
        raise PermissionRefused("只有系统管理员可以导入数据")


def upload_import(*, actor: User, kind: str, file_name: str, data: bytes, request: HttpRequest | None = None) -> ImportJob:
    """Keep the file (encrypted) and queue its dry run in the worker; the page shows its progress."""
    _require_sysadmin(actor)
    if kind not in ImportKind.values:
        raise ValidationFailed("请选择导入内容", field="kind")
    try:
        file_format = tabular.format_of(file_name)
    except tabular.FileProblem as exc:
        raise ValidationFailed(str(exc), code=OperationsError.BAD_FILE, field="file") from exc
    if file_format not in ALLOWED_FORMATS[ImportKind(kind)]:
        raise ValidationFailed("该导入只接受" + "、".join("." + f for f in ALLOWED_FORMATS[ImportKind(kind)]) + "文件",
                               code=OperationsError.BAD_FILE, field="file")
    if not data:
        raise ValidationFailed("文件是空的", code=OperationsError.BAD_FILE, field="file")
    if len(data) > filestore.MAX_UPLOAD_BYTES:
        raise ValidationFailed("文件过大（最大200MB），请拆分后分批导入或使用命令行导入", code=OperationsError.FILE_TOO_LARGE, field="file")
    if file_format != "jsonl":
        try:  # the headers now, so a wrong file is told at once
            next(iter(tabular.read_rows(data, file_format, _columns(kind))), None)
        except tabular.FileProblem as exc:
            raise ValidationFailed(str(exc), code=OperationsError.BAD_FILE, field="file") from exc
    with transaction.atomic():
        job = ImportJob.objects.create(
            kind=kind, status=ImportJob.Status.QUEUED, file_name=file_name[-200:], file_format=file_format,
            file_blob=filestore.seal(data), file_sha256=filestore.digest(data), created_by=actor,
            created_at=clock.now(), rows_total=tabular.count_rows(data, file_format))
        outbox.enqueue(kind=jobs.IMPORT_KIND, payload={"job": job.pk, "dry_run": True},
                       idempotency_key=f"operations.import:{job.pk}:dry")
        audit.record(AuditEvent.Action.IMPORT, actor=actor, target=job,
                     detail={"op": "upload", "kind": kind, "rows": job.rows_total}, request=request)
    return job


def _columns(kind: str) -> Any:
    from .importers import columns_for

    return columns_for(kind)


def confirm_import(*, actor: User, job_id: int, request: HttpRequest | None = None) -> ImportJob:
    """After a dry run: write the valid rows (in the worker); rows with problems are skipped."""
    with transaction.atomic():
        job, access = policies.access_import_job(actor, job_id, for_update=True)
        if not access.can_confirm:
            raise ValidationFailed("请等待预检完成后再确认导入", code=OperationsError.NOT_CHECKED)
        job.status = ImportJob.Status.QUEUED
        job.rows_done = 0
        job.counts = {}
        job.save(update_fields=["status", "rows_done", "counts"])
        outbox.enqueue(kind=jobs.IMPORT_KIND, payload={"job": job.pk, "dry_run": False},
                       idempotency_key=f"operations.import:{job.pk}:run")
        audit.record(AuditEvent.Action.IMPORT, actor=actor, target=job, detail={"op": "confirm", "kind": job.kind},
                     request=request)
    return job


def cancel_import(*, actor: User, job_id: int, request: HttpRequest | None = None) -> ImportJob:
    with transaction.atomic():
        job, access = policies.access_import_job(actor, job_id, for_update=True)
        if not access.can_cancel:
            raise ValidationFailed("该导入任务已在进行或已结束，不能取消", code=OperationsError.JOB_FINISHED)
        job.status = ImportJob.Status.CANCELLED
        job.file_blob = None  # nothing of the file stays
        job.finished_at = clock.now()
        job.save(update_fields=["status", "file_blob", "finished_at"])
        audit.record(AuditEvent.Action.IMPORT, actor=actor, target=job, detail={"op": "cancel"}, request=request)
    return job


# --- 3. places ---------------------------------------------------------------------------------

def _name(value: str) -> str:
    value = (value or "").strip()
    if not value:
        raise ValidationFailed("请填写名称", field="name")
    if len(value) > NAME_MAX:
        raise ValidationFailed(f"名称不能超过{NAME_MAX}个字", field="name")
    return value


def rename_place(*, actor: User, level: str, place_id: int, name: str, request: HttpRequest | None = None) -> Any:
    """Rename a subdistrict, community or estate; the name must be free among its siblings."""
    name = _name(name)
    with transaction.atomic():
        place: Subdistrict | Community | Estate
        if level == "subdistrict":
            place = policies.access_subdistrict(actor, place_id, for_update=True)
            clash = Subdistrict.objects.filter(district_id=place.district_id, name=name)
        elif level == "community":
            place = policies.access_community(actor, place_id, for_update=True)
            clash = Community.objects.filter(subdistrict_id=place.subdistrict_id, name=name)  # type: ignore[assignment]
        elif level == "estate":
            place = policies.access_estate(actor, place_id, for_update=True)
            clash = Estate.objects.filter(community_id=place.community_id, name=name)  # type: ignore[assignment]
        else:
            raise NotFound(policies.PLACE_NOT_FOUND)
        if clash.exclude(pk=place.pk).exists():
            raise ValidationFailed("同一上级下已有同名辖区", code=OperationsError.PLACE_CONFLICT, field="name")
        old = place.name
        place.name = name
        place.save(update_fields=["name"])
        audit.record(AuditEvent.Action.PLACE, actor=actor, target=place, detail={"op": "rename", "from": old, "to": name},
                     request=request)
    return place


def _models_pointing_at(model: type[models.Model]) -> list[tuple[type[models.Model], str]]:
    out = []
    for m in apps.get_models():
        for f in m._meta.concrete_fields:
            if f.is_relation and f.related_model is model and m is not CommunityStats:
                out.append((m, f.name))
    return out


def _has_field(model: type[models.Model], name: str) -> bool:
    try:
        f = model._meta.get_field(name)
    except Exception:
        return False
    return bool(f.is_relation and f.related_model is Subdistrict)


def _affected_users(community_id: int) -> set[int]:
    return set(RoleGrant.objects.filter(community_id=community_id).values_list("user_id", flat=True))


def move_community(*, actor: User, community_id: int, subdistrict_id: int, request: HttpRequest | None = None) -> Community:
    """Move a community, with everything in it, to another subdistrict.

    The community keeps its id, estates, people and history; every row that also names the
    subdistrict (grants, cases, letters, rollups …) follows, so scopes and figures stay right.
    """
    with transaction.atomic():
        comm = policies.access_community(actor, community_id, for_update=True)
        target = policies.access_subdistrict(actor, subdistrict_id)
        if target.pk == comm.subdistrict_id:
            raise ValidationFailed("该居村委已在这个街镇", field="subdistrict")
        if Community.objects.filter(subdistrict=target, name=comm.name).exists():
            raise ValidationFailed("目标街镇下已有同名居村委，请先改名或合并", code=OperationsError.PLACE_CONFLICT,
                                   field="subdistrict")
        old = comm.subdistrict_id
        comm.subdistrict = target
        comm.save(update_fields=["subdistrict"])
        moved: Counter[str] = Counter()
        for model, field in _models_pointing_at(Community) + [(CommunityStats, "community")]:
            if _has_field(model, "subdistrict"):
                moved[model._meta.label] += model._default_manager.filter(**{field: comm.pk}).update(subdistrict_id=target.pk)
        users = _affected_users(comm.pk)
        audit.record(AuditEvent.Action.PLACE, actor=actor, target=comm,
                     detail={"op": "move", "from": old, "to": target.pk, "rows": sum(moved.values())}, request=request)
    for uid in users:
        identity.forget(uid)
    return comm


# Rollups keyed by community: folded (numbers added) instead of moved when both sides have a row.
def _fold(model: type[models.Model], field: str, source: Community, target: Community) -> None:
    numbers = [f.name for f in model._meta.concrete_fields
               if isinstance(f, models.IntegerField) and not f.is_relation and not f.primary_key]
    keys = next(([k for k in c.fields if k != field] for c in model._meta.constraints
                 if isinstance(c, models.UniqueConstraint) and field in c.fields), [])
    for row in model._default_manager.filter(**{field: source.pk}):
        twin = model._default_manager.filter(**{field: target.pk}, **{k: getattr(row, model._meta.get_field(k).attname)  # type: ignore[union-attr]
                                                              for k in keys}).first()
        if twin is None:
            model._default_manager.filter(pk=row.pk).update(**{field: target.pk}, **(
                {"subdistrict_id": target.subdistrict_id} if _has_field(model, "subdistrict") else {}))
        else:
            model._default_manager.filter(pk=twin.pk).update(**{n: F(n) + getattr(row, n) for n in numbers})
            model._default_manager.filter(pk=row.pk).delete()


def merge_communities(*, actor: User, source_id: int, target_id: int, request: HttpRequest | None = None) -> Community:
    """Merge community `source` into `target` (居委/村委 of one kind): every estate, person, post,
    case, letter and figure moves over; `source` is then deleted.

    A person who belongs to both keeps one membership and one grant of each role. Estates of the
    same name become one. All or nothing: a conflict rolls the whole merge back.
    """
    if source_id == target_id:
        raise ValidationFailed("不能与自身合并", code=OperationsError.MERGE_SELF, field="target")
    try:
        with transaction.atomic():
            source = policies.access_community(actor, source_id, for_update=True)
            target = policies.access_community(actor, target_id, for_update=True)
            if source.kind != target.kind:
                raise ValidationFailed("居委和村委不能合并", code=OperationsError.MERGE_KIND, field="target")
            users = _affected_users(source.pk) | _affected_users(target.pk)
            # 小区群 follow their community and estates: the unread-group badges over both are computed again.
            chat_selectors.touch_places(community_ids=[source.pk, target.pk], estate_ids=[
                *source.estates.values_list("pk", flat=True), *target.estates.values_list("pk", flat=True)])
            # Estates: same name → one estate (its group and memberships follow); else moved over.
            target_estates = {e.name: e for e in target.estates.all()}
            for estate in list(source.estates.all()):
                twin = target_estates.get(estate.name)
                if twin is None:
                    estate.community = target
                    estate.save(update_fields=["community"])
                    continue
                _merge_estate(estate, twin)
            # People: drop the source's duplicates of what the target has.
            _drop_duplicate_people(source, target)
            rollups = {"CommunityStats", "RatingStat", "VisitStats", "PointsStats", "LetterStat", "ItemVillageStats"}
            for model, field in _models_pointing_at(Community):
                if model is Estate:
                    continue
                if model in (PopulationStat, PopulationDay, MemberDay):  # recomputed for the target below (keyed by days)
                    model._default_manager.filter(**{field: source.pk}).delete()
                    continue
                if model.__name__ in rollups:
                    _fold(model, field, source, target)
                    continue
                extra = {"subdistrict_id": target.subdistrict_id} if _has_field(model, "subdistrict") else {}
                model._default_manager.filter(**{field: source.pk}).update(**{field: target.pk}, **extra)
            for field in ("communities",):  # charity's many-to-many of covered communities
                for model in apps.get_models():
                    m2m = next((f for f in model._meta.many_to_many if f.name == field and f.related_model is Community), None)
                    if m2m is not None:
                        through: Any = m2m.remote_field.through
                        through._default_manager.filter(community_id=source.pk).exclude(
                            **{f"{m2m.m2m_field_name()}__in": through._default_manager.filter(community_id=target.pk).values(
                                m2m.m2m_field_name())}).update(community_id=target.pk)
                        through._default_manager.filter(community_id=source.pk).delete()
            CommunityStats.objects.filter(community=source).delete()
            _recount(target)
            population.refresh([target.pk])
            versioned.touch(*CASES_KEPT_FIGURES)  # the cases moved by a queryset update: 数据's kept figures
            # the source's population and member-day rows were deleted above, not through population's writes
            versioned.touch(population.POPULATION_CHANGED, population.MEMBERS_PAST_CHANGED)
            name = source.name
            source.delete()
            audit.record(AuditEvent.Action.PLACE, actor=actor, target=target,
                         detail={"op": "merge", "from": source_id, "from_name": name}, request=request)
    except IntegrityError as exc:
        raise Conflict("合并失败：两个居村委的数据存在无法自动合并的冲突，未做任何改动") from exc
    for uid in users:
        identity.forget(uid)
    return target


def _merge_estate(estate: Estate, twin: Estate) -> None:
    from shequtong.chats.models import GroupChat, GroupMember

    # The twin keeps its 小区群, which the source estate's people join with their grants (moved below).
    # The source estate's 小区群 and its history stay readable as a committee group (居委建群) listing
    # the people who lived in that estate; residents' groups (居民建群) follow their people to the twin.
    old = list(GroupChat.objects.filter(estate=estate, kind=GroupChat.Kind.ESTATE))
    if old:
        people = set(RoleGrant.objects.filter(estate=estate, role__in=sorted(roles_with("member")))
                     .values_list("user_id", flat=True))
        GroupChat.objects.filter(pk__in=[g.pk for g in old]).update(estate=None, kind=GroupChat.Kind.CUSTOM)
        now = clock.now()
        GroupMember.objects.bulk_create([GroupMember(group=g, user_id=uid, added_at=now) for g in old for uid in people],
                                        ignore_conflicts=True)
    GroupChat.objects.filter(estate=estate, kind=GroupChat.Kind.RESIDENT).update(estate=twin)
    for model, field in _models_pointing_at(Estate):
        if model is GroupChat:
            continue
        if model is RoleGrant:
            dupes = RoleGrant.objects.filter(estate=twin).values_list("user_id", "role")
            for uid, role in list(dupes):
                RoleGrant.objects.filter(estate=estate, user_id=uid, role=role).delete()
        model._default_manager.filter(**{field: estate.pk}).update(**{field: twin.pk})
    estate.delete()


def _drop_duplicate_people(source: Community, target: Community) -> None:
    from shequtong.accounts.models import Membership

    open_statuses = [Membership.Status.PENDING, Membership.Status.APPROVED]
    both = Membership.objects.filter(community=target, status__in=open_statuses).values("user_id")
    Membership.objects.filter(community=source, status__in=open_statuses, user_id__in=both).delete()
    for role, uid in list(RoleGrant.objects.filter(community=target).values_list("role", "user_id")):
        RoleGrant.objects.filter(community=source, role=role, user_id=uid).delete()


def _recount(community: Community) -> None:
    """CommunityStats from the grants themselves (after a merge removed duplicates)."""
    counts = dict(RoleGrant.objects.filter(community=community, role__in=[Role.RESIDENT, Role.PARTY_MEMBER])
                  .values_list("role").annotate(n=Count("id")).values_list("role", "n"))
    CommunityStats.objects.update_or_create(community=community, defaults={
        "subdistrict_id": community.subdistrict_id, "residents": counts.get(Role.RESIDENT, 0),
        "party_members": counts.get(Role.PARTY_MEMBER, 0)})


# --- 3. staff accounts ---------------------------------------------------------------------------

def set_account_active(*, actor: User, user_id: int, active: bool, reason: str = "",
                       request: HttpRequest | None = None) -> User:
    """Disable (or enable again) a staff account: it can no longer sign in; its API tokens are revoked."""
    reason = reason.strip()[:200]
    if not active and not reason:
        raise ValidationFailed("请填写停用原因", field="reason")
    with transaction.atomic():
        user, access = policies.access_staff_account(actor, user_id, for_update=True)
        if access.is_self:
            raise PermissionRefused("不能停用或启用自己的账户", code=OperationsError.ACCOUNT_SELF)
        if user.is_active == active:
            raise ValidationFailed("该账户已是" + ("启用" if active else "停用") + "状态")
        user.is_active = active
        user.save(update_fields=["is_active"])
        if not active:
            # Open sessions end too: the auth backend refuses an inactive user on the next request.
            account_services.revoke_all_api_tokens(user_id=user.pk, reason="account disabled")
        audit.record(AuditEvent.Action.ACCOUNT, actor=actor, target=user,
                     detail={"op": "enable" if active else "disable", "reason": reason}, request=request)
    identity.forget(user.pk)
    return user


def reset_password(*, actor: User, user_id: int, request: HttpRequest | None = None) -> str:
    """A new random password for a staff member, shown once to the security administrator.

    The person must change it at the next sign-in; their second factor stays as it is.
    """
    with transaction.atomic():
        user, access = policies.access_staff_account(actor, user_id, for_update=True)
        if not access.can_reset_password:
            raise PermissionRefused("不能重置自己的密码，请在“我的”中修改", code=OperationsError.ACCOUNT_SELF)
        password = initial_password()
        user.set_password(password)
        user.must_change_password = True
        user.save(update_fields=["password", "password_changed_at", "must_change_password"])
        # Sessions signed with the old password hash end by themselves (Django's session auth hash).
        ApiToken.objects.filter(user=user, revoked_at__isnull=True).update(revoked_at=clock.now())
        audit.record(AuditEvent.Action.ACCOUNT, actor=actor, target=user, detail={"op": "reset_password"}, request=request)
    identity.forget(user.pk)
    return password


def transfer_roles(*, actor: User, from_user_id: int, to_username: str, grant_ids: list[int],
                   request: HttpRequest | None = None) -> list[RoleGrant]:
    """Hand some of a staff member's work roles to another person (a handover): granted to the
    new holder, then revoked from the old one, in one transaction. 三员分立 holds throughout."""
    if not grant_ids:
        raise ValidationFailed("请选择要移交的角色", field="grants")
    with transaction.atomic():
        source, access = policies.access_staff_account(actor, from_user_id, for_update=True)
        if not access.can_transfer:
            raise PermissionRefused("不能移交自己的角色", code=OperationsError.ACCOUNT_SELF)
        to = User.objects.filter(username=to_username.strip()).first() if to_username.strip() else None
        if to is None or not to.is_active:
            raise ValidationFailed("接收人用户名不存在或已停用", field="to_username")
        if to.pk == source.pk:
            raise ValidationFailed("接收人不能是原持有人", field="to_username")
        grants = [g for g in policies.work_grants(source.pk) if g.pk in set(grant_ids)]
        if len(grants) != len(set(grant_ids)):
            raise NotFound(policies.ACCOUNT_NOT_FOUND)
        made = []
        for g in grants:
            made.append(account_services.grant_role(actor=actor, user=to, role=g.role, subdistrict=g.subdistrict,
                                                    community=g.community, estate=g.estate, request=request))
            account_services.revoke_role(actor=actor, grant_id=g.pk, request=request)
        audit.record(AuditEvent.Action.ACCOUNT, actor=actor, target=source,
                     detail={"op": "transfer_roles", "to": to.pk, "roles": [g.role for g in grants]}, request=request)
    identity.forget(source.pk)
    identity.forget(to.pk)
    return made


# --- 3. the audit log --------------------------------------------------------------------------

AUDIT_EXPORT_LIMIT = 50_000
AUDIT_HEADERS = ["时间", "操作人", "操作", "结果", "对象", "详情", "IP地址", "本行哈希"]


def audit_row(e: AuditEvent) -> list[Any]:
    from .selectors import FAILED_ACTIONS

    return [
        timezone.localtime(e.created_at).strftime("%Y-%m-%d %H:%M:%S"),
        (e.actor.username if e.actor_id and e.actor is not None else "系统"),
        e.get_action_display(), "失败" if e.action in FAILED_ACTIONS else "成功",
        f"{e.target_type}#{e.target_id}" if e.target_type else "", audit_detail_text(e.detail), e.ip or "", e.row_hash,
    ]


def audit_detail_text(detail: Any) -> str:
    if not detail:
        return ""
    if isinstance(detail, dict):
        return "；".join(f"{k}={v}" for k, v in detail.items())[:500]
    return str(detail)[:500]


def export_audit_log(*, actor: User, filters: Any, request: HttpRequest | None = None) -> bytes:
    """The filtered audit log as XLSX (newest first, at most AUDIT_EXPORT_LIMIT rows); the export is itself logged."""
    from shequtong.common.export import XlsxWriter

    from . import selectors

    events = selectors.audit_events(actor, filters)
    out = XlsxWriter("审计日志", AUDIT_HEADERS)
    n = 0
    for e in events[:AUDIT_EXPORT_LIMIT].iterator(chunk_size=2000):
        out.append(audit_row(e))
        n += 1
    audit.record(AuditEvent.Action.EXPORT, actor=actor, detail={"what": "audit_log", "rows": n,
                                                               "filters": {k: str(v) for k, v in filters.__dict__.items() if v}},
                 request=request)
    return out.getvalue()
