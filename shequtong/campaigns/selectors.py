"""Reads of 抽奖 and 有奖答题: what a resident may play, what staff manage or watch, live data, 我的奖品."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Q, QuerySet, Sum

from shequtong.accounts import scope
from shequtong.accounts.models import User
from shequtong.common import clock, versioned
from shequtong.points.selectors import levels_of

from .models import Attempt, Award, Lottery, PlayerDay, Quiz, Status

Campaigns = QuerySet[Lottery] | QuerySet[Quiz]


def _place_q(user: User, capability: str, *, district: bool) -> Q:
    where = scope.scope_for(user, capability)
    if where.everything:
        return Q(pk__isnull=False)  # not Q(): an empty Q vanishes when OR-ed with another
    q = where.q("community") if not where.is_empty else Q(pk__in=[])
    if district:
        q |= Q(community__isnull=True)
    return q


def playable(user: User, model: type[Lottery] | type[Quiz]) -> Any:
    """Published campaigns for the resident: their community's and the district's, newest first."""
    if not scope.has_capability(user, "member"):
        return model.objects.none()
    return model.objects.filter(_place_q(user, "member", district=True), status=Status.PUBLISHED).select_related(
        "community").order_by("-starts_at", "-id")


BANNERS_DEP = "campaigns"  # touched by any save or delete of a 抽奖 or 有奖答题 (apps.py)
_BANNER_CANDIDATES = 20


def home_banners(user: User) -> list[Lottery | Quiz]:
    """Running campaigns with a 首页宣传 banner, for the resident's home page (three of each kind).

    On every resident home, so the not-yet-ended candidates of the resident's places are kept
    until a campaign changes (common/versioned.py); which of them run now is decided per request.
    """
    if not scope.has_capability(user, "member"):
        return []
    where = scope.scope_for(user, "member")
    key = f"home-banners:{int(where.everything)}:{sorted(where.subdistrict_ids)}:{sorted(where.community_ids)}"

    def candidates() -> list[Lottery | Quiz]:
        now = clock.now()
        rows: list[Lottery | Quiz] = []
        for model in (Lottery, Quiz):
            rows += list(playable(user, model).filter(on_home=True, ends_at__gt=now).exclude(banner="")
                         .order_by("-starts_at", "-id")[:_BANNER_CANDIDATES])
        return rows

    now = clock.now()
    kept = versioned.remember(key, [BANNERS_DEP], candidates)  # one cache round trip for both kinds
    out: list[Lottery | Quiz] = []
    for model in (Lottery, Quiz):
        out += [c for c in kept if isinstance(c, model) and c.starts_at <= now < c.ends_at][:3]
    return out


def watched(user: User, model: type[Lottery] | type[Quiz], query: str = "") -> Any:
    """Campaigns the user manages or watches (LQ-2, LQ-4): committees their community's, observers their
    scope's, district observers also the district's; searchable by theme or title."""
    q = _place_q(user, "committee", district=False) | _place_q(user, "observe", district=False)
    if scope.has_capability(user, "district_announce") or scope.scope_for(user, "observe").everything:
        q |= Q(community__isnull=True)
    qs = model.objects.filter(q).select_related("community", "created_by")
    if query:
        qs = qs.filter(Q(theme__icontains=query) if model is Lottery else Q(title__icontains=query))
    return qs


def lottery_live(lottery: Lottery) -> dict[str, Any]:
    """Draws and people per day, prizes drawn and left, winners (masked): one lottery's live data."""
    days = list(PlayerDay.objects.filter(lottery=lottery).values("day").annotate(
        people=Count("id"), draws=Sum("draws")).order_by("-day"))
    prizes = list(lottery.prizes.all())
    return {
        "days": days, "prizes": prizes,
        "total_draws": sum(d["draws"] or 0 for d in days),
        "total_people": lottery.draws.values("user").distinct().count(),
        "won": sum(p.drawn for p in prizes), "left": sum(p.left for p in prizes),
    }


def winners(campaign: Lottery | Quiz, query: str = "") -> QuerySet[Award]:
    qs = campaign.awards.select_related("user", "community").order_by("-created_at", "-id")
    if query:
        qs = qs.filter(Q(prize_name__icontains=query) | Q(community__name__icontains=query))
    return qs


def quiz_live(quiz: Quiz) -> dict[str, Any]:
    days = list(Attempt.objects.filter(quiz=quiz).values("day").annotate(
        people=Count("id"), submitted=Count("id", filter=Q(submitted_at__isnull=False))).order_by("-day"))
    tiers = list(quiz.prizes.all())
    return {"days": days, "tiers": tiers, "participants": quiz.participants,
            "awarded": sum(t.awarded for t in tiers), "left": sum(t.left for t in tiers)}


def my_awards(user: User) -> QuerySet[Award]:
    return Award.objects.filter(user=user).select_related("lottery", "quiz", "community")


def attach_levels(awards: list[Award]) -> list[Award]:
    """社区达人 level beside each winner's name (one query for the page)."""
    levels = levels_of([a.user_id for a in awards])
    for a in awards:
        a.level = levels.get(a.user_id, "")  # type: ignore[attr-defined]
    return awards
