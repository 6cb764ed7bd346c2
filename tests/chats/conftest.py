"""Shared people for the 小区群 tests: two estates of one community, a second community, observers.

Most are the one test cast (tests/factories.py Cast) under the names these tests use.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from shequtong.accounts.models import User
from shequtong.common import hooks

from ..factories import Cast, Tree, estate_group, resident_of_estate


@dataclass
class People:
    tree: Tree
    alice: User      # resident of estate A1 (comm_a1)
    bob: User        # resident of estate A1
    carol: User      # resident of estate A2 (comm_a1)
    dave: User       # resident of an estate of comm_b1 (other subdistrict)
    staff: User      # committee staff of comm_a1
    staff_b: User    # committee staff of comm_b1
    sub_a: User      # subdistrict observer of sub_a
    district: User   # district observer
    rural_admin: User  # observes, but does not patrol chats
    group_a1: Any
    group_a2: Any
    group_b1: Any


@pytest.fixture
def people(tree: Tree, cast: Cast) -> People:
    a1, a2 = tree.comm_a1.estates.order_by("id")[:2]
    b1 = tree.estate(tree.comm_b1)
    return People(
        tree=tree,
        alice=cast.resident_a,
        bob=resident_of_estate(a1, real_name="李建国"),
        carol=resident_of_estate(a2, real_name="赵美丽"),
        dave=cast.resident_b,
        staff=cast.staff_a,
        staff_b=cast.staff_b,
        sub_a=cast.subdistrict_observer,
        district=cast.district,
        rural_admin=cast.rural_admin,
        group_a1=estate_group(a1),
        group_a2=estate_group(a2),
        group_b1=estate_group(b1),
    )


@pytest.fixture
def mentions():  # type: ignore[no-untyped-def]
    """Collect every MentionEvent published while the test runs (a real subscriber)."""
    seen: list[hooks.MentionEvent] = []
    hooks.mention_recorded.subscribe(seen.append)
    yield seen
    hooks.mention_recorded.unsubscribe(seen.append)
