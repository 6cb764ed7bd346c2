"""The organisation's and the service centre's own home pages (web's home hands over to these).

A 社会组织 account without committee work lands on its projects, sites, bookings
and reviews; a 社会组织服务中心 without the observer capability on its review
queue and statistics (issue 19 item 7).
"""

from __future__ import annotations

from django.http import HttpResponse
from django.shortcuts import render

from shequtong.accounts import scope
from shequtong.accounts.typing import AuthedRequest
from shequtong.common import registry

from . import selectors
from .models import ReviewStatus


def home_for(request: AuthedRequest, version: str) -> HttpResponse | None:
    """This user's charity home page in ``version`` (committee or observer), or None for the usual home."""
    user = request.user
    if version == "committee" and scope.has_capability(user, "social_org") and not scope.has_capability(user, "committee"):
        return _org_home(request)
    if version == "observer" and scope.has_capability(user, "service_centre") and not scope.has_capability(user, "observe"):
        return _centre_home(request)
    return None


def _org_home(request: AuthedRequest) -> HttpResponse:
    user = request.user
    projects = selectors.org_projects(user)
    return render(request, "charity/home_org.html", {
        "community": scope.work_community(user),
        "projects": projects[:5], "project_count": projects.count(),
        "site_count": selectors.org_sites(user).count(),
        "booking_count": selectors.org_bookings(user).filter(status="booked").count(),
        "review_count": selectors.org_reviews(user).filter(status=ReviewStatus.APPROVED).count(),
        "tiles": registry.tiles_for("committee_home", user),
    })


def _centre_home(request: AuthedRequest) -> HttpResponse:
    user = request.user
    return render(request, "charity/home_centre.html", {
        "projects": selectors.project_review_queue(user).count(),
        "bindings": selectors.binding_review_queue(user).count(),
        "reviews": selectors.review_moderation_queue(user).count(),
        "tiles": registry.tiles_for("observer_home", user),
    })
