"""Every state change of 社会公益服务项目管理平台: one function per user action.

Each authorises through ``policies`` (the rule pages read too), runs in a
transaction, writes the project's history (``ProjectEvent``) and, where
someone must be told, a 信箱 notice in the same transaction.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from typing import Any

from django.db import models, transaction

from shequtong.accounts import scope
from shequtong.accounts.models import User
from shequtong.accounts.roles import roles_with
from shequtong.common import clock
from shequtong.common.errors import Conflict, NotFound, PermissionRefused, ValidationFailed
from shequtong.inbox import services as inbox_services
from shequtong.places.models import Community
from shequtong.points import services as points

from . import progress as progress_rollup
from .errors import CharityError
from .images import check_image
from .models import (
    Audience,
    BindingStatus,
    BookingStatus,
    CharityProject,
    Milestone,
    ProgressPhoto,
    ProgressReport,
    ProjectEvent,
    ProjectReview,
    ProjectStatus,
    ReviewStatus,
    ServiceCategory,
    ServiceSite,
    ServiceSlot,
    SiteBinding,
    SlotBooking,
)
from .policies import (
    access_binding_to_review,
    access_booking,
    access_milestone,
    access_own_binding,
    access_own_project,
    access_project_to_review,
    access_report,
    access_review_to_moderate,
    access_site,
    access_slot,
)

TITLE_MAX = 60
SERVICES_MAX = 500
DESCRIPTION_MAX = 5000
REASON_MAX = 200
MAX_COMMUNITIES = 50


@dataclass(frozen=True)
class ProjectInput:
    title: str
    category: str
    services: str
    audience: tuple[str, ...]
    community_ids: tuple[int, ...]
    starts_on: dt.date
    ends_on: dt.date
    description: str
    cover: Any = None          # an UploadedFile, or None to keep the current cover
    remove_cover: bool = False


# --- helpers -------------------------------------------------------------------

def _event(project: CharityProject, actor: User | None, kind: str, note: str = "", **extra: Any) -> ProjectEvent:
    return ProjectEvent.objects.create(project=project, actor=actor, kind=kind, note=note[:2000], created_at=clock.now(),
                                       **extra)


def _fail(errors: dict[str, str]) -> None:
    if errors:
        name, message = next(iter(errors.items()))
        err = ValidationFailed(message, field=name)
        err.errors = errors  # type: ignore[attr-defined]
        raise err


def organisation_community(actor: User) -> Community:
    """Where the actor works as a social organisation (its first social_org grant on a community)."""
    org_roles = roles_with("social_org")
    for g in scope.grants_of(actor):
        if g.role in org_roles and g.community_id:
            return g.community  # type: ignore[no-any-return]
    raise PermissionRefused("只有社会组织可以进行此操作", code=CharityError.NOT_AN_ORGANISATION)


def servable_communities(actor: User) -> Any:
    """The communities an organisation's project or site may serve: those of its own subdistrict."""
    home = organisation_community(actor)
    return Community.objects.filter(subdistrict_id=home.subdistrict_id).order_by("id")


