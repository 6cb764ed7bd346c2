"""People for the 信箱 tests: two communities in one subdistrict, a third elsewhere, observers.

All but bob are the one test cast (tests/factories.py Cast) under the names these tests use.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from shequtong.accounts.models import User

from ..factories import Cast, Tree, resident_of_estate


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
def folks(tree: Tree, cast: Cast) -> Folks:
    return Folks(
        tree=tree,
        alice=cast.resident_a,
        bob=resident_of_estate(tree.estate(tree.comm_a1), real_name="李建国"),
        villager=cast.villager,
        dave=cast.resident_b,
        staff=cast.staff_a,
        secretary=cast.secretary_a,
        staff_b=cast.staff_b,
        sub_a=cast.subdistrict_observer,
        district=cast.district,
    )
