"""Shared people for the 小区群 tests: two estates of one community, a second community, observers."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from shequtong.accounts.models import User
from shequtong.accounts.roles import Role
from shequtong.common import hooks

from ..factories import Tree, estate_group, make_with_role, resident_of_estate


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
def people(tree) -> People:  # type: ignore[no-untyped-def]
    a1, a2 = tree.comm_a1.estates.order_by("id")[:2]
    b1 = tree.estate(tree.comm_b1)
    return People(
        tree=tree,
        alice=resident_of_estate(a1, real_name="王小红"),
        bob=resident_of_estate(a1, real_name="李建国"),
        carol=resident_of_estate(a2, real_name="赵美丽"),
        dave=resident_of_estate(b1, real_name="钱多多"),
        staff=make_with_role(Role.COMMITTEE_STAFF, tree.comm_a1, real_name="孙丽华"),
        staff_b=make_with_role(Role.COMMITTEE_STAFF, tree.comm_b1, real_name="周志强"),
        sub_a=make_with_role(Role.SUBDISTRICT_OBSERVER, tree.sub_a, real_name="吴晓东"),
        district=make_with_role(Role.DISTRICT_OBSERVER, None, real_name="郑文辉"),
        rural_admin=make_with_role(Role.RURAL_ADMIN, None, real_name="冯海燕"),
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
