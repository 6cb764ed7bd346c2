"""Spending 社区豆 (§3.4.3 items 2.5, 2.7) and invite codes: auctions, donations, the ledger they write."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db.models import Sum

from shequtong.accounts import services as account_services
from shequtong.common import clock
from shequtong.common.errors import Conflict, NotFound, PermissionRefused, ValidationFailed
from shequtong.points import selectors, services
from shequtong.points.models import (
    Action,
    Auction,
    Bid,
    InviteCode,
    PointsAccount,
    PointsEntry,
    PointsStats,
)

from ..factories import make_user

pytestmark = pytest.mark.django_db


def _give(cast, user, beans):  # type: ignore[no-untyped-def]
    staff = cast.staff_b if user in (cast.resident_b,) else cast.staff_a
    services.award_quality(actor=staff, user_id=user.pk, reputation=0, beans=beans, reason="测试余额")


def _beans(user) -> int:  # type: ignore[no-untyped-def]
    return PointsAccount.objects.get(pk=user.pk).beans


def _ledger(user) -> int:  # type: ignore[no-untyped-def]
    return PointsEntry.objects.filter(user=user).aggregate(b=Sum("beans"))["b"] or 0


def _auction(cast, **kw):  # type: ignore[no-untyped-def]
    now = clock.now()
    data = dict(community_id=cast.a.pk, title="手工布鞋", description="", how_to_collect="居委会领取",
                start_price=10, increment=5, starts_at=now - dt.timedelta(minutes=1), ends_at=now + dt.timedelta(hours=1))
    data.update(kw)
    return services.create_auction(actor=cast.staff_a, data=services.AuctionInput(**data))


def test_bids_hold_outbid_bids_are_released_and_only_the_winner_pays(cast) -> None:
    a, p = cast.resident_a, cast.party_member_a
    _give(cast, a, 100)
    _give(cast, p, 100)
    auction = _auction(cast)
    with pytest.raises(ValidationFailed, match="至少为10"):
        services.place_bid(actor=a, auction_id=auction.pk, amount=9)
    services.place_bid(actor=a, auction_id=auction.pk, amount=10)
    assert _beans(a) == 90
    with pytest.raises(ValidationFailed, match="至少为15"):
        services.place_bid(actor=p, auction_id=auction.pk, amount=14)
    services.place_bid(actor=p, auction_id=auction.pk, amount=30)
    assert (_beans(a), _beans(p)) == (100, 70)  # a's hold released at once
    services.place_bid(actor=a, auction_id=auction.pk, amount=100)  # all of a's beans
    assert (_beans(a), _beans(p)) == (0, 100)
    with pytest.raises(Conflict, match="社区豆不足"):
        services.place_bid(actor=p, auction_id=auction.pk, amount=105 + 100)
    assert (_beans(a), _beans(p)) == (0, 100)  # the refusal changed nothing: a still leads
    # The leader raises their own bid: the old hold comes back in the same transaction.
    _give(cast, a, 10)
    services.place_bid(actor=a, auction_id=auction.pk, amount=110)
    assert _beans(a) == 0
    assert Bid.objects.filter(auction=auction, status="held").count() == 1
    with pytest.raises(Conflict, match="结束时间未到"):
        services.settle_auction(actor=cast.staff_a, auction_id=auction.pk)
    Auction.objects.filter(pk=auction.pk).update(ends_at=clock.now() - dt.timedelta(seconds=1),
                                                 starts_at=clock.now() - dt.timedelta(hours=2))
    with pytest.raises(Conflict, match="已结束"):
        services.place_bid(actor=p, auction_id=auction.pk, amount=200)
    assert services.settle_ended_auctions() == 1
    auction.refresh_from_db()
    assert auction.winner_id == a.pk and auction.top_amount == 110
    assert Bid.objects.get(auction=auction, status="won").user_id == a.pk
    assert not Bid.objects.filter(auction=auction, status="held").exists()
    for u in (a, p):
        assert _beans(u) == _ledger(u)
    assert _beans(p) == 100  # the loser paid nothing
    assert set(PointsEntry.objects.filter(user=p).values_list("action", flat=True)) == {"quality", "bid", "refund"}
    services.collect_auction(actor=cast.staff_a, auction_id=auction.pk)
    with pytest.raises(Conflict):
        services.collect_auction(actor=cast.staff_a, auction_id=auction.pk)


def test_auctions_stay_in_their_community(cast) -> None:
    auction = _auction(cast)
    _give(cast, cast.resident_b, 50)
    with pytest.raises(NotFound):
        services.place_bid(actor=cast.resident_b, auction_id=auction.pk, amount=10)
    with pytest.raises(NotFound):
        services.settle_auction(actor=cast.staff_b, auction_id=auction.pk)
    with pytest.raises(NotFound):
        services.create_auction(actor=cast.staff_b, data=services.AuctionInput(
            community_id=cast.a.pk, title="x", description="", how_to_collect="x", start_price=1, increment=1,
            starts_at=clock.now(), ends_at=clock.now() + dt.timedelta(hours=1)))
    assert list(selectors.auctions_for(cast.resident_a)) == [auction]
    assert list(selectors.auctions_for(cast.resident_b)) == []
    assert list(selectors.managed_auctions(cast.staff_b)) == []
    with pytest.raises(ValidationFailed, match="结束时间应晚于开始时间"):
        _auction(cast, ends_at=clock.now() - dt.timedelta(hours=2))


def test_an_upcoming_auction_refuses_bids_and_an_auction_without_bids_settles_empty(cast) -> None:
    _give(cast, cast.resident_a, 50)
    auction = _auction(cast, starts_at=clock.now() + dt.timedelta(hours=1), ends_at=clock.now() + dt.timedelta(hours=2))
    with pytest.raises(Conflict, match="尚未开始"):
        services.place_bid(actor=cast.resident_a, auction_id=auction.pk, amount=10)
    Auction.objects.filter(pk=auction.pk).update(starts_at=clock.now() - dt.timedelta(hours=2),
                                                 ends_at=clock.now() - dt.timedelta(hours=1))
    services.settle_auction(actor=cast.staff_a, auction_id=auction.pk)
    auction.refresh_from_db()
    assert auction.settled_at is not None and auction.winner_id is None


def test_donations_to_a_neighbour_move_beans_through_both_ledgers(cast) -> None:
    a, b = cast.resident_a, cast.resident_b
    _give(cast, a, 30)
    with pytest.raises(Conflict, match="社区豆不足"):
        services.donate_to_phone(actor=a, phone=b.phone, amount=31)
    d = services.donate_to_phone(actor=a, phone=b.phone, amount=20, note="谢谢帮忙")
    assert (_beans(a), _beans(b)) == (10, 20)
    assert _beans(a) == _ledger(a) and _beans(b) == _ledger(b)
    assert PointsEntry.objects.get(user=b, action=Action.DONATED).ref_id == d.pk
    with pytest.raises(ValidationFailed, match="不能捐赠给自己"):
        services.donate_to_phone(actor=a, phone=a.phone, amount=1)
    with pytest.raises(ValidationFailed, match="没有找到"):
        services.donate_to_phone(actor=a, phone=make_user().phone, amount=1)  # not a resident
    with pytest.raises(ValidationFailed):
        services.donate_to_phone(actor=a, phone=b.phone, amount=0)
    assert list(selectors.my_donations(a)) == [d]


def test_donations_have_a_daily_limit(cast) -> None:
    a = cast.resident_a
    for _ in range(5):
        _give(cast, a, 500)
    for _ in range(services.DONATION_DAILY_MAX // services.DONATION_MAX):
        services.donate(actor=a, amount=services.DONATION_MAX, recipient_id=cast.party_member_a.pk)
    with pytest.raises(Conflict, match="每天最多"):
        services.donate(actor=a, amount=1, recipient_id=cast.party_member_a.pk)


def test_a_refund_is_given_once_per_source(cast) -> None:
    _give(cast, cast.resident_a, 10)
    services.spend_beans(user_id=cast.resident_a.pk, amount=10, action=Action.SERVICE, reason="x", ref_type="booking",
                         ref_id=99, community_id=cast.a.pk)
    assert services.refund_beans(user_id=cast.resident_a.pk, amount=10, reason="退还", ref_type="booking", ref_id=99,
                                 community_id=cast.a.pk) is not None
    assert services.refund_beans(user_id=cast.resident_a.pk, amount=10, reason="退还", ref_type="booking", ref_id=99,
                                 community_id=cast.a.pk) is None
    assert _beans(cast.resident_a) == 10 == _ledger(cast.resident_a)
    assert PointsStats.objects.get(community=cast.a).beans_spent == 0


def _register_with(code: str):  # type: ignore[no-untyped-def]
    user = make_user(real_name="王邻居")
    user.invite_code = code
    user.save(update_fields=["invite_code"])
    return user


def _join(cast, user):  # type: ignore[no-untyped-def]
    m = account_services.request_membership(actor=user, community_id=cast.a.pk)
    account_services.review_membership(actor=cast.secretary_a, membership_id=m.pk, approve=True)


def test_an_invite_code_rewards_the_inviter_once_when_the_neighbour_joins(cast) -> None:
    code = services.invite_code_for(actor=cast.resident_a)
    assert services.invite_code_for(actor=cast.resident_a) == code  # one code per person
    with pytest.raises(PermissionRefused):
        services.invite_code_for(actor=cast.district)  # not a resident
    newcomer = _register_with(code.code)
    assert not PointsEntry.objects.filter(user=cast.resident_a, action=Action.INVITE).exists()  # registering is not joining
    _join(cast, newcomer)
    rewarded = PointsEntry.objects.filter(user=cast.resident_a, action=Action.INVITE)
    assert [e.ref_id for e in rewarded] == [newcomer.pk]
    # Joining a second community does not pay twice.
    m2 = account_services.request_membership(actor=newcomer, community_id=cast.b.pk)
    account_services.review_membership(actor=cast.secretary_b, membership_id=m2.pk, approve=True)
    assert rewarded.count() == 1
    assert selectors.invited_by_code(cast.resident_a) == 1


def test_invite_codes_stop_farming(cast, monkeypatch) -> None:
    code = services.invite_code_for(actor=cast.resident_a)
    cap = services.EARN_RULES[Action.INVITE].daily_cap
    for _ in range(cap + 2):
        _join(cast, _register_with(code.code))
    assert PointsEntry.objects.filter(user=cast.resident_a, action=Action.INVITE).count() == cap
    monkeypatch.setattr(services, "INVITE_MONTHLY_CAP", cap)
    tomorrow = clock.today() + dt.timedelta(days=1)
    monkeypatch.setattr(clock, "today", lambda: tomorrow)
    _join(cast, _register_with(code.code))
    assert PointsEntry.objects.filter(user=cast.resident_a, action=Action.INVITE).count() == cap  # the 30-day cap
    # An unknown code and one's own code earn nothing.
    _join(cast, _register_with("NOSUCHCODE"))
    assert InviteCode.objects.count() == 1


def test_spending_pages(cast, client) -> None:
    auction = _auction(cast)
    _give(cast, cast.resident_a, 40)
    client.force_login(cast.resident_a)
    assert "手工布鞋" in client.get("/points/auctions/").content.decode()
    assert "出价至少 10 社区豆" in client.get(f"/points/auctions/{auction.pk}/").content.decode()
    assert client.post(f"/points/auctions/{auction.pk}/bid/", {"amount": "12"}).status_code == 302
    assert _beans(cast.resident_a) == 28
    assert client.post("/points/invite/code/").status_code == 302
    page = client.get("/points/invite/").content.decode()
    assert InviteCode.objects.get(pk=cast.resident_a.pk).code in page and "/accounts/register/?invite=" in page
    r = client.post("/points/donate/", {"phone": cast.party_member_a.phone, "amount": "8", "note": ""})
    assert r.status_code == 302 and _beans(cast.resident_a) == 20
    assert "社区豆不足" in client.post("/points/donate/", {"phone": cast.party_member_a.phone, "amount": "500"}).content.decode()
    client.force_login(cast.staff_a)
    assert "手工布鞋" in client.get("/points/auctions/manage/").content.decode()
    assert client.get("/points/auctions/new/").status_code == 200
    client.force_login(cast.resident_b)
    assert client.get(f"/points/auctions/{auction.pk}/").status_code == 404


def test_registering_with_an_invite_link_keeps_the_code(client) -> None:
    page = client.get("/accounts/register/?invite=ABCD2345").content.decode()
    assert 'value="ABCD2345"' in page and "邀请码" in page


def test_statistics_show_what_beans_were_spent_on_net_of_refunds(cast) -> None:
    _give(cast, cast.resident_a, 100)
    _give(cast, cast.party_member_a, 100)
    auction = _auction(cast)
    services.place_bid(actor=cast.resident_a, auction_id=auction.pk, amount=10)
    services.place_bid(actor=cast.party_member_a, auction_id=auction.pk, amount=20)  # the first hold is released
    services.donate(actor=cast.resident_a, amount=7, recipient_id=cast.party_member_a.pk)
    stats = selectors.statistics(cast.staff_a)
    purposes = {p["label"]: p["beans"] for p in stats["purposes"]}
    assert purposes["积分竞拍"] == 20 and purposes["积分捐赠"] == 7 and purposes["积分换礼品"] == 0
    assert stats["totals"]["spent"] == sum(purposes.values()) == 27
    assert selectors.statistics(cast.staff_b)["totals"]["spent"] == 0  # another community's committee
    assert selectors.statistics(cast.subdistrict_observer_other)["totals"]["spent"] == 0
    assert selectors.statistics(cast.subdistrict_observer)["totals"]["spent"] == 27
