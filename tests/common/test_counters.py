"""Rollup counters: created on first use, added to afterwards, safe under a race (PostgreSQL)."""

import threading

import pytest
from django.db import connection, transaction

from shequtong.common import counters
from shequtong.places.models import CommunityStats

from ..factories import make_tree


@pytest.mark.django_db
def test_increment_creates_then_adds():
    tree = make_tree()
    CommunityStats.objects.filter(pk=tree.comm_a1.pk).delete()
    counters.increment(CommunityStats, keys={"community_id": tree.comm_a1.pk}, deltas={"residents": 2},
                       defaults={"subdistrict_id": tree.sub_a.pk})
    counters.increment(CommunityStats, keys={"community_id": tree.comm_a1.pk}, deltas={"residents": 3, "party_members": 1},
                       defaults={"subdistrict_id": tree.sub_a.pk})
    row = CommunityStats.objects.get(pk=tree.comm_a1.pk)
    assert (row.residents, row.party_members) == (5, 1)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="concurrent transactions need PostgreSQL")
@pytest.mark.django_db(transaction=True)
def test_two_first_increments_racing_both_count():
    tree = make_tree()
    CommunityStats.objects.filter(pk=tree.comm_b1.pk).delete()
    barrier = threading.Barrier(2)
    errors: list[BaseException] = []

    def bump() -> None:
        try:
            with transaction.atomic():
                barrier.wait(timeout=10)
                counters.increment(CommunityStats, keys={"community_id": tree.comm_b1.pk}, deltas={"residents": 1},
                                   defaults={"subdistrict_id": tree.sub_b.pk})
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=bump) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert CommunityStats.objects.get(pk=tree.comm_b1.pk).residents == 2
