"""CP-5/CP-6: every statistic equals a direct count of the rows; each audience counts only its scope."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.db.models import Avg
from django.urls import reverse
from openpyxl import load_workbook

from shequtong.charity import services
from shequtong.charity import statistics as stats
from shequtong.charity.models import (
    BookingStatus,
    CharityProject,
    ProjectReview,
    ProjectStatus,
    ReviewStatus,
    ServiceSite,
    ServiceSlot,
    SlotBooking,
)
from shequtong.common import clock

from ..factories import resident_of
from .conftest import People, bookable, make_binding, make_project, make_site, open_slot

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(people: People, monkeypatch):
    """Projects in every state in A's subdistrict and one in B's, with bookings, a cancellation and reviews."""
    a, b = people.cast.a, people.cast.b
    one = bookable(people, capacity=5)
    two = bookable(people, capacity=5)
    make_project(people.org, [a])                                     # draft
    make_project(people.org, [a], state="submitted", category="youth")
    make_project(people.org_other, [a], state="rejected", centre=people.centre)
    b_project = make_project(people.org_b, [b], state="on_shelf", centre=people.centre_b, category="health")
    b_site = make_site(people.org_b, [b], name="罗店站")
    b_binding = make_binding(people.org_b, b_project, b_site, state="bound", centre=people.centre_b)
    b_slot = open_slot(people.org_b, b_binding)
    residents = [people.cast.resident_a] + [resident_of(a) for _ in range(3)]
    bookings = [services.book_slot(actor=r, slot_id=one.slot.pk) for r in residents]
    services.cancel_booking(actor=residents[3], booking_id=bookings[3].pk)
    services.book_slot(actor=residents[0], slot_id=two.slot.pk)
    services.book_slot(actor=people.cast.resident_b, slot_id=b_slot.pk)
    # A later slot that has not happened by the time reviews are written.
    open_slot(people.org, one.binding, hours=24 * 30)
    moved = clock.now() + dt.timedelta(days=3)
    monkeypatch.setattr(clock, "now", lambda: moved)
    r1 = services.review_project(actor=residents[0], project_id=one.project.pk, stars=5, text="好")
    r2 = services.review_project(actor=residents[1], project_id=one.project.pk, stars=2, text="一般")
    services.review_project(actor=residents[2], project_id=one.project.pk, stars=4, text="待审")
    rb = services.review_project(actor=people.cast.resident_b, project_id=b_project.pk, stars=1, text="乙")
    services.approve_review(actor=people.centre, review_id=r1.pk)
    services.approve_review(actor=people.centre, review_id=r2.pk)
    services.approve_review(actor=people.centre_b, review_id=rb.pk)
    m = services.add_milestone(actor=people.org, project_id=one.project.pk, data=services.MilestoneInput(
        title="节点", target="目标", due_on=clock.today(), weight=1))
    services.save_progress(actor=people.org, milestone_id=m.pk, completion=100, evidence="完成")
    return people


def direct(projects) -> dict:  # type: ignore[no-untyped-def]
    """The same figures counted straight from the rows, without the services' counters."""
    ids = list(projects.values_list("id", flat=True))
    now = clock.now()
    approved_reviews = ProjectReview.objects.filter(project_id__in=ids, status=ReviewStatus.APPROVED)
    stars = [r.stars for r in approved_reviews]
    return {
        "projects": len(ids),
        "slots": ServiceSlot.objects.filter(project_id__in=ids).count(),
        "activities_held": ServiceSlot.objects.filter(project_id__in=ids, ends_at__lte=now).count(),
        "bookings": SlotBooking.objects.filter(project_id__in=ids, status=BookingStatus.BOOKED).count(),
        "participants": SlotBooking.objects.filter(project_id__in=ids, status=BookingStatus.BOOKED,
                                                   slot__ends_at__lte=now).count(),
        "reviews": len(stars),
        "pending_reviews": ProjectReview.objects.filter(project_id__in=ids, status=ReviewStatus.PENDING).count(),
        "average_rating": round(sum(stars) / len(stars), 2) if stars else None,
        "on_shelf": CharityProject.objects.filter(pk__in=ids, status=ProjectStatus.APPROVED, on_shelf=True).count(),
        "average_progress": (round(v, 1) if (v := CharityProject.objects.filter(
            pk__in=ids, status=ProjectStatus.APPROVED).aggregate(a=Avg("progress"))["a"]) is not None else None),
    }


