"""Home pages per version, 管理, and the observer's 观察/数据 tabs."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from shequtong.accounts import scope
from shequtong.accounts import selectors as account_selectors
from shequtong.accounts import services as account_services
from shequtong.accounts.roles import Version
from shequtong.accounts.typing import AuthedRequest
from shequtong.campaigns import selectors as campaign_selectors
from shequtong.charity import home as charity_home
from shequtong.common import access, pages, registry
from shequtong.rural import selectors as rural_selectors

from . import selectors


@access.public
def healthz(request: HttpRequest) -> HttpResponse:
    return HttpResponse("ok", content_type="text/plain")


def _rural_board(community: object) -> list[object] | None:
    """A village's home page shows the 乡村振兴 board (published items, pinned first); urban ones do not."""
    if community is None or not getattr(community, "is_rural", False):
        return None
    return list(rural_selectors.board_items()[:5])


@access.login
def home(request: AuthedRequest) -> HttpResponse:
    user = request.user
    version = scope.current_version(user)
    # A social organisation and a service centre land on their own work (issue 19).
    if version and (own := charity_home.home_for(request, version)) is not None:
        return own
    if version == Version.RESIDENT:
        community = scope.home_community(user)
        return pages.render(request, "web/home_resident.jinja", {
            "community": community, "rural_items": _rural_board(community),
            "tiles": registry.tiles_for("resident_home", user, community_kind=community.kind if community else None),
            "banners": campaign_selectors.home_banners(user),  # 首页宣传 of running 抽奖/有奖答题 (LQ-1 ⑦)
            "offer_elder_mode": account_services.offers_elder_mode(user),
            "greeting_name": account_selectors.own_real_name(user) or user.display_name,
            **selectors.resident_digest(user, community),
        })
    if version == Version.COMMITTEE:
        community = scope.work_community(user)
        return render(request, "web/home_committee.html", {
            "community": community, "rural_items": _rural_board(community),
            "pending": account_selectors.pending_reviews_for(user).count() if scope.has_capability(user, "review_members") else None,
            "tiles": registry.tiles_for("committee_home", user, community_kind=community.kind if community else None),
            "offer_elder_mode": account_services.offers_elder_mode(user),
        })
    if version == Version.OBSERVER:
        from shequtong.observe.views import observer_home

        return observer_home(request, registry.tiles_for("observer_home", user))
    return render(request, "web/home_newcomer.html", {
        "memberships": account_selectors.memberships_of(user), "offer_elder_mode": account_services.offers_elder_mode(user),
    })


@access.login
def manage(request: AuthedRequest) -> HttpResponse:
    return render(request, "web/manage.html", {
        "tiles": registry.tiles_for("manage", request.user),
        "community": scope.work_community(request.user),
    })
