"""Capacity under concurrency on PostgreSQL: 200 sign-up requests at once for 50 places → exactly 50 accepted.

Run with DATABASE_URL pointing at PostgreSQL; skipped on SQLite (which serialises every writer anyway).
"""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection, connections

from shequtong.common.errors import Conflict
from shequtong.rural import services
from shequtong.rural.errors import RuralError
from shequtong.rural.models import Item, ItemVillageStats, SignUp

from ..factories import resident_of_estate
from .conftest import published

pytestmark = pytest.mark.django_db(transaction=True)

REQUESTS = 200
PLACES = 50
# PostgreSQL allows 100 connections on this machine (shared): 40 threads each hold one at a time.
THREADS = 40


@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL (DATABASE_URL)")
def test_200_concurrent_sign_ups_for_50_places_accept_exactly_50(people):
    item = published(people, capacity=PLACES)
    estates = [people.village_a.estates.first(), people.village_b.estates.first()]
    villagers = [resident_of_estate(estates[n % 2], real_name=f"村民{n}") for n in range(REQUESTS)]
    start = threading.Event()
    outcomes: list[str] = []
    lock = threading.Lock()

    def attempt(user):  # type: ignore[no-untyped-def]
        start.wait()
        try:
            services.sign_up(actor=user, item_id=item.pk)
            result = "ok"
        except Conflict as exc:
            result = str(exc.code)
        finally:
            connections.close_all()
        with lock:
            outcomes.append(result)

    with ThreadPoolExecutor(max_workers=THREADS) as pool:
        futures = [pool.submit(attempt, u) for u in villagers]
        start.set()
        for f in futures:
            f.result()

    assert len(outcomes) == REQUESTS
    assert outcomes.count("ok") == PLACES
    assert outcomes.count(str(RuralError.FULL)) == REQUESTS - PLACES
    item.refresh_from_db()
    assert item.signup_count == PLACES == SignUp.objects.filter(item=item).count()
    per_village = {s.community_id: s.signups for s in ItemVillageStats.objects.filter(item=item)}
    assert sum(per_village.values()) == PLACES
    for community_id, n in per_village.items():
        assert n == SignUp.objects.filter(item=item, community_id=community_id).count()
    assert Item.objects.get(pk=item.pk).places_left == 0