def _reason(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed("请填写不通过原因", field="reason")
    if len(reason) > REASON_MAX:
        raise ValidationFailed(f"不通过原因不能超过{REASON_MAX}字", field="reason")
    return reason


def _notify(recipient: Any, subject: str, body: str, link: str) -> None:
    inbox_services.send_system_message(recipient=recipient, subject=subject[:120], body=body, link=link)


# --- projects (CP-1) ---------------------------------------------------------------

def _clean_project(actor: User, data: ProjectInput) -> tuple[Community, list[Community]]:
    home = organisation_community(actor)
    errors: dict[str, str] = {}
    title = data.title.strip()
    if not title:
        errors["title"] = "请输入项目名称"
    elif len(title) > TITLE_MAX:
        errors["title"] = f"项目名称不能超过{TITLE_MAX}字"
    if data.category not in ServiceCategory.values:
        errors["category"] = "请选择服务类别"
    services = data.services.strip()
    if not services:
        errors["services"] = "请填写服务项目"
    elif len(services) > SERVICES_MAX:
        errors["services"] = f"服务项目不能超过{SERVICES_MAX}字"
    if not data.audience:
        errors["audience"] = "请选择服务对象"
    elif any(a not in Audience.values for a in data.audience):
        errors["audience"] = "服务对象无效"
    ids = sorted(set(data.community_ids))
    communities = list(Community.objects.filter(pk__in=ids, subdistrict_id=home.subdistrict_id).order_by("id"))
    if not ids:
        errors["communities"] = "请选择服务社区"
    elif len(ids) > MAX_COMMUNITIES:
        errors["communities"] = f"服务社区最多选择{MAX_COMMUNITIES}个"
    elif len(communities) != len(ids):
        errors["communities"] = "服务社区须在本组织所在街镇内"
    if data.ends_on < data.starts_on:
        errors["ends_on"] = "结束日期不能早于开始日期"
    description = data.description.strip()
    if not description:
        errors["description"] = "请填写项目介绍"
    elif len(description) > DESCRIPTION_MAX:
        errors["description"] = f"项目介绍不能超过{DESCRIPTION_MAX}字"
    _fail(errors)
    return home, communities


def _apply_project(project: CharityProject, data: ProjectInput) -> None:
    project.title = data.title.strip()
    project.category = data.category
    project.services = data.services.strip()
    project.audience = [a for a in Audience.values if a in set(data.audience)]
    project.starts_on = data.starts_on
    project.ends_on = data.ends_on
    project.description = data.description.strip()
    if data.cover is not None:
        clean = check_image(data.cover, field="cover")
        if project.cover:
            old = project.cover
            name, storage = old.name, old.storage
            transaction.on_commit(lambda: storage.delete(name))
        project.cover.save(f"{uuid.uuid4().hex}.{(clean.name or 'image.png').rsplit('.', 1)[-1]}", clean, save=False)
    elif data.remove_cover and project.cover:
        name, storage = project.cover.name, project.cover.storage
        transaction.on_commit(lambda: storage.delete(name))
        project.cover = ""  # type: ignore[assignment]
    project.updated_at = clock.now()


def create_project(*, actor: User, data: ProjectInput, submit: bool = False) -> CharityProject:
    """新建社会公益服务项目: a draft, or submitted for review straight away."""
    home, communities = _clean_project(actor, data)
    with transaction.atomic():
        project = CharityProject(organisation=actor, community=home, subdistrict_id=home.subdistrict_id,
                                 created_at=clock.now())
        _apply_project(project, data)
        project.save()
        project.communities.set(communities)
        _event(project, actor, ProjectEvent.Kind.CREATED)
        if submit:
            _submit(project, actor)
    return project


def update_project(*, actor: User, project_id: int, data: ProjectInput, submit: bool = False) -> CharityProject:
    """修改社会公益服务项目: a draft, a rejected project, or an approved one (the change is in its history)."""
    _, communities = _clean_project(actor, data)
    with transaction.atomic():
        project, access = access_own_project(actor, project_id)
        if not access.can_edit:
            raise Conflict("项目正在审核中，请先撤回再修改", code=CharityError.NOT_EDITABLE)
        _apply_project(project, data)
        project.save()
        project.communities.set(communities)
        _event(project, actor, ProjectEvent.Kind.UPDATED)
        if submit and project.status != ProjectStatus.APPROVED:
            _submit(project, actor)
    return project


def _submit(project: CharityProject, actor: User) -> None:
    project.status = ProjectStatus.SUBMITTED
    project.submitted_at = clock.now()
    project.updated_at = project.submitted_at
    project.save(update_fields=["status", "submitted_at", "updated_at"])
    _event(project, actor, ProjectEvent.Kind.SUBMITTED)


def submit_project(*, actor: User, project_id: int) -> CharityProject:
    """提交审核社会公益服务项目 to the service centre."""
    with transaction.atomic():
        project, access = access_own_project(actor, project_id)
        if not access.can_submit:
            raise Conflict("只有草稿或审核不通过的项目可以提交审核", code=CharityError.NOT_SUBMITTABLE)
        _submit(project, actor)
    return project


def withdraw_project(*, actor: User, project_id: int) -> CharityProject:
    """撤回提交审核社会公益服务项目的申请: back to draft, before the centre decides."""
    with transaction.atomic():
        project, access = access_own_project(actor, project_id)
        if not access.can_withdraw:
            raise Conflict("项目不在待审核状态，无法撤回", code=CharityError.NOT_SUBMITTED)
        project.status = ProjectStatus.DRAFT
        project.updated_at = clock.now()
        project.save(update_fields=["status", "updated_at"])
        _event(project, actor, ProjectEvent.Kind.WITHDRAWN)
    return project


def approve_project(*, actor: User, project_id: int) -> CharityProject:
    """审核通过社会公益服务项目 (the centre covering the project's subdistrict)."""
    with transaction.atomic():
        project, access = access_project_to_review(actor, project_id)
        if not access.can_review:
            raise Conflict("项目不在待审核状态", code=CharityError.NOT_SUBMITTED)
        now = clock.now()
        project.status = ProjectStatus.APPROVED
        project.reject_reason = ""
        project.reviewed_at = now
        project.reviewed_by = actor
        project.updated_at = now
        project.save(update_fields=["status", "reject_reason", "reviewed_at", "reviewed_by", "updated_at"])
        _event(project, actor, ProjectEvent.Kind.APPROVED)
        _notify(project.organisation, f"公益项目审核通过：{project.title}",
                "项目已审核通过，可以上架。", project.get_absolute_url())
    return project


def reject_project(*, actor: User, project_id: int, reason: str) -> CharityProject:
    """审核不通过社会公益服务项目, with the reason the organisation reads."""
    reason = _reason(reason)
    with transaction.atomic():
        project, access = access_project_to_review(actor, project_id)
        if not access.can_review:
            raise Conflict("项目不在待审核状态", code=CharityError.NOT_SUBMITTED)
        now = clock.now()
        project.status = ProjectStatus.REJECTED
        project.reject_reason = reason
        project.reviewed_at = now
        project.reviewed_by = actor
        project.updated_at = now
        project.save(update_fields=["status", "reject_reason", "reviewed_at", "reviewed_by", "updated_at"])
        _event(project, actor, ProjectEvent.Kind.REJECTED, reason)
        _notify(project.organisation, f"公益项目审核不通过：{project.title}", f"不通过原因：{reason}",
                project.get_absolute_url())
    return project


def shelve_project(*, actor: User, project_id: int) -> CharityProject:
    """上架: residents of the communities served see the project and may book."""
    with transaction.atomic():
        project, access = access_own_project(actor, project_id)
        if not access.can_shelve:
            raise Conflict("只有审核通过且未上架的项目可以上架", code=CharityError.SHELF_STATE)
        project.on_shelf = True
        project.updated_at = clock.now()
        project.save(update_fields=["on_shelf", "updated_at"])
        _event(project, actor, ProjectEvent.Kind.SHELVED)
    return project


def unshelve_project(*, actor: User, project_id: int, reason: str = "") -> CharityProject:
    """下架: by the organisation, or by its service centre (with a reason the organisation is told)."""
    from .policies import access_project

    with transaction.atomic():
        project, access = access_project(actor, project_id, for_update=True)
        if not (access.is_owner or access.is_centre):
            raise PermissionRefused("只有项目所属社会组织或社会组织服务中心可以下架", code=CharityError.SHELF_STATE)
        if not access.can_unshelve:
            raise Conflict("项目未上架", code=CharityError.SHELF_STATE)
        reason = (reason or "").strip()[:REASON_MAX]
        project.on_shelf = False
        project.updated_at = clock.now()
        project.save(update_fields=["on_shelf", "updated_at"])
        _event(project, actor, ProjectEvent.Kind.UNSHELVED, reason)
        if not access.is_owner:
            _notify(project.organisation, f"公益项目已被下架：{project.title}",
                    f"社会组织服务中心下架了该项目。{('原因：' + reason) if reason else ''}", project.get_absolute_url())
    return project



# --- service sites (CP-2) ---------------------------------------------------------------

@dataclass(frozen=True)
class SiteInput:
    name: str
    address: str
    community_ids: tuple[int, ...]
    opening_hours: str
    lead_name: str
    introduction: str = ""


def _clean_site(actor: User, data: SiteInput) -> tuple[Community, list[Community]]:
    home = organisation_community(actor)
    errors: dict[str, str] = {}
    for field, label, limit in (("name", "站点名称", 60), ("address", "站点地址", 200),
                                ("opening_hours", "开放时间", 100), ("lead_name", "站点负责人", 30)):
        value = getattr(data, field).strip()
        if not value:
            errors[field] = f"请填写{label}"
        elif len(value) > limit:
            errors[field] = f"{label}不能超过{limit}字"
    if len(data.introduction.strip()) > 2000:
        errors["introduction"] = "站点介绍不能超过2000字"
    ids = sorted(set(data.community_ids))
    communities = list(Community.objects.filter(pk__in=ids, subdistrict_id=home.subdistrict_id).order_by("id"))
    if not ids:
        errors["communities"] = "请选择服务社区"
    elif len(ids) > MAX_COMMUNITIES or len(communities) != len(ids):
        errors["communities"] = "服务社区须在本组织所在街镇内"
    _fail(errors)
    return home, communities


def _apply_site(site: ServiceSite, data: SiteInput) -> None:
    site.name = data.name.strip()
    site.address = data.address.strip()
    site.opening_hours = data.opening_hours.strip()
    site.lead_name = data.lead_name.strip()
    site.introduction = data.introduction.strip()
    site.updated_at = clock.now()


def create_site(*, actor: User, data: SiteInput) -> ServiceSite:
    """A new service site of the organisation; its 信箱 letters go to the organisation's account."""
    home, communities = _clean_site(actor, data)
    with transaction.atomic():
        site = ServiceSite(organisation=actor, lead=actor, community=home, subdistrict_id=home.subdistrict_id,
                           created_at=clock.now())
        _apply_site(site, data)
        site.save()
        site.communities.set(communities)
    return site


def update_site(*, actor: User, site_id: int, data: SiteInput) -> ServiceSite:
    _, communities = _clean_site(actor, data)
    with transaction.atomic():
        site, access = access_site(actor, site_id, for_update=True)
        if not access.can_edit:
            raise PermissionRefused("只有站点所属社会组织可以修改", code=CharityError.NOT_AN_ORGANISATION)
        _apply_site(site, data)
        site.save()
        site.communities.set(communities)
    return site


# --- binding a project to a site (CP-2) ---------------------------------------------------

def _clean_binding(service_time: str, note: str) -> tuple[str, str]:
    service_time, note = (service_time or "").strip(), (note or "").strip()
    errors: dict[str, str] = {}
    if not service_time:
        errors["service_time"] = "请填写服务时间"
    elif len(service_time) > 100:
        errors["service_time"] = "服务时间不能超过100字"
    if len(note) > 500:
        errors["note"] = "绑定说明不能超过500字"
    _fail(errors)
    return service_time, note


def _binding_event(binding: SiteBinding, actor: User, kind: str, note: str = "") -> None:
    _event(binding.project, actor, kind, f"{binding.site.name}{('：' + note) if note else ''}", binding=binding)


def create_binding(*, actor: User, project_id: int, site_id: int, service_time: str, note: str = "",
                   submit: bool = False) -> SiteBinding:
    """填写社会公益服务项目与社会组织服务站点绑定信息 (an approved project and one of the organisation's sites)."""
    service_time, note = _clean_binding(service_time, note)
    with transaction.atomic():
        project, access = access_own_project(actor, project_id)
        if not access.is_approved:
            raise Conflict("项目审核通过后才能绑定服务站点", code=CharityError.NOT_APPROVED)
        site, site_acc = access_site(actor, site_id)
        if not site_acc.is_owner:
            raise ValidationFailed("只能绑定本组织的服务站点", field="site")
        if SiteBinding.objects.filter(project=project, site=site).exclude(status=BindingStatus.UNBOUND).exists():
            raise Conflict("该项目已绑定或正在绑定此站点", code=CharityError.BINDING_EXISTS)
        now = clock.now()
        binding = SiteBinding.objects.create(project=project, site=site, service_time=service_time, note=note,
                                             created_at=now, updated_at=now)
        _binding_event(binding, actor, ProjectEvent.Kind.BINDING_CREATED)
        if submit:
            _submit_binding(binding, actor)
    return binding


def update_binding(*, actor: User, binding_id: int, service_time: str, note: str = "", submit: bool = False) -> SiteBinding:
    """修改绑定信息 (a draft or a rejected binding)."""
    service_time, note = _clean_binding(service_time, note)
    with transaction.atomic():
        binding, access = access_own_binding(actor, binding_id)
        if not access.can_edit:
            raise Conflict("绑定信息已提交或已绑定，不能修改", code=CharityError.BINDING_STATE)
        binding.service_time = service_time
        binding.note = note
        binding.updated_at = clock.now()
        binding.save(update_fields=["service_time", "note", "updated_at"])
        _binding_event(binding, actor, ProjectEvent.Kind.BINDING_UPDATED)
        if submit:
            _submit_binding(binding, actor)
    return binding


def _submit_binding(binding: SiteBinding, actor: User) -> None:
    binding.status = BindingStatus.SUBMITTED
    binding.submitted_at = binding.updated_at = clock.now()
    binding.save(update_fields=["status", "submitted_at", "updated_at"])
    _binding_event(binding, actor, ProjectEvent.Kind.BINDING_SUBMITTED)


def submit_binding(*, actor: User, binding_id: int) -> SiteBinding:
    """提交审核绑定信息 to the service centre."""
    with transaction.atomic():
        binding, access = access_own_binding(actor, binding_id)
        if not access.can_submit:
            raise Conflict("只有草稿或审核不通过的绑定可以提交审核", code=CharityError.BINDING_STATE)
        _submit_binding(binding, actor)
    return binding


def withdraw_binding(*, actor: User, binding_id: int) -> SiteBinding:
    """撤回提交审核绑定信息, before the centre decides."""
    with transaction.atomic():
        binding, access = access_own_binding(actor, binding_id)
        if not access.can_withdraw:
            raise Conflict("绑定不在待审核状态，无法撤回", code=CharityError.BINDING_STATE)
        binding.status = BindingStatus.DRAFT
        binding.updated_at = clock.now()
        binding.save(update_fields=["status", "updated_at"])
        _binding_event(binding, actor, ProjectEvent.Kind.BINDING_WITHDRAWN)
    return binding


def approve_binding(*, actor: User, binding_id: int) -> SiteBinding:
    """审核通过: the project is bound to the site (its slots may be opened there)."""
    with transaction.atomic():
        binding, access = access_binding_to_review(actor, binding_id)
        if not access.can_review:
            raise Conflict("绑定不在待审核状态", code=CharityError.BINDING_STATE)
        now = clock.now()
        binding.status = BindingStatus.BOUND
        binding.reject_reason = ""
        binding.reviewed_at = binding.updated_at = now
        binding.reviewed_by = actor
        binding.save(update_fields=["status", "reject_reason", "reviewed_at", "reviewed_by", "updated_at"])
        _binding_event(binding, actor, ProjectEvent.Kind.BINDING_APPROVED)
        _notify(binding.project.organisation, f"站点绑定审核通过：{binding.project.title}",
                f"项目已与站点“{binding.site.name}”完成绑定。", binding.get_absolute_url())
    return binding


def reject_binding(*, actor: User, binding_id: int, reason: str) -> SiteBinding:
    reason = _reason(reason)
    with transaction.atomic():
        binding, access = access_binding_to_review(actor, binding_id)
        if not access.can_review:
            raise Conflict("绑定不在待审核状态", code=CharityError.BINDING_STATE)
        now = clock.now()
        binding.status = BindingStatus.REJECTED
        binding.reject_reason = reason
        binding.reviewed_at = binding.updated_at = now
        binding.reviewed_by = actor
        binding.save(update_fields=["status", "reject_reason", "reviewed_at", "reviewed_by", "updated_at"])
        _binding_event(binding, actor, ProjectEvent.Kind.BINDING_REJECTED, reason)
        _notify(binding.project.organisation, f"站点绑定审核不通过：{binding.project.title}", f"不通过原因：{reason}",
                binding.get_absolute_url())
    return binding


def unbind(*, actor: User, binding_id: int) -> SiteBinding:
    """解除社会公益服务项目与社会组织服务站点的绑定 (the row stays, as history)."""
    with transaction.atomic():
        binding, access = access_own_binding(actor, binding_id)
        if not access.can_unbind:
            raise Conflict("该绑定无法解除", code=CharityError.BINDING_STATE)
        binding.status = BindingStatus.UNBOUND
        binding.updated_at = clock.now()
        binding.save(update_fields=["status", "updated_at"])
        _binding_event(binding, actor, ProjectEvent.Kind.BINDING_UNBOUND)
    return binding


# --- plan (CP-3) and progress (CP-4): the organisation, without review ---------------------

MAX_PHOTOS = 9


@dataclass(frozen=True)
class MilestoneInput:
    title: str
    target: str
    due_on: dt.date
    weight: int


def _clean_milestone(data: MilestoneInput) -> None:
    errors: dict[str, str] = {}
    if not data.title.strip():
        errors["title"] = "请填写项目节点"
    elif len(data.title.strip()) > 60:
        errors["title"] = "项目节点不能超过60字"
    if not data.target.strip():
        errors["target"] = "请填写节点目标"
    elif len(data.target.strip()) > 500:
        errors["target"] = "节点目标不能超过500字"
    if not 1 <= data.weight <= 100:
        errors["weight"] = "权重须为1到100之间的整数"
    _fail(errors)


def _plan_owner(access: Any) -> None:
    if not access.can_plan:
        if access.is_centre or access.is_observer or access.is_served:
            raise PermissionRefused("只有项目所属社会组织可以管理计划和进度", code=CharityError.NOT_AN_ORGANISATION)
        raise NotFound("项目节点不存在或您无权查看")


def recompute_progress(project: CharityProject) -> int:
    """Roll the live milestones' completion up into the project's progress (inside the caller's transaction)."""
    pairs = list(project.milestones.filter(deleted_at__isnull=True).values_list("weight", "completion"))
    value = progress_rollup.rollup(pairs)
    if value != project.progress:
        project.progress = value
        project.save(update_fields=["progress"])
    return value


def add_milestone(*, actor: User, project_id: int, data: MilestoneInput) -> Milestone:
    """增加项目节点及目标 (saved at once: 保存, no review)."""
    _clean_milestone(data)
    with transaction.atomic():
        project, access = access_own_project(actor, project_id)
        _plan_owner(access)
        now = clock.now()
        milestone = Milestone.objects.create(project=project, title=data.title.strip(), target=data.target.strip(),
                                             due_on=data.due_on, weight=data.weight, created_at=now, updated_at=now)
        _event(project, actor, ProjectEvent.Kind.MILESTONE_ADDED, f"{milestone.title}（权重{milestone.weight}）")
        recompute_progress(project)
    return milestone


def update_milestone(*, actor: User, milestone_id: int, data: MilestoneInput) -> Milestone:
    """编辑项目节点及目标, before the milestone's target is achieved."""
    _clean_milestone(data)
    with transaction.atomic():
        milestone, access = access_milestone(actor, milestone_id, for_update=True)
        _plan_owner(access)
        if milestone.is_achieved:
            raise Conflict("节点目标已达成，不能再修改", code=CharityError.NOT_EDITABLE)
        milestone.title, milestone.target = data.title.strip(), data.target.strip()
        milestone.due_on, milestone.weight = data.due_on, data.weight
        milestone.updated_at = clock.now()
        milestone.save(update_fields=["title", "target", "due_on", "weight", "updated_at"])
        _event(milestone.project, actor, ProjectEvent.Kind.MILESTONE_UPDATED, f"{milestone.title}（权重{milestone.weight}）")
        recompute_progress(milestone.project)
    return milestone


def delete_milestone(*, actor: User, milestone_id: int) -> None:
    """删除项目节点及目标: it leaves the plan and the roll-up; its reports stay as history."""
    with transaction.atomic():
        milestone, access = access_milestone(actor, milestone_id, for_update=True)
        _plan_owner(access)
        milestone.deleted_at = clock.now()
        milestone.save(update_fields=["deleted_at"])
        _event(milestone.project, actor, ProjectEvent.Kind.MILESTONE_DELETED, milestone.title)
        recompute_progress(milestone.project)


def _clean_report(completion: int, evidence: str) -> str:
    errors: dict[str, str] = {}
    if not 0 <= completion <= 100:
        errors["completion"] = "完成度须为0到100之间的整数"
    evidence = (evidence or "").strip()
    if not evidence:
        errors["evidence"] = "请填写完成情况说明"
    elif len(evidence) > 2000:
        errors["evidence"] = "完成情况说明不能超过2000字"
    _fail(errors)
    return evidence


def _refresh_completion(milestone: Milestone) -> None:
    latest = milestone.reports.filter(deleted_at__isnull=True).order_by("-created_at", "-id").first()
    milestone.completion = latest.completion if latest else 0
    milestone.save(update_fields=["completion"])


def save_progress(*, actor: User, milestone_id: int, completion: int, evidence: str, photos: list[Any] | None = None
                  ) -> ProgressReport:
    """保存节点目标完成情况: completion %, evidence and photos; the milestone takes the new completion."""
    evidence = _clean_report(completion, evidence)
    photos = photos or []
    if len(photos) > MAX_PHOTOS:
        raise ValidationFailed(f"最多上传{MAX_PHOTOS}张照片", field="photos")
    clean = [check_image(f, field="photos") for f in photos]
    with transaction.atomic():
        milestone, access = access_milestone(actor, milestone_id, for_update=True)
        _plan_owner(access)
        now = clock.now()
        report = ProgressReport.objects.create(milestone=milestone, project=milestone.project, completion=completion,
                                               evidence=evidence, created_by=actor, created_at=now, updated_at=now)
        for image in clean:
            photo = ProgressPhoto(report=report)
            photo.image.save(f"{uuid.uuid4().hex}.{(image.name or 'x.png').rsplit('.', 1)[-1]}", image, save=False)
            photo.save()
        _refresh_completion(milestone)
        _event(milestone.project, actor, ProjectEvent.Kind.PROGRESS_SAVED, f"{milestone.title}：{completion}%")
        recompute_progress(milestone.project)
    return report


def update_progress(*, actor: User, report_id: int, completion: int, evidence: str) -> ProgressReport:
    """修改节点目标完成情况; the history records the completion before and after."""
    evidence = _clean_report(completion, evidence)
    with transaction.atomic():
        report, access = access_report(actor, report_id, for_update=True)
        _plan_owner(access)
        before = report.completion
        report.completion, report.evidence, report.updated_at = completion, evidence, clock.now()
        report.save(update_fields=["completion", "evidence", "updated_at"])
        milestone = Milestone.objects.select_for_update().get(pk=report.milestone_id)
        _refresh_completion(milestone)
        _event(report.project, actor, ProjectEvent.Kind.PROGRESS_UPDATED, f"{milestone.title}：{before}% → {completion}%")
        recompute_progress(report.project)
    return report


def delete_progress(*, actor: User, report_id: int) -> None:
    """删除节点目标完成情况: the report leaves the timeline, the history keeps it."""
    with transaction.atomic():
        report, access = access_report(actor, report_id, for_update=True)
        _plan_owner(access)
        report.deleted_at = clock.now()
        report.save(update_fields=["deleted_at"])
        milestone = Milestone.objects.select_for_update().get(pk=report.milestone_id)
        _refresh_completion(milestone)
        _event(report.project, actor, ProjectEvent.Kind.PROGRESS_DELETED, f"{milestone.title}：{report.completion}%")
        recompute_progress(report.project)


# --- residents: slots, bookings, reviews, letters to the site lead (CP-7) ---------------------

SLOT_CAPACITY_MAX = 500
REVIEW_MAX = 1000


def open_slot(*, actor: User, binding_id: int, title: str, starts_at: dt.datetime, ends_at: dt.datetime,
              capacity: int) -> ServiceSlot:
    """开放服务预约: a time with a number of places, at a site the project is bound to."""
    title = (title or "").strip()
    errors: dict[str, str] = {}
    if not title:
        errors["title"] = "请填写服务内容"
    elif len(title) > 60:
        errors["title"] = "服务内容不能超过60字"
    if starts_at <= clock.now():
        errors["starts_at"] = "开始时间须晚于现在"
    if ends_at <= starts_at:
        errors["ends_at"] = "结束时间须晚于开始时间"
    if not 1 <= capacity <= SLOT_CAPACITY_MAX:
        errors["capacity"] = f"名额须为1到{SLOT_CAPACITY_MAX}之间的整数"
    _fail(errors)
    with transaction.atomic():
        binding, access = access_own_binding(actor, binding_id)
        if binding.status != BindingStatus.BOUND:
            raise Conflict("项目与站点绑定审核通过后才能开放预约", code=CharityError.BINDING_STATE)
        project = CharityProject.objects.select_for_update().get(pk=binding.project_id)
        if project.status != ProjectStatus.APPROVED:
            raise Conflict("项目审核通过后才能开放预约", code=CharityError.NOT_APPROVED)
        slot = ServiceSlot.objects.create(binding=binding, project=project, site=binding.site, title=title,
                                          starts_at=starts_at, ends_at=ends_at, capacity=capacity, created_at=clock.now())
        project.slots_count += 1
        project.save(update_fields=["slots_count"])
        _event(project, actor, ProjectEvent.Kind.SLOT_OPENED,
               f"{binding.site.name} {timezone_local(starts_at)} {title}（{capacity}个名额）")
    return slot


def timezone_local(value: dt.datetime) -> str:
    from django.utils import timezone

    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M")


def book_slot(*, actor: User, slot_id: int) -> SlotBooking:
    """预约服务: one place of a slot, for a resident of a community the project serves, before it starts.

    The slot row is locked while its places are counted, so concurrent requests never book more
    places than the slot has (tests/charity/test_booking_concurrency.py: 200 requests, 30 places).
    """
    with transaction.atomic():
        slot, access = access_slot(actor, slot_id, for_update=True)
        if not access.can_book:
            raise PermissionRefused("只有项目服务社区的居民可以预约", code=CharityError.NOT_BOOKED)
        if slot.starts_at <= clock.now():
            raise Conflict("该场次已开始，不能预约", code=CharityError.SLOT_STARTED)
        if SlotBooking.objects.filter(slot=slot, resident=actor, status=BookingStatus.BOOKED).exists():
            raise Conflict("您已预约该场次", code=CharityError.ALREADY_BOOKED)
        if slot.booked >= slot.capacity:
            raise Conflict("该场次名额已满", code=CharityError.SLOT_FULL)
        booking = SlotBooking.objects.create(slot=slot, project_id=slot.project_id, resident=actor, created_at=clock.now())
        ServiceSlot.objects.filter(pk=slot.pk).update(booked=models.F("booked") + 1)
        CharityProject.objects.filter(pk=slot.project_id).update(bookings_count=models.F("bookings_count") + 1)
    return booking


def cancel_booking(*, actor: User, booking_id: int) -> SlotBooking:
    """取消预约, before the slot starts; the place is free again."""
    with transaction.atomic():
        booking = access_booking(actor, booking_id, for_update=True)
        if booking.status != BookingStatus.BOOKED:
            raise Conflict("该预约已取消", code=CharityError.NOT_BOOKED)
        slot = ServiceSlot.objects.select_for_update().get(pk=booking.slot_id)
        if slot.starts_at <= clock.now():
            raise Conflict("服务已开始，不能取消预约", code=CharityError.SLOT_STARTED)
        booking.status = BookingStatus.CANCELLED
        booking.cancelled_at = clock.now()
        booking.save(update_fields=["status", "cancelled_at"])
        ServiceSlot.objects.filter(pk=slot.pk).update(booked=models.F("booked") - 1)
        CharityProject.objects.filter(pk=slot.project_id).update(bookings_count=models.F("bookings_count") - 1)
    return booking


def has_taken_part(actor: User, project_id: int) -> bool:
    """A live booking of the project whose slot has ended."""
    return SlotBooking.objects.filter(project_id=project_id, resident_id=actor.pk, status=BookingStatus.BOOKED,
                                      slot__ends_at__lte=clock.now()).exists()


def review_project(*, actor: User, project_id: int, stars: int, text: str) -> ProjectReview:
    """评价: 1–5 stars and a review, once per project, after taking part; shown once the centre approves it."""
    text = (text or "").strip()
    errors: dict[str, str] = {}
    if not 1 <= stars <= 5:
        errors["stars"] = "请选择1到5星评分"
    if not text:
        errors["text"] = "请填写评价内容"
    elif len(text) > REVIEW_MAX:
        errors["text"] = f"评价内容不能超过{REVIEW_MAX}字"
    _fail(errors)
    from .policies import access_project

    with transaction.atomic():
        project, access = access_project(actor, project_id)
        if not access.is_served:
            raise PermissionRefused("只有项目服务社区的居民可以评价", code=CharityError.NOT_ATTENDED)
        if not has_taken_part(actor, project.pk):
            raise Conflict("参加服务后才能评价", code=CharityError.NOT_ATTENDED)
        if ProjectReview.objects.filter(project=project, resident=actor).exists():
            raise Conflict("您已评价过该项目", code=CharityError.ALREADY_REVIEWED)
        return ProjectReview.objects.create(project=project, resident=actor, stars=stars, text=text, created_at=clock.now())


def approve_review(*, actor: User, review_id: int) -> ProjectReview:
    """The centre publishes a review; it now counts in the project's rating."""
    with transaction.atomic():
        review, access = access_review_to_moderate(actor, review_id)
        if not access.can_moderate:
            raise Conflict("该评价已审核", code=CharityError.REVIEW_STATE)
        review.status = ReviewStatus.APPROVED
        review.moderated_by, review.moderated_at = actor, clock.now()
        review.save(update_fields=["status", "moderated_by", "moderated_at"])
        CharityProject.objects.filter(pk=review.project_id).update(
            reviews_count=models.F("reviews_count") + 1, rating_total=models.F("rating_total") + review.stars)
        _event(review.project, actor, ProjectEvent.Kind.REVIEW_APPROVED, f"{review.stars}星")
    return review


def reject_review(*, actor: User, review_id: int, note: str) -> ProjectReview:
    """The centre keeps a review from being shown (advertising, abuse, personal data), with a note the author reads."""
    note = (note or "").strip()
    if not note:
        raise ValidationFailed("请填写审核意见", field="note")
    if len(note) > REASON_MAX:
        raise ValidationFailed(f"审核意见不能超过{REASON_MAX}字", field="note")
    with transaction.atomic():
        review, access = access_review_to_moderate(actor, review_id)
        if not access.can_moderate:
            raise Conflict("该评价已审核", code=CharityError.REVIEW_STATE)
        review.status = ReviewStatus.REJECTED
        review.moderation_note = note
        review.moderated_by, review.moderated_at = actor, clock.now()
        review.save(update_fields=["status", "moderation_note", "moderated_by", "moderated_at"])
        _event(review.project, actor, ProjectEvent.Kind.REVIEW_REJECTED, note)
        _notify(review.resident, f"您的评价未通过审核：{review.project.title}", f"审核意见：{note}",
                review.project.get_absolute_url())
    return review


def message_site_lead(*, actor: User, site_id: int, subject: str, body: str) -> Any:
    """Write to a site's lead in 信箱 (a resident of a community the site serves; inbox.reach allows it)."""
    site, access = access_site(actor, site_id)
    if not access.can_message_lead:
        raise PermissionRefused("只有站点服务社区的居民可以联系站点负责人", code=CharityError.NOT_AN_ORGANISATION)
    return inbox_services.send_letter(actor=actor, recipient_id=site.lead_id, subject=subject, body=body)


def lead_reach(sender: Any, recipient: Any) -> int | None:
    """inbox.reach's extra rule: a resident writes to the lead of a site serving their community (the community)."""
    member_ids = scope.scope_for(sender, "member").community_ids
    if not member_ids:
        return None
    through = ServiceSite.communities.through
    found = through.objects.filter(servicesite__lead_id=recipient.pk, community_id__in=sorted(member_ids)).order_by(
        "community_id").values_list("community_id", flat=True).first()
    return int(found) if found is not None else None


# --- 积分捐赠 (§3.4.3 item 2.7) ---------------------------------------------------------------


def donate_beans(*, actor: User, project_id: int, amount: int, note: str = "") -> Any:
    """A resident the project serves gives it 社区豆 (the points ledger records the spend; the project's tally sums them)."""
    from .policies import access_project

    with transaction.atomic():
        project, access = access_project(actor, project_id)
        if not access.can_donate:
            raise PermissionRefused("只有项目服务社区的居村民可以向已上架的项目捐赠社区豆")
        return points.donate(actor=actor, amount=amount, project_id=project.pk, project_title=project.title, note=note)
