"""What the 政策找人 hook costs a resident's post (issue 16): CPU per create_post with and without the subscriber.

    .venv/bin/pytest bench/policy_hook_cost.py -s -p no:cacheprovider

Alternates blocks of posts with the subscriber on and off (same process, same
database) and prints the median CPU time (time.process_time) per post of each,
and the statements each adds. CPU, not wall time: this machine is shared.
"""

from __future__ import annotations

import statistics
import time

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from shequtong.boards import services as board_services
from shequtong.common import hooks
from shequtong.policy import services
from tests.factories import make_tree, resident_of

pytestmark = pytest.mark.django_db

BLOCKS, PER_BLOCK = 10, 30


def _block(author, community) -> float:  # type: ignore[no-untyped-def]
    start = time.process_time()
    for i in range(PER_BLOCK):
        board_services.create_post(actor=author, community_id=community.pk, board="neighbours",
                                   title=f"一个人在家吃饭难{i}", body="年纪大了做饭不方便，社区助餐点能不能送餐上门")
    return (time.process_time() - start) / PER_BLOCK * 1000


def test_hook_cost_per_post() -> None:
    tree = make_tree()
    author = resident_of(tree.comm_a1)
    _block(author, tree.comm_a1)   # warm up
    on, off = [], []
    try:
        for _ in range(BLOCKS):
            hooks.activity_recorded.subscribe(services.on_activity)
            on.append(_block(author, tree.comm_a1))
            hooks.activity_recorded.unsubscribe(services.on_activity)
            off.append(_block(author, tree.comm_a1))
        with CaptureQueriesContext(connection) as without:
            _block(author, tree.comm_a1)
        hooks.activity_recorded.subscribe(services.on_activity)
        with CaptureQueriesContext(connection) as with_it:
            _block(author, tree.comm_a1)
    finally:
        hooks.activity_recorded.subscribe(services.on_activity)
    print(f"\ncreate_post CPU ms, median of {BLOCKS} blocks of {PER_BLOCK}: with the policy hook "
          f"{statistics.median(on):.2f}, without {statistics.median(off):.2f}; statements per post "
          f"{len(with_it.captured_queries) / PER_BLOCK:.1f} vs {len(without.captured_queries) / PER_BLOCK:.1f}")
