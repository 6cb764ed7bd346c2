"""Reads for the shell pages: observer drill-down over rollups, scoped.

The subdistrict or community a drill-down opens comes from ``accounts.scope``
(``subdistrict_in_scope`` / ``community_in_scope``), NotFound alike for missing and out of scope.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.db.models import Count, Q, Sum

from shequtong.accounts import scope
from shequtong.accounts.models import Membership, User
from shequtong.common import clock
from shequtong.places.models import Community, CommunityStats


def totals(user: User) -> dict[str, Any]:
    """The 数据 tab's headline figures for the observer's scope."""
    s = scope.scope_for(user, "observe")
    agg = s.filter(CommunityStats.objects.all()).aggregate(residents=Sum("residents"), party=Sum("party_members"))
    comm = s.communities().aggregate(total=Count("id"), rural=Count("id", filter=Q(kind=Community.Kind.RURAL)))
    since = clock.now() - timedelta(days=30)
    reviews = s.filter(Membership.objects.filter(reviewed_at__gte=since)).aggregate(
        total=Count("id"), timely=Count("id", filter=Q(review_seconds__lte=24 * 3600))
    )
    rate = (reviews["timely"] / reviews["total"] * 100) if reviews["total"] else None
    return {
        "communities": comm["total"],
        "rural": comm["rural"],
        "urban": comm["total"] - comm["rural"],
        "residents": agg["residents"] or 0,
        "party_members": agg["party"] or 0,
        "reviews_30d": reviews["total"],
        "timely_rate": rate,
    }


def resident_digest(user: User, community: Community | None) -> dict[str, Any]:
    """The resident's home above the board grid: the latest 社区公告 and their own open problems."""
    from shequtong.boards import policies as board_policies
    from shequtong.boards import selectors as board_selectors
    from shequtong.boards.catalogue import Board
    from shequtong.cases import selectors as case_selectors
    from shequtong.cases.models import OPEN_STATUSES

    notices: list[Any] = []
    if community is not None:
        access = board_policies.board_access(user, community)
        if access.has_board(Board.NOTICE):
            notices = list(board_selectors.posts(access, Board.NOTICE)[:3])
    open_cases = case_selectors.my_cases(user).filter(status__in=OPEN_STATUSES).order_by("-created_at", "-id")
    return {"notices": notices, "open_cases": list(open_cases[:3]), "open_count": open_cases.count()}
