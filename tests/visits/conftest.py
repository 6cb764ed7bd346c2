"""People and a helper to record visits through the real services.

The staff and observers are the one test cast (tests/factories.py Cast) under the names these tests use.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import pytest

from shequtong.accounts.models import User
from shequtong.accounts.roles import Role
from shequtong.notifications import outbox
from shequtong.visits import services
from shequtong.visits.models import Visit

from ..factories import Cast, Tree, make_with_role


@dataclass
class People:
    staff: User          # 社工 of comm_a1 (孙丽华)
    staff2: User         # another 社工 of comm_a1
    secretary: User      # 书记 of comm_a1
    member: User         # resident of comm_a1
    other_staff: User    # 社工 of comm_b1 (another subdistrict)
    other_secretary: User
    sub_observer: User   # 街镇观察员 of sub_a
    sub_b_observer: User
    district: User       # 区级观察员
    outsider_member: User  # resident of comm_b1


@pytest.fixture
def people(tree: Tree, cast: Cast) -> People:
    member = make_with_role(Role.RESIDENT, tree.comm_a1, real_name="李秀英")
    member.email = "li@example.test"
    member.save(update_fields=["email"])
    return People(
        staff=cast.staff_a,
        staff2=make_with_role(Role.COMMITTEE_STAFF, tree.comm_a1, real_name="赵大勇"),
        secretary=cast.secretary_a,
        member=member,
        other_staff=cast.staff_b,
        other_secretary=cast.secretary_b,
        sub_observer=cast.subdistrict_observer,
        sub_b_observer=cast.subdistrict_observer_other,
        district=cast.district,
        outsider_member=make_with_role(Role.RESIDENT, tree.comm_b1, real_name="孙丽"),
    )


def visit_input(community: Any, **kw: Any) -> services.VisitInput:
    defaults: dict[str, Any] = {
        "community_id": community.pk, "visit_type": "home", "title": "走访独居老人",
        "content": "老人反映楼道灯坏了，晚上出行不便。", "visited_on": dt.date(2026, 11, 20),
        "person_name": "周桂兰", "person_address": "友谊路100弄5号302室", "tags": ("elderly", "alone"),
        "problems": (services.ProblemInput("construction", "3号楼楼道灯损坏"),
                     services.ProblemInput("safety", "小区东门夜间无人值守")),
    }
    defaults.update(kw)
    return services.VisitInput(**defaults)


def record(actor: User, community: Any, *, submit: bool = False, **kw: Any) -> Visit:
    return services.create_visit(actor=actor, data=visit_input(community, **kw), submit=submit)


def approved(people: People, community: Any, **kw: Any) -> Visit:
    v = record(people.staff, community, submit=True, **kw)
    return services.approve_visit(actor=people.secretary, visit_id=v.pk)


@pytest.fixture(autouse=True)
def _frozen_today(time_machine):  # type: ignore[no-untyped-def]
    time_machine.move_to(dt.datetime(2026, 11, 27, 10, 0, tzinfo=dt.UTC), tick=False)


@pytest.fixture
def deliver_outbox():  # type: ignore[no-untyped-def]
    return outbox.deliver_due
