"""500 presses at once on one balance of 100 社区豆, against a live server on PostgreSQL (issue 17, LQ-6).

Bounded threads on the loopback send real HTTP requests to the API (bearer
tokens); the server runs each in its own thread and database connection.
"""

from __future__ import annotations

import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests
from django.db import connection
from django.db.models import Sum

from shequtong.accounts import services as account_services
from shequtong.accounts.roles import Role
from shequtong.points import services
from shequtong.points.models import PointsAccount, PointsEntry, Redemption

from ..factories import make_tree, make_with_role, resident_of

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="concurrent transactions need PostgreSQL"),
]
WORKERS = 16  # a shared machine: bounded, and well under PostgreSQL's connection limit


def _setup(live_server):  # type: ignore[no-untyped-def]
    tree = make_tree()
    staff = make_with_role(Role.COMMITTEE_STAFF, tree.comm_a1)
    resident = resident_of(tree.comm_a1)
    services.award_quality(actor=staff, user_id=resident.pk, reputation=0, beans=100, reason="测试余额")
    gift = services.create_gift(actor=staff, data=services.GiftInput(
        name="纸巾", description="", kind="physical", cost=1, stock=1000, how_to_collect="居委会领取",
        community_id=tree.comm_a1.pk))
    _, key = account_services.create_api_token(actor=resident, name="并发", token_scope="write")
    url = f"{live_server.url}/api/v1/points/gifts/{gift.pk}/redemptions"
    return resident, gift, url, key


def _press(url: str, key: str, idem: str) -> int:
    r = requests.post(url, headers={"Authorization": f"Bearer {key}", "Idempotency-Key": idem}, json={}, timeout=60)
    return r.status_code


def test_500_concurrent_spends_from_100_beans_never_go_below_zero(live_server) -> None:
    resident, gift, url, key = _setup(live_server)
    with ThreadPoolExecutor(WORKERS) as pool:
        statuses = Counter(pool.map(lambda _: _press(url, key, uuid.uuid4().hex), range(500)))
    assert statuses == {201: 100, 409: 400}, statuses
    account = PointsAccount.objects.get(pk=resident.pk)
    ledger = PointsEntry.objects.filter(user=resident).aggregate(b=Sum("beans"), r=Sum("reputation"))
    assert account.beans == 0 == ledger["b"] and account.reputation == ledger["r"]
    assert Redemption.objects.filter(user=resident).count() == 100
    gift.refresh_from_db()
    assert gift.redeemed == 100


def test_a_press_retried_with_the_same_key_counts_once(live_server) -> None:
    resident, gift, url, key = _setup(live_server)
    same = uuid.uuid4().hex
    with ThreadPoolExecutor(WORKERS) as pool:
        statuses = Counter(pool.map(lambda _: _press(url, key, same), range(40)))
    assert statuses == {201: 40}, statuses  # every retry is answered with the first result
    assert Redemption.objects.filter(user=resident).count() == 1
    assert PointsAccount.objects.get(pk=resident.pk).beans == 99
