"""社会公益服务项目数据统计分析 (CP-5, CP-6): figures over a scoped set of projects.

The figures add up the counters the services keep on each project row
(slots, live bookings, approved reviews, rating total, progress), plus two
counts over the scoped projects' slots and bookings that depend on the clock
(activities held, participants). tests/charity/test_statistics.py checks every
figure against a direct count of the underlying rows.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db.models import Avg, Count, Q, QuerySet, Sum

from shequtong.accounts import scope
from shequtong.accounts.models import User
from shequtong.common import clock
from shequtong.common.export import XlsxWriter

from .models import (
    CENTRE_STATUSES,
    BookingStatus,
    CharityProject,
    ProjectStatus,
    ReviewStatus,
    ServiceCategory,
    ServiceSite,
    ServiceSlot,
    SlotBooking,
)


@dataclass
class Figures:
    projects: int = 0
    by_status: dict[str, int] = field(default_factory=dict)
    on_shelf: int = 0
    sites: int = 0
    slots: int = 0
    activities_held: int = 0
    bookings: int = 0
    participants: int = 0
    reviews: int = 0
    pending_reviews: int = 0
    rating_total: int = 0
    average_rating: float | None = None
    average_progress: float | None = None
    completed: int = 0           # approved projects at 100 %
    by_category: list[dict[str, Any]] = field(default_factory=list)
    by_area: list[dict[str, Any]] = field(default_factory=list)
    rows: list[CharityProject] = field(default_factory=list)


def centre_projects(user: User) -> QuerySet[CharityProject]:
    return scope.scope_for(user, "service_centre").filter(CharityProject.objects.filter(status__in=CENTRE_STATUSES))


def centre_sites(user: User) -> QuerySet[ServiceSite]:
    return scope.scope_for(user, "service_centre").filter(ServiceSite.objects.all())


def org_projects(user: User) -> QuerySet[CharityProject]:
    return scope.scope_for(user, "social_org").filter(CharityProject.objects.filter(organisation_id=user.pk))


def org_sites(user: User) -> QuerySet[ServiceSite]:
    return scope.scope_for(user, "social_org").filter(ServiceSite.objects.filter(organisation_id=user.pk))


def observer_projects(user: User) -> QuerySet[CharityProject]:
    """Observers read approved projects only (never drafts, nor what is still under review)."""
    return scope.scope_for(user, "observe").filter(CharityProject.objects.filter(status=ProjectStatus.APPROVED))


def observer_sites(user: User) -> QuerySet[ServiceSite]:
    return scope.scope_for(user, "observe").filter(ServiceSite.objects.all())


def figures(projects: QuerySet[CharityProject], sites: QuerySet[ServiceSite], *, with_rows: bool = True) -> Figures:
    f = Figures()
    now = clock.now()
    f.by_status = {s: 0 for s in ProjectStatus.values}
    for row in projects.values("status").annotate(n=Count("id")).order_by():
        f.by_status[row["status"]] = row["n"]
    f.projects = sum(f.by_status.values())
    approved = projects.filter(status=ProjectStatus.APPROVED)
    sums = projects.aggregate(n_slots=Sum("slots_count"), n_bookings=Sum("bookings_count"), n_reviews=Sum("reviews_count"),
                              rating=Sum("rating_total"))
    f.slots, f.bookings = sums["n_slots"] or 0, sums["n_bookings"] or 0
    f.reviews, f.rating_total = sums["n_reviews"] or 0, sums["rating"] or 0
    f.average_rating = round(f.rating_total / f.reviews, 2) if f.reviews else None
    agg = approved.aggregate(n_on_shelf=Count("id", filter=Q(on_shelf=True)), mean_progress=Avg("progress"),
                             n_completed=Count("id", filter=Q(progress__gte=100)))
    f.on_shelf, f.completed = agg["n_on_shelf"], agg["n_completed"]
    f.average_progress = round(agg["mean_progress"], 1) if agg["mean_progress"] is not None else None
    ids = projects.values("id")
    f.activities_held = ServiceSlot.objects.filter(project_id__in=ids, ends_at__lte=now).count()
    f.participants = SlotBooking.objects.filter(project_id__in=ids, status=BookingStatus.BOOKED,
                                                slot__ends_at__lte=now).count()
    from .models import ProjectReview

    f.pending_reviews = ProjectReview.objects.filter(project_id__in=ids, status=ReviewStatus.PENDING).count()
    f.sites = sites.count()
    labels = dict(ServiceCategory.choices)
    by_cat = {r["category"]: r for r in projects.values("category").annotate(
        n=Count("id"), n_bookings=Sum("bookings_count"), n_reviews=Sum("reviews_count"), rating=Sum("rating_total")
    ).order_by()}
    f.by_category = [
        {"code": code, "label": str(labels[code]), "projects": r["n"], "bookings": r["n_bookings"] or 0,
         "reviews": r["n_reviews"] or 0,
         "average_rating": round((r["rating"] or 0) / r["n_reviews"], 2) if r["n_reviews"] else None}
        for code in ServiceCategory.values if (r := by_cat.get(code))
    ]
    site_area = {r["subdistrict_id"]: r["n"] for r in sites.values("subdistrict_id").annotate(n=Count("id")).order_by()}
    area = {r["subdistrict_id"]: r for r in projects.values("subdistrict_id", "subdistrict__name").annotate(
        n=Count("id"), n_bookings=Sum("bookings_count"), n_reviews=Sum("reviews_count"), rating=Sum("rating_total")
    ).order_by("subdistrict_id")}
    from shequtong.places.models import Subdistrict

    names = dict(Subdistrict.objects.filter(pk__in=set(area) | set(site_area)).values_list("pk", "name"))
    f.by_area = [
        {"subdistrict_id": sid, "name": names.get(sid, ""), "projects": area.get(sid, {}).get("n", 0),
         "sites": site_area.get(sid, 0), "bookings": area.get(sid, {}).get("n_bookings") or 0,
         "reviews": area.get(sid, {}).get("n_reviews") or 0,
         "average_rating": (round((area[sid]["rating"] or 0) / area[sid]["n_reviews"], 2)
                            if sid in area and area[sid]["n_reviews"] else None)}
        for sid in sorted(set(area) | set(site_area))
    ]
    if with_rows:
        f.rows = list(projects.select_related("organisation", "subdistrict").order_by("-starts_on", "-id")[:200])
    return f


def chart_data(f: Figures) -> dict[str, Any]:
    """What the page's ECharts draw (json_script): projects and ratings by category, projects by state."""
    return {
        "categories": [c["label"] for c in f.by_category],
        "projects": [c["projects"] for c in f.by_category],
        "bookings": [c["bookings"] for c in f.by_category],
        "ratings": [c["average_rating"] or 0 for c in f.by_category],
        "status": [{"name": str(ProjectStatus(s).label), "value": n} for s, n in f.by_status.items() if n],
    }


HEADERS = ["项目名称", "社会组织", "街镇", "服务类别", "状态", "开始日期", "结束日期", "总体进度(%)", "服务场次", "预约人次",
           "评价数", "平均评分"]


def xlsx(f: Figures) -> bytes:
    """The figures as a workbook: one row per project, then the totals (common/export.py: user text stays text)."""
    ws = XlsxWriter("公益项目统计", HEADERS)
    for p in f.rows:
        ws.append([p.title, p.organisation.display_name, p.subdistrict.name, p.get_category_display(),
                   p.get_status_display(), p.starts_on.isoformat(), p.ends_on.isoformat(), p.progress, p.slots_count,
                   p.bookings_count, p.reviews_count, p.average_rating if p.average_rating is not None else ""])
    ws.append([])
    for label, value in (("项目数", f.projects), ("服务站点数", f.sites), ("服务场次", f.slots), ("已开展活动", f.activities_held),
                         ("预约人次", f.bookings), ("参与人次", f.participants), ("评价数", f.reviews),
                         ("平均评分", f.average_rating if f.average_rating is not None else "")):
        ws.append([label, value])
    return ws.getvalue()
