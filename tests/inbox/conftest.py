"""People for the 信箱 tests: two communities in one subdistrict, a third elsewhere, observers."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from shequtong.accounts.models import User
from shequtong.accounts.roles import Role

from ..factories import Tree, make_with_role, resident_of_estate


@dataclass
class Folks:
    tree: Tree
    alice: User       # resident of comm_a1
    bob: User         # resident of comm_a1
    villager: User    # resident of comm_a2 (same subdistrict, other community)
    dave: User        # resident of comm_b1
    staff: User       # committee staff of comm_a1
    secretary: User   # committee secretary of comm_a1
    staff_b: User     # committee staff of comm_b1
    sub_a: User       # subdistrict observer of sub_a
    district: User    # district observer


@pytest.fixture
def folks(tree) -> Folks:  # type: ignore[no-untyped-def]
    return Folks(
        tree=tree,
        alice=resident_of_estate(tree.estate(tree.comm_a1), real_name="王小红"),
        bob=resident_of_estate(tree.estate(tree.comm_a1), real_name="李建国"),
        villager=resident_of_estate(tree.estate(tree.comm_a2), real_name="张大山"),
        dave=resident_of_estate(tree.estate(tree.comm_b1), real_name="钱多多"),
        staff=make_with_role(Role.COMMITTEE_STAFF, tree.comm_a1, real_name="孙丽华"),
        secretary=make_with_role(Role.COMMITTEE_SECRETARY, tree.comm_a1, real_name="陈建国"),
        staff_b=make_with_role(Role.COMMITTEE_STAFF, tree.comm_b1, real_name="周志强"),
        sub_a=make_with_role(Role.SUBDISTRICT_OBSERVER, tree.sub_a, real_name="吴晓东"),
        district=make_with_role(Role.DISTRICT_OBSERVER, None, real_name="郑文辉"),
    )
