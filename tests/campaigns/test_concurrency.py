"""1,000 draws from 200 people at once on 10 prizes, against a live server on PostgreSQL (issue 17, LQ-6)."""

from __future__ import annotations

import random
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests
from django.db import connection
from django.db.models import Max, Sum

from shequtong.accounts import services as account_services
from shequtong.accounts.roles import Role
from shequtong.campaigns import services
from shequtong.campaigns.models import Award, Draw, Player, PlayerDay

from ..factories import make_tree, make_with_role, resident_of
from .helpers import published_lottery

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="concurrent transactions need PostgreSQL"),
]
WORKERS = 16


def _press(url: str, key: str, idem: str) -> int:
    r = requests.post(url, headers={"Authorization": f"Bearer {key}", "Idempotency-Key": idem}, json={}, timeout=60)
    assert r.status_code < 500, r.text
    return r.status_code


@pytest.mark.long
def test_1000_draws_from_200_people_win_exactly_the_10_prizes_within_every_limit(live_server) -> None:
    tree = make_tree()
    staff = make_with_role(Role.COMMITTEE_STAFF, tree.comm_a1)
    people = [resident_of(tree.comm_a1) for _ in range(200)]
    # Ten prizes; the chance per draw is 10 / (1 × 5) ≥ 1, so only the stock decides: exactly 10 wins.
    lottery = published_lottery(staff, tree.comm_a1, expected_participants=1, draws_total=5, draws_per_day=4,
                                prizes=tuple(services.PrizeInput(f"奖品{i}", 1) for i in range(10)))
    keys = [account_services.create_api_token(actor=p, name="并发", token_scope="write")[1] for p in people]
    url = f"{live_server.url}/api/v1/campaigns/lotteries/{lottery.pk}/draws"
    presses = [k for k in keys for _ in range(5)]  # five presses each: the fifth is over the daily limit of four
    random.shuffle(presses)
    with ThreadPoolExecutor(WORKERS) as pool:
        statuses = Counter(pool.map(lambda k: _press(url, k, uuid.uuid4().hex), presses))
    assert statuses == {201: 800, 409: 200}, statuses
    assert Draw.objects.filter(lottery=lottery).count() == 800
    assert Draw.objects.filter(lottery=lottery, prize__isnull=False).count() == 10
    assert Award.objects.filter(lottery=lottery).count() == 10
    assert lottery.prizes.aggregate(n=Sum("drawn"))["n"] == 10
    assert all(p.drawn == p.quantity for p in lottery.prizes.all())
    assert Player.objects.filter(lottery=lottery).aggregate(m=Max("draws"))["m"] == 4
    assert PlayerDay.objects.filter(lottery=lottery).aggregate(m=Max("draws"))["m"] == 4
    assert Player.objects.filter(lottery=lottery).aggregate(n=Sum("draws"))["n"] == 800


def test_a_draw_retried_with_the_same_key_counts_once(live_server) -> None:
    tree = make_tree()
    staff = make_with_role(Role.COMMITTEE_STAFF, tree.comm_a1)
    resident = resident_of(tree.comm_a1)
    lottery = published_lottery(staff, tree.comm_a1, draws_total=3, draws_per_day=3)
    _, key = account_services.create_api_token(actor=resident, name="并发", token_scope="write")
    url = f"{live_server.url}/api/v1/campaigns/lotteries/{lottery.pk}/draws"
    same = uuid.uuid4().hex
    with ThreadPoolExecutor(WORKERS) as pool:
        statuses = Counter(pool.map(lambda _: _press(url, key, same), range(30)))
    assert statuses == {201: 30}
    assert Draw.objects.filter(lottery=lottery, user=resident).count() == 1
