"""Jurisdiction-scoped reads of 社会公益服务项目管理平台: lists for the organisation, the centre, observers, residents.

One project with what the actor may do to it comes from ``policies.access_project``.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Prefetch, Q, QuerySet

from shequtong.accounts import scope
from shequtong.accounts.models import User
from shequtong.common import clock

from .models import (
    CENTRE_STATUSES,
    BindingStatus,
    CharityProject,
    Milestone,
    ProgressReport,
    ProjectReview,
    ProjectStatus,
    ReviewStatus,
    ServiceCategory,
    ServiceSite,
    ServiceSlot,
    SiteBinding,
    SlotBooking,
)


def _status(params: Any, allowed: Any) -> str:
    value = params.get("status", "") if params is not None else ""
    return value if value in allowed else ""


def _category(params: Any) -> str:
    value = params.get("category", "") if params is not None else ""
    return value if value in ServiceCategory.values else ""


def _projects(qs: QuerySet[CharityProject]) -> QuerySet[CharityProject]:
    return qs.select_related("community", "subdistrict", "organisation").order_by("-created_at", "-id")


def org_projects(user: User, params: Any = None) -> QuerySet[CharityProject]:
    """The organisation's own projects, every state (CP-1)."""
    qs = scope.scope_for(user, "social_org").filter(CharityProject.objects.filter(organisation_id=user.pk))
    if status := _status(params, ProjectStatus.values):
        qs = qs.filter(status=status)
    return _projects(qs)


def centre_projects(user: User, params: Any = None) -> QuerySet[CharityProject]:
    """Submitted, approved and rejected projects in the centre's subdistrict(s); never a draft."""
    qs = scope.scope_for(user, "service_centre").filter(CharityProject.objects.filter(status__in=CENTRE_STATUSES))
    if status := _status(params, CENTRE_STATUSES):
        qs = qs.filter(status=status)
    if category := _category(params):
        qs = qs.filter(category=category)
    return _projects(qs)


def project_review_queue(user: User) -> QuerySet[CharityProject]:
    return _projects(scope.scope_for(user, "service_centre").filter(
        CharityProject.objects.filter(status=ProjectStatus.SUBMITTED)))


def served_projects(user: User, params: Any = None) -> QuerySet[CharityProject]:
    """Projects on shelf that serve one of the resident's communities (CP-7)."""
    ids = sorted(scope.scope_for(user, "member").community_ids)
    if not ids:
        return CharityProject.objects.none()
    qs = CharityProject.objects.filter(Q(status=ProjectStatus.APPROVED, on_shelf=True),
                                       communities__in=ids).distinct()
    if category := _category(params):
        qs = qs.filter(category=category)
    return _projects(qs)


# --- sites and bindings (CP-2) --------------------------------------------------------

def org_sites(user: User) -> QuerySet[ServiceSite]:
    qs = scope.scope_for(user, "social_org").filter(ServiceSite.objects.filter(organisation_id=user.pk))
    return qs.select_related("community").prefetch_related("communities").order_by("-created_at", "-id")


def served_sites(user: User) -> QuerySet[ServiceSite]:
    """Sites serving one of the resident's communities (CP-7)."""
    ids = sorted(scope.scope_for(user, "member").community_ids)
    if not ids:
        return ServiceSite.objects.none()
    return ServiceSite.objects.filter(communities__in=ids).distinct().select_related("subdistrict").order_by("name", "id")


def project_bindings(project: CharityProject, *, audience: str) -> QuerySet[SiteBinding]:
    """A project's bindings as its page shows them: all (organisation), not drafts (centre), bound (others)."""
    qs = project.bindings.select_related("site").order_by("-created_at", "-id")
    if audience == "centre":
        return qs.exclude(status=BindingStatus.DRAFT)
    if audience != "org":
        return qs.filter(status=BindingStatus.BOUND)
    return qs


def site_projects(site: ServiceSite, *, audience: str) -> QuerySet[SiteBinding]:
    """The projects bound to a site (residents: only those on shelf)."""
    qs = site.bindings.filter(status=BindingStatus.BOUND).select_related("project")
    if audience == "resident":
        qs = qs.filter(project__status=ProjectStatus.APPROVED, project__on_shelf=True)
    return qs.order_by("-created_at", "-id")


def binding_review_queue(user: User) -> QuerySet[SiteBinding]:
    qs = scope.scope_for(user, "service_centre").filter(
        SiteBinding.objects.filter(status=BindingStatus.SUBMITTED), community_field="project__community")
    return qs.select_related("project", "site", "project__organisation").order_by("submitted_at", "id")


# --- plan and progress (CP-3, CP-4) ------------------------------------------------------

def timeline(project: CharityProject) -> list[Milestone]:
    """The live milestones by due date, each with its live reports (newest first) and their photos."""
    reports = ProgressReport.objects.filter(deleted_at__isnull=True).select_related("created_by").prefetch_related(
        "photos").order_by("-created_at", "-id")
    return list(project.milestones.filter(deleted_at__isnull=True).prefetch_related(
        Prefetch("reports", queryset=reports, to_attr="live_reports")).order_by("due_on", "id"))


# --- slots, bookings and reviews (CP-7) -------------------------------------------------

def upcoming_slots(project: CharityProject) -> QuerySet[ServiceSlot]:
    return project.slots.filter(starts_at__gt=clock.now()).select_related("site").order_by("starts_at", "id")


def my_bookings(user: User, project: CharityProject | None = None) -> QuerySet[SlotBooking]:
    qs = SlotBooking.objects.filter(resident_id=user.pk)
    if project is not None:
        qs = qs.filter(project=project)
    return qs.select_related("slot", "slot__site", "project").order_by("-created_at", "-id")


def org_bookings(user: User) -> QuerySet[SlotBooking]:
    """Bookings of the organisation's projects (residents' names masked on the page)."""
    qs = scope.scope_for(user, "social_org").filter(
        SlotBooking.objects.filter(project__organisation_id=user.pk), community_field="project__community")
    return qs.select_related("slot", "slot__site", "project", "resident").order_by("-created_at", "-id")


def project_reviews(project: CharityProject, *, audience: str) -> QuerySet[ProjectReview]:
    """Approved reviews for residents and observers; every review for the organisation and the centre."""
    qs = project.reviews.select_related("resident").order_by("-created_at", "-id")
    if audience in ("org", "centre"):
        return qs
    return qs.filter(status=ReviewStatus.APPROVED)


def org_reviews(user: User) -> QuerySet[ProjectReview]:
    qs = scope.scope_for(user, "social_org").filter(
        ProjectReview.objects.filter(project__organisation_id=user.pk), community_field="project__community")
    return qs.select_related("project", "resident").order_by("-created_at", "-id")


def review_moderation_queue(user: User) -> QuerySet[ProjectReview]:
    qs = scope.scope_for(user, "service_centre").filter(
        ProjectReview.objects.filter(status=ReviewStatus.PENDING), community_field="project__community")
    return qs.select_related("project", "resident").order_by("created_at", "id")
