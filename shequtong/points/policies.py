"""Who may do what to a gift and to a redemption (docs/adr/0001).

A community gift is managed by its committee ("committee" covering the
community) and exchanged by the community's residents ("member"); a district
gift (no community) is managed by district observers ("district_announce")
and exchanged by every resident. Observers over the place read it. Missing
and forbidden answer the same ``NotFound``.
"""

from __future__ import annotations

from dataclasses import dataclass

from shequtong.accounts import scope
from shequtong.accounts.models import User
from shequtong.common.errors import NotFound

from .models import Auction, Gift, Redemption

GIFT_NOT_FOUND = "礼品不存在或您无权查看"
REDEMPTION_NOT_FOUND = "兑换记录不存在或您无权查看"
AUCTION_NOT_FOUND = "竞拍不存在或您无权查看"


@dataclass(frozen=True)
class GiftAccess:
    is_manager: bool
    is_audience: bool
    is_observer: bool
    is_active: bool

    @property
    def can_view(self) -> bool:
        return self.is_manager or self.is_observer or (self.is_audience and self.is_active)

    @property
    def can_redeem(self) -> bool:
        return self.is_audience and self.is_active

    @property
    def can_end(self) -> bool:
        return self.is_manager and self.is_active


def manages_place(actor: User, community_id: int | None, subdistrict_id: int | None = None) -> bool:
    """The committee of a community, or the district observers for a district-wide thing."""
    if community_id is None:
        return scope.has_capability(actor, "district_announce")
    return scope.scope_for(actor, "committee").covers(community_id=community_id, subdistrict_id=subdistrict_id)


def audience_of_place(actor: User, community_id: int | None, subdistrict_id: int | None = None) -> bool:
    if community_id is None:
        return scope.has_capability(actor, "member")
    return scope.scope_for(actor, "member").covers(community_id=community_id, subdistrict_id=subdistrict_id)


def observes_place(actor: User, community_id: int | None, subdistrict_id: int | None = None) -> bool:
    """Observers over the community; for a district-wide thing, those observing the whole district."""
    observed = scope.scope_for(actor, "observe")
    if community_id is None:
        return observed.everything
    return observed.covers(community_id=community_id, subdistrict_id=subdistrict_id)


def gift_access(actor: User, gift: Gift) -> GiftAccess:
    where = (gift.community_id, gift.subdistrict_id)
    return GiftAccess(
        is_manager=manages_place(actor, *where), is_audience=audience_of_place(actor, *where),
        is_observer=observes_place(actor, *where), is_active=gift.is_active,
    )


def access_gift(actor: User, gift_id: int, *, for_update: bool = False) -> tuple[Gift, GiftAccess]:
    qs = Gift.objects.select_for_update(of=("self",)) if for_update else Gift.objects.all()
    gift = qs.select_related("community").filter(pk=gift_id).first()
    if gift is None:
        raise NotFound(GIFT_NOT_FOUND)
    access = gift_access(actor, gift)
    if not access.can_view:
        raise NotFound(GIFT_NOT_FOUND)
    return gift, access


@dataclass(frozen=True)
class RedemptionAccess:
    is_owner: bool
    is_manager: bool
    status: str

    @property
    def can_collect(self) -> bool:
        return self.is_manager and self.status == Redemption.Status.WAITING


def access_redemption(actor: User, redemption_id: int, *, for_update: bool = False) -> tuple[Redemption, RedemptionAccess]:
    qs = Redemption.objects.select_for_update(of=("self",)) if for_update else Redemption.objects.all()
    row = qs.select_related("gift", "user").filter(pk=redemption_id).first()
    if row is None:
        raise NotFound(REDEMPTION_NOT_FOUND)
    access = RedemptionAccess(
        is_owner=row.user_id == getattr(actor, "pk", None),
        is_manager=manages_place(actor, row.gift.community_id, row.gift.subdistrict_id),
        status=row.status,
    )
    if not (access.is_owner or access.is_manager):
        raise NotFound(REDEMPTION_NOT_FOUND)
    return row, access


@dataclass(frozen=True)
class AuctionAccess:
    is_manager: bool    # the committee of the auction's community
    is_audience: bool   # a resident of it: may bid
    is_observer: bool

    @property
    def can_view(self) -> bool:
        return self.is_manager or self.is_audience or self.is_observer


def access_auction(actor: User, auction_id: int, *, for_update: bool = False) -> tuple[Auction, AuctionAccess]:
    qs = Auction.objects.select_for_update(of=("self",)) if for_update else Auction.objects.select_related("community")
    auction = qs.filter(pk=auction_id).first()
    if auction is None:
        raise NotFound(AUCTION_NOT_FOUND)
    where = (auction.community_id, auction.subdistrict_id)
    access = AuctionAccess(is_manager=manages_place(actor, *where), is_audience=audience_of_place(actor, *where),
                           is_observer=observes_place(actor, *where))
    if not access.can_view:
        raise NotFound(AUCTION_NOT_FOUND)
    return auction, access