def as_dict(f: stats.Figures) -> dict:  # type: ignore[no-untyped-def]
    return {k: getattr(f, k) for k in ("projects", "slots", "activities_held", "bookings", "participants", "reviews",
                                       "pending_reviews", "average_rating", "on_shelf", "average_progress")}


def test_statistics_equal_direct_counts_for_every_audience(world: People):
    people, cast = world, world.cast
    audiences = {
        "centre": (stats.centre_projects(people.centre), stats.centre_sites(people.centre)),
        "centre_district": (stats.centre_projects(people.centre_district), stats.centre_sites(people.centre_district)),
        "org": (stats.org_projects(people.org), stats.org_sites(people.org)),
        "observer_a": (stats.observer_projects(cast.subdistrict_observer), stats.observer_sites(cast.subdistrict_observer)),
        "district": (stats.observer_projects(cast.district), stats.observer_sites(cast.district)),
    }
    for name, (projects, sites) in audiences.items():
        f = stats.figures(projects, sites)
        assert as_dict(f) == direct(projects), name
        assert f.sites == sites.count()
        # Per category and per area the parts add up to the whole.
        assert sum(c["projects"] for c in f.by_category) == f.projects
        assert sum(a["projects"] for a in f.by_area) == f.projects
        assert sum(a["sites"] for a in f.by_area) == f.sites
        assert sum(c["bookings"] for c in f.by_category) == f.bookings
    # What each audience's set is, counted directly: no drafts for the centre, own only for the organisation.
    assert stats.centre_projects(people.centre).count() == CharityProject.objects.filter(
        subdistrict=cast.tree.sub_a).exclude(status=ProjectStatus.DRAFT).count() == 4
    assert stats.org_projects(people.org).count() == CharityProject.objects.filter(organisation=people.org).count() == 4
    assert stats.observer_projects(cast.subdistrict_observer).count() == 2
    assert stats.observer_projects(cast.district).count() == 3
    assert stats.centre_sites(people.centre_district).count() == ServiceSite.objects.count()
    f = stats.figures(*audiences["centre"])
    assert (f.bookings, f.participants, f.reviews, f.average_rating, f.pending_reviews) == (4, 4, 2, 3.5, 1)
    assert f.by_status == {"draft": 0, "submitted": 1, "approved": 2, "rejected": 1}


def test_the_review_appears_in_the_centres_statistics_page_and_export(client, world: People):
    client.force_login(world.centre)
    page = client.get(reverse("charity:centre_stats")).content.decode()
    assert 'data-testid="fig-reviews">2<' in page and 'data-testid="fig-rating">3.5<' in page
    assert "charity-chart-data" in page and "echarts.min.js" in page
    response = client.get(reverse("charity:centre_stats_export"))
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == "项目名称" and len([r for r in rows[1:] if r and r[0] and r[1]]) >= 4
    assert ("评价数", 2) in [(r[0], r[1]) for r in rows if r]
    # Another subdistrict's centre counts none of A's.
    client.force_login(world.centre_b)
    page = client.get(reverse("charity:centre_stats")).content.decode()
    assert 'data-testid="fig-projects">1<' in page


def test_observers_drill_down_in_their_scope(client, world: People):
    cast = world.cast
    client.force_login(cast.subdistrict_observer)
    page = client.get(reverse("charity:observe")).content.decode()
    assert cast.tree.sub_a.name in page and cast.tree.sub_b.name not in page
    sub = client.get(reverse("charity:observe_subdistrict", args=[cast.tree.sub_a.pk])).content.decode()
    assert "银龄助餐" in sub and "友谊路为老服务站" in sub
    assert client.get(reverse("charity:observe_subdistrict", args=[cast.tree.sub_b.pk])).status_code == 404
    client.force_login(cast.district)
    page = client.get(reverse("charity:observe")).content.decode()
    assert cast.tree.sub_a.name in page and cast.tree.sub_b.name in page
    client.force_login(world.centre)  # the centre's own statistics, not the observer pages
    assert client.get(reverse("charity:observe")).status_code == 403
