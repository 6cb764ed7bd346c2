"""Who may do what to one public-benefit project: the single answer pages, templates and services read.

``access_project(actor, project_id)`` fetches the project and returns it with a
frozen ``ProjectAccess``. A project that does not exist and one the actor may
not read raise the same ``NotFound`` (docs/adr/0001).

Who reads a project (CP-1, CP-6, CP-7):
- its organisation, always (an organisation never sees another's drafts);
- the 社会组织服务中心 whose scope covers the project's subdistrict, once it
  has been submitted (never a draft);
- subdistrict and district observers over it, once approved;
- residents of a community it serves, while it is approved and on shelf.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import QuerySet

from shequtong.accounts import scope
from shequtong.accounts.models import User
from shequtong.common.errors import NotFound, PermissionRefused

from .errors import CharityError
from .models import (
    CENTRE_STATUSES,
    EDITABLE_STATUSES,
    BindingStatus,
    CharityProject,
    Milestone,
    ProgressPhoto,
    ProgressReport,
    ProjectReview,
    ProjectStatus,
    ServiceSite,
    ServiceSlot,
    SiteBinding,
    SlotBooking,
)

NOT_FOUND_MESSAGE = "公益项目不存在或您无权查看"
SITE_NOT_FOUND = "服务站点不存在或您无权查看"
BINDING_NOT_FOUND = "绑定信息不存在或您无权查看"


@dataclass(frozen=True)
class ProjectAccess:
    is_owner: bool      # the organisation that created it (and still holds social_org there)
    is_centre: bool     # "service_centre" covers the project's subdistrict
    is_observer: bool   # "observe" covers the project's community
    is_served: bool     # a resident ("member") of a community the project serves
    status: str
    on_shelf: bool

    @property
    def is_approved(self) -> bool:
        return self.status == ProjectStatus.APPROVED

    @property
    def can_view(self) -> bool:
        if self.is_owner:
            return True
        if self.is_centre and self.status in CENTRE_STATUSES:
            return True
        if self.is_observer and self.is_approved:
            return True
        return self.is_served and self.is_approved and self.on_shelf

    @property
    def can_edit(self) -> bool:
        return self.is_owner and self.status in EDITABLE_STATUSES

    @property
    def can_submit(self) -> bool:
        return self.is_owner and self.status in (ProjectStatus.DRAFT, ProjectStatus.REJECTED)

    @property
    def can_withdraw(self) -> bool:
        """Before the centre decides (spec 4.2.9.1.1 (4): "在没审核之前，可撤回提交审核")."""
        return self.is_owner and self.status == ProjectStatus.SUBMITTED

    @property
    def can_review(self) -> bool:
        return self.is_centre and self.status == ProjectStatus.SUBMITTED

    @property
    def can_shelve(self) -> bool:
        return self.is_owner and self.is_approved and not self.on_shelf

    @property
    def can_unshelve(self) -> bool:
        """The organisation, or its centre supervising it (§3.4.3 3.1 监督管理)."""
        return (self.is_owner or self.is_centre) and self.is_approved and self.on_shelf

    @property
    def can_plan(self) -> bool:
        """Milestones and progress (CP-3, CP-4): the organisation, without review."""
        return self.is_owner

    @property
    def can_book(self) -> bool:
        return self.is_served and self.is_approved and self.on_shelf

    @property
    def can_donate(self) -> bool:
        """积分捐赠 (§3.4.3 item 2.7): a resident it serves gives 社区豆 to a project on the shelf."""
        return self.is_served and self.is_approved and self.on_shelf and not self.is_owner

    @property
    def audience(self) -> str:
        """Which version of the page: "org", "centre", "observer" or "resident"."""
        if self.is_owner:
            return "org"
        if self.is_centre and self.status in CENTRE_STATUSES:
            return "centre"
        if self.is_observer and self.is_approved:
            return "observer"
        return "resident"


def served_ids(project: CharityProject) -> set[int]:
    cached = getattr(project, "_served_ids", None)
    if cached is None:
        cached = set(project.communities.values_list("pk", flat=True))
        project._served_ids = cached  # type: ignore[attr-defined]
    return cached


def project_access(actor: User, project: CharityProject) -> ProjectAccess:
    """What ``actor`` may do to a project already in hand."""
    where = {"community_id": project.community_id, "subdistrict_id": project.subdistrict_id}
    member_ids = scope.scope_for(actor, "member").community_ids
    return ProjectAccess(
        is_owner=project.organisation_id == getattr(actor, "pk", None) and scope.scope_for(actor, "social_org").covers(**where),
        is_centre=scope.scope_for(actor, "service_centre").covers(subdistrict_id=project.subdistrict_id),
        is_observer=scope.scope_for(actor, "observe").covers(**where),
        is_served=bool(member_ids) and bool(member_ids & served_ids(project)),
        status=project.status,
        on_shelf=project.on_shelf,
    )


def _base(for_update: bool) -> QuerySet[CharityProject]:
    if for_update:
        return CharityProject.objects.select_for_update(of=("self",)).select_related("community", "subdistrict")
    return CharityProject.objects.select_related("community", "subdistrict", "organisation", "reviewed_by")


def access_project(actor: User, project_id: int, *, for_update: bool = False) -> tuple[CharityProject, ProjectAccess]:
    """The project and what ``actor`` may do to it; NotFound when it is missing or not theirs to read."""
    project = _base(for_update).filter(pk=project_id).first()
    if project is None:
        raise NotFound(NOT_FOUND_MESSAGE)
    access = project_access(actor, project)
    if not access.can_view:
        raise NotFound(NOT_FOUND_MESSAGE)
    return project, access


def access_own_project(actor: User, project_id: int) -> tuple[CharityProject, ProjectAccess]:
    """The organisation's own project, locked; anyone else's is not found (another organisation's draft is invisible)."""
    project, access = access_project(actor, project_id, for_update=True)
    if not access.is_owner:
        if access.is_centre or access.is_observer or access.is_served:
            raise PermissionRefused("只有项目所属社会组织可以进行此操作", code=CharityError.NOT_AN_ORGANISATION)
        raise NotFound(NOT_FOUND_MESSAGE)
    return project, access


def access_project_to_review(actor: User, project_id: int) -> tuple[CharityProject, ProjectAccess]:
    """The project, locked, for the service centre's decision (approve, reject, take off shelf)."""
    project, access = access_project(actor, project_id, for_update=True)
    if not access.is_centre:
        raise PermissionRefused("只有社会组织服务中心可以审核", code=CharityError.NOT_SUBMITTED)
    return project, access


# --- service sites (CP-2) --------------------------------------------------------------


@dataclass(frozen=True)
class SiteAccess:
    is_owner: bool
    is_centre: bool
    is_observer: bool
    is_served: bool     # a resident of a community the site serves (browses it, writes to its lead)

    @property
    def can_view(self) -> bool:
        return self.is_owner or self.is_centre or self.is_observer or self.is_served

    @property
    def can_edit(self) -> bool:
        return self.is_owner

    @property
    def can_message_lead(self) -> bool:
        return self.is_served and not self.is_owner

    @property
    def audience(self) -> str:
        if self.is_owner:
            return "org"
        if self.is_centre:
            return "centre"
        if self.is_observer:
            return "observer"
        return "resident"


def site_access(actor: User, site: ServiceSite) -> SiteAccess:
    where = {"community_id": site.community_id, "subdistrict_id": site.subdistrict_id}
    member_ids = scope.scope_for(actor, "member").community_ids
    served = bool(member_ids) and bool(member_ids & set(site.communities.values_list("pk", flat=True)))
    return SiteAccess(
        is_owner=site.organisation_id == getattr(actor, "pk", None) and scope.scope_for(actor, "social_org").covers(**where),
        is_centre=scope.scope_for(actor, "service_centre").covers(subdistrict_id=site.subdistrict_id),
        is_observer=scope.scope_for(actor, "observe").covers(**where),
        is_served=served,
    )


def access_site(actor: User, site_id: int, *, for_update: bool = False) -> tuple[ServiceSite, SiteAccess]:
    qs = ServiceSite.objects.select_for_update(of=("self",)) if for_update else ServiceSite.objects.all()
    site = qs.select_related("community", "subdistrict", "organisation", "lead").filter(pk=site_id).first()
    if site is None:
        raise NotFound(SITE_NOT_FOUND)
    access = site_access(actor, site)
    if not access.can_view:
        raise NotFound(SITE_NOT_FOUND)
    return site, access


# --- bindings (CP-2) -------------------------------------------------------------------


@dataclass(frozen=True)
class BindingAccess:
    is_owner: bool      # the project's organisation
    is_centre: bool     # the centre covering the project's subdistrict
    is_observer: bool
    status: str

    @property
    def can_view(self) -> bool:
        if self.is_owner:
            return True
        if self.is_centre and self.status != BindingStatus.DRAFT:
            return True
        return self.is_observer and self.status == BindingStatus.BOUND

    @property
    def can_edit(self) -> bool:
        return self.is_owner and self.status in (BindingStatus.DRAFT, BindingStatus.REJECTED)

    @property
    def can_submit(self) -> bool:
        return self.can_edit

    @property
    def can_withdraw(self) -> bool:
        return self.is_owner and self.status == BindingStatus.SUBMITTED

    @property
    def can_review(self) -> bool:
        return self.is_centre and self.status == BindingStatus.SUBMITTED

    @property
    def can_unbind(self) -> bool:
        """解除绑定: a bound binding, or one not yet bound that the organisation drops."""
        return self.is_owner and self.status in (BindingStatus.DRAFT, BindingStatus.REJECTED, BindingStatus.BOUND)

    @property
    def audience(self) -> str:
        return "org" if self.is_owner else "centre" if self.is_centre and self.status != BindingStatus.DRAFT else "observer"


def binding_access(actor: User, binding: SiteBinding) -> BindingAccess:
    project = binding.project
    where = {"community_id": project.community_id, "subdistrict_id": project.subdistrict_id}
    return BindingAccess(
        is_owner=project.organisation_id == getattr(actor, "pk", None) and scope.scope_for(actor, "social_org").covers(**where),
        is_centre=scope.scope_for(actor, "service_centre").covers(subdistrict_id=project.subdistrict_id),
        is_observer=scope.scope_for(actor, "observe").covers(**where),
        status=binding.status,
    )


def access_binding(actor: User, binding_id: int, *, for_update: bool = False) -> tuple[SiteBinding, BindingAccess]:
    qs = SiteBinding.objects.select_for_update(of=("self",)) if for_update else SiteBinding.objects.all()
    binding = qs.select_related("project", "project__organisation", "site", "reviewed_by").filter(pk=binding_id).first()
    if binding is None:
        raise NotFound(BINDING_NOT_FOUND)
    access = binding_access(actor, binding)
    if not access.can_view:
        raise NotFound(BINDING_NOT_FOUND)
    return binding, access


def access_own_binding(actor: User, binding_id: int) -> tuple[SiteBinding, BindingAccess]:
    binding, access = access_binding(actor, binding_id, for_update=True)
    if not access.is_owner:
        if access.is_centre or access.is_observer:
            raise PermissionRefused("只有项目所属社会组织可以进行此操作", code=CharityError.NOT_AN_ORGANISATION)
        raise NotFound(BINDING_NOT_FOUND)
    return binding, access


def access_binding_to_review(actor: User, binding_id: int) -> tuple[SiteBinding, BindingAccess]:
    binding, access = access_binding(actor, binding_id, for_update=True)
    if not access.is_centre:
        raise PermissionRefused("只有社会组织服务中心可以审核", code=CharityError.BINDING_STATE)
    return binding, access


# --- plan and progress (CP-3, CP-4): read with the project, changed by its organisation -------

MILESTONE_NOT_FOUND = "项目节点不存在或您无权查看"


def access_milestone(actor: User, milestone_id: int, *, for_update: bool = False) -> tuple[Milestone, ProjectAccess]:
    qs = Milestone.objects.select_for_update(of=("self",)) if for_update else Milestone.objects.all()
    milestone = qs.filter(pk=milestone_id, deleted_at__isnull=True).first()
    if milestone is None:
        raise NotFound(MILESTONE_NOT_FOUND)
    try:
        project, access = access_project(actor, milestone.project_id, for_update=for_update)
    except NotFound:
        raise NotFound(MILESTONE_NOT_FOUND) from None
    milestone.project = project
    return milestone, access


def access_report(actor: User, report_id: int, *, for_update: bool = False) -> tuple[ProgressReport, ProjectAccess]:
    qs = ProgressReport.objects.select_for_update(of=("self",)) if for_update else ProgressReport.objects.all()
    report = qs.filter(pk=report_id, deleted_at__isnull=True).select_related("milestone").first()
    if report is None:
        raise NotFound(MILESTONE_NOT_FOUND)
    try:
        project, access = access_project(actor, report.project_id, for_update=for_update)
    except NotFound:
        raise NotFound(MILESTONE_NOT_FOUND) from None
    report.project = project
    return report, access


def access_photo(actor: User, photo_id: int) -> ProgressPhoto:
    photo = ProgressPhoto.objects.filter(pk=photo_id, report__deleted_at__isnull=True).select_related("report").first()
    if photo is None:
        raise NotFound(MILESTONE_NOT_FOUND)
    try:
        access_project(actor, photo.report.project_id)
    except NotFound:
        raise NotFound(MILESTONE_NOT_FOUND) from None
    return photo


# --- slots, bookings and reviews (CP-7) ---------------------------------------------------

SLOT_NOT_FOUND = "服务场次不存在或您无权查看"
BOOKING_NOT_FOUND = "预约不存在或您无权查看"
REVIEW_NOT_FOUND = "评价不存在或您无权查看"


def access_slot(actor: User, slot_id: int, *, for_update: bool = False) -> tuple[ServiceSlot, ProjectAccess]:
    """The slot (locked when asked: capacity is counted under this lock) and the actor's access to its project."""
    qs = ServiceSlot.objects.select_for_update(of=("self",)) if for_update else ServiceSlot.objects.all()
    slot = qs.filter(pk=slot_id).first()
    if slot is None:
        raise NotFound(SLOT_NOT_FOUND)
    project = CharityProject.objects.select_related("community", "subdistrict", "organisation").filter(
        pk=slot.project_id).first()
    if project is None:
        raise NotFound(SLOT_NOT_FOUND)
    access = project_access(actor, project)
    if not access.can_view:
        raise NotFound(SLOT_NOT_FOUND)
    slot.project = project
    return slot, access


def access_booking(actor: User, booking_id: int, *, for_update: bool = False) -> SlotBooking:
    """One's own booking; anyone else's is not found."""
    qs = SlotBooking.objects.select_for_update(of=("self",)) if for_update else SlotBooking.objects.all()
    booking = qs.filter(pk=booking_id, resident_id=getattr(actor, "pk", None)).select_related("slot").first()
    if booking is None:
        raise NotFound(BOOKING_NOT_FOUND)
    return booking


@dataclass(frozen=True)
class ReviewAccess:
    is_author: bool
    is_centre: bool
    status: str

    @property
    def can_moderate(self) -> bool:
        return self.is_centre and self.status == "pending"


def access_review_to_moderate(actor: User, review_id: int) -> tuple[ProjectReview, ReviewAccess]:
    """A review, locked, for the centre covering its project's subdistrict; NotFound for anyone else."""
    review = ProjectReview.objects.select_for_update(of=("self",)).filter(pk=review_id).select_related(
        "project").first()
    if review is None:
        raise NotFound(REVIEW_NOT_FOUND)
    access = ReviewAccess(
        is_author=review.resident_id == getattr(actor, "pk", None),
        is_centre=scope.scope_for(actor, "service_centre").covers(subdistrict_id=review.project.subdistrict_id),
        status=review.status,
    )
    if not access.is_centre:
        raise NotFound(REVIEW_NOT_FOUND)
    return review, access
