"""Reads of 积分: one's own ledger, the gifts one may exchange or manage, statistics in scope."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Q, QuerySet, Sum

from shequtong.accounts import scope
from shequtong.accounts.models import User
from shequtong.common import prepared

from .models import (
    LEVELS,
    SPEND_PURPOSES,
    Auction,
    Bid,
    Donation,
    Gift,
    InviteCode,
    PointsAccount,
    PointsEntry,
    PointsStats,
    Redemption,
    level_of,
)


def account_of(user: User) -> PointsAccount:
    """The person's balances (an unsaved zero account when they never earned: nothing written on GET)."""
    return PointsAccount.objects.filter(pk=user.pk).first() or PointsAccount(user=user)


def levels_of(user_ids: list[int]) -> dict[int, str]:
    """社区达人 level per person, in one query (for names in lists)."""
    found = dict(_reputations(sorted(set(user_ids))))
    return {uid: level_of(found.get(uid, 0)) for uid in user_ids}


@prepared.query
def _reputations(user_ids: list[int]) -> QuerySet[Any, Any]:
    return PointsAccount.objects.filter(pk__in=user_ids).values_list("user_id", "reputation")


def ledger(user: User) -> QuerySet[PointsEntry]:
    return PointsEntry.objects.filter(user=user).select_related("community")


def _audience_q(user: User) -> Q:
    members = scope.scope_for(user, "member")
    if members.is_empty:
        return Q(pk__in=[])
    return Q(community__isnull=True) | (Q(community__isnull=False) & members.q("community"))


def gifts_for(user: User) -> QuerySet[Gift]:
    """Active gifts the person may exchange: their community's and the district's."""
    return Gift.objects.filter(_audience_q(user), is_active=True).select_related("community")


def managed_gifts(user: User) -> QuerySet[Gift]:
    committee = scope.scope_for(user, "committee")
    q = committee.q("community") if not (committee.is_empty or committee.everything) else Q(pk__in=[])
    if scope.has_capability(user, "district_announce"):
        q |= Q(community__isnull=True)
    return Gift.objects.filter(q).select_related("community")


def waiting_redemptions(user: User) -> QuerySet[Redemption]:
    return (Redemption.objects.filter(gift__in=managed_gifts(user), status=Redemption.Status.WAITING)
            .select_related("gift", "user"))


def my_redemptions(user: User) -> QuerySet[Redemption]:
    return Redemption.objects.filter(user=user).select_related("gift")


def stats_scope(user: User) -> scope.Scope:
    observed = scope.scope_for(user, "observe")
    committee = scope.scope_for(user, "committee")
    if observed.everything or committee.is_empty:
        return observed
    return scope.Scope(subdistrict_ids=observed.subdistrict_ids,
                       community_ids=observed.community_ids | committee.community_ids)


def statistics(user: User) -> dict[str, Any]:
    """Rollup totals and per-community rows in the user's scope, and people per 社区达人 level."""
    where = stats_scope(user)
    rows = where.filter(PointsStats.objects.select_related("community", "subdistrict")).order_by(
        "subdistrict__sort_order", "community__name")
    totals = rows.aggregate(reputation=Sum("reputation_earned"), earned=Sum("beans_earned"),
                            spent=Sum("beans_spent"), checkins=Sum("checkins"), redemptions=Sum("redemptions"),
                            **{column: Sum(column) for column, _label in SPEND_PURPOSES.values()})
    bands = []
    accounts = where.filter(PointsAccount.objects.all())
    floors = [f for f, _ in LEVELS]
    agg = accounts.aggregate(**{
        f"l{i}": Count("pk", filter=Q(reputation__gte=floor, **({"reputation__lt": floors[i + 1]} if i + 1 < len(floors) else {})))
        for i, floor in enumerate(floors)})
    for i, (_floor, label) in enumerate(LEVELS):
        bands.append({"label": label, "count": agg[f"l{i}"] or 0})
    totals = {k: v or 0 for k, v in totals.items()}
    purposes = [{"label": label, "beans": totals[column]} for column, label in SPEND_PURPOSES.values()]
    return {"rows": rows, "totals": totals, "levels": bands, "purposes": purposes}


def auctions_for(user: User) -> QuerySet[Auction]:
    """Auctions of the person's communities that have not been settled, soonest end first."""
    members = scope.scope_for(user, "member")
    if members.is_empty:
        return Auction.objects.none()
    return members.filter(Auction.objects.filter(settled_at__isnull=True)).select_related("community").order_by("ends_at", "id")


def managed_auctions(user: User) -> QuerySet[Auction]:
    committee = scope.scope_for(user, "committee")
    if committee.is_empty:
        return Auction.objects.none()
    return committee.filter(Auction.objects.all()).select_related("community", "winner").order_by("-ends_at", "-id")


def auction_bids(auction: Auction) -> QuerySet[Bid]:
    return Bid.objects.filter(auction=auction).select_related("user").order_by("-amount", "id")


def my_bids(user: User) -> QuerySet[Bid]:
    return Bid.objects.filter(user=user).select_related("auction").order_by("-created_at", "-id")


def my_donations(user: User) -> QuerySet[Donation]:
    return Donation.objects.filter(donor=user).select_related("recipient").order_by("-created_at", "-id")


def project_donations(project_id: int) -> dict[str, int]:
    """What a charity project received: 社区豆 in total and from how many people."""
    agg = Donation.objects.filter(project_id=project_id).aggregate(total=Sum("amount"), donors=Count("donor", distinct=True))
    return {"total": agg["total"] or 0, "donors": agg["donors"] or 0}


def invite_code_of(user: User) -> InviteCode | None:
    return InviteCode.objects.filter(pk=user.pk).first()


def invited_by_code(user: User) -> int:
    """How many registered with the person's code and joined (earned the inviter 社区豆)."""
    return PointsEntry.objects.filter(user=user, action="invite").count()
