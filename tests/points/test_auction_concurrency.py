"""Many bids at once on PostgreSQL: one winner per auction, no balance below zero, every outbid hold released.

Threads call the service directly, each with its own database connection (bounded workers on a shared
machine). Bidders bid on two auctions at once, in different orders, so crossing locks would show up as
deadlocks (``_lock_accounts`` takes the accounts in id order).
"""

from __future__ import annotations

import datetime as dt
import random
import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import close_old_connections, connection
from django.db.models import Sum

from shequtong.accounts.models import User
from shequtong.accounts.roles import Role
from shequtong.common import clock
from shequtong.common.errors import Conflict, ValidationFailed
from shequtong.points import services
from shequtong.points.models import Auction, Bid, PointsAccount, PointsEntry

from ..factories import make_tree, make_with_role, resident_of

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks and concurrent transactions need PostgreSQL"),
]
BIDDERS = 30
BIDS = 400
START_BEANS = 100
WORKERS = 16


def test_concurrent_bids_leave_one_winner_and_no_negative_balance() -> None:
    tree = make_tree()
    staff = make_with_role(Role.COMMITTEE_STAFF, tree.comm_a1)
    bidders = [resident_of(tree.comm_a1) for _ in range(BIDDERS)]
    for u in bidders:
        services.credit(user_id=u.pk, reputation=0, beans=START_BEANS, reason="测试余额", community_id=tree.comm_a1.pk)
    now = clock.now()
    auctions = [services.create_auction(actor=staff, data=services.AuctionInput(
        community_id=tree.comm_a1.pk, title=f"拍品{i}", description="", how_to_collect="居委会领取", start_price=1,
        increment=1, starts_at=now - dt.timedelta(minutes=1), ends_at=now + dt.timedelta(hours=1))) for i in range(2)]
    rng = random.Random(17)
    plan = [(rng.choice(bidders).pk, rng.choice(auctions).pk, rng.randint(1, START_BEANS)) for _ in range(BIDS)]
    start = threading.Barrier(WORKERS)
    outcomes: Counter[str] = Counter()
    accepted: list[tuple[int, int, int]] = []
    lock = threading.Lock()

    def bid(index: int) -> None:
        user_id, auction_id, amount = plan[index]
        if index < WORKERS:
            start.wait()
        try:
            services.place_bid(actor=User.objects.get(pk=user_id), auction_id=auction_id, amount=amount)
            result = "ok"
        except ValidationFailed:
            result = "too_low"
        except Conflict:
            result = "not_enough"
        except Exception as exc:  # a deadlock or any other error fails the test below
            result = f"error:{type(exc).__name__}:{exc}"
        finally:
            close_old_connections()
            connection.close()
        with lock:
            outcomes[result] += 1
            if result == "ok":
                accepted.append((user_id, auction_id, amount))

    with ThreadPoolExecutor(max_workers=WORKERS) as pool:
        list(pool.map(bid, range(BIDS)))
    assert sum(outcomes.values()) == BIDS
    assert not [k for k in outcomes if k.startswith("error")], outcomes
    assert outcomes["ok"] >= 2, outcomes

    # While running: only the leading bid of each auction holds beans, and it is the highest accepted bid.
    for a in Auction.objects.filter(pk__in=[x.pk for x in auctions]):
        held = list(Bid.objects.filter(auction=a, status="held"))
        best = max((amt for _, aid, amt in accepted if aid == a.pk), default=None)
        assert len(held) == (1 if best is not None else 0)
        if best is not None:
            assert held[0].amount == best == a.top_amount and a.top_bid_id == held[0].pk
        assert a.bid_count == sum(1 for _, aid, _ in accepted if aid == a.pk)
    for u in PointsAccount.objects.filter(pk__in=[b.pk for b in bidders]):
        assert u.beans >= 0
        assert u.beans == PointsEntry.objects.filter(user_id=u.pk).aggregate(b=Sum("beans"))["b"]
        held = Bid.objects.filter(user_id=u.pk, status="held").aggregate(s=Sum("amount"))["s"] or 0
        assert u.beans + held == START_BEANS  # everything not held right now has come back

    # At the end the highest bid wins and only that amount is spent.
    Auction.objects.filter(pk__in=[a.pk for a in auctions]).update(starts_at=now - dt.timedelta(hours=2),
                                                                   ends_at=now - dt.timedelta(seconds=1))
    services.settle_ended_auctions()
    winners = list(Bid.objects.filter(auction__in=auctions, status="won"))
    assert not Bid.objects.filter(auction__in=auctions, status="held").exists()
    total = PointsAccount.objects.filter(pk__in=[b.pk for b in bidders]).aggregate(s=Sum("beans"))["s"]
    assert total == BIDDERS * START_BEANS - sum(w.amount for w in winners)
    for w in winners:
        assert Auction.objects.get(pk=w.auction_id).winner_id == w.user_id
