"""People and helpers for 乡村振兴 tests: two 农委 administrators, villagers of two villages, the cast."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import pytest

from shequtong.accounts.models import User
from shequtong.accounts.roles import Role
from shequtong.places.models import Community, CommunityStats, Estate
from shequtong.rural import services
from shequtong.rural.models import Item

from ..factories import Cast, Tree, make_with_role, resident_of_estate

NOW = dt.datetime(2026, 11, 27, 2, 0, tzinfo=dt.UTC)  # 10:00 in Shanghai


@dataclass
class People:
    admin: User            # 农委 (the cast's)
    admin2: User           # a second 农委 administrator: the reviewer
    villager: User         # resident of comm_a2 (rural, sub_a)
    villager_b: User       # resident of village_b (rural, sub_b)
    village_staff: User    # 村委 社工 of comm_a2
    urban: User            # resident of comm_a1 (urban)
    urban_staff: User      # 社工 of comm_a1
    sub_observer: User     # 街镇观察员 of sub_a
    sub_b_observer: User   # 街镇观察员 of sub_b
    district: User
    village_b: Community
    village_a: Community   # comm_a2 (rural, sub_a)


@pytest.fixture(autouse=True)
def _now(time_machine):  # type: ignore[no-untyped-def]
    time_machine.move_to(NOW, tick=False)


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):  # type: ignore[no-untyped-def]
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def people(tree: Tree, cast: Cast) -> People:
    village_b = Community.objects.create(subdistrict=tree.sub_b, name="罗店村村委", kind="rural")
    CommunityStats.objects.create(community=village_b, subdistrict=tree.sub_b)
    estate_b = Estate.objects.create(community=village_b, name="第一村民小组")
    return People(
        admin=cast.rural_admin,
        admin2=make_with_role(Role.RURAL_ADMIN, None, real_name="王振兴"),
        villager=cast.villager,
        villager_b=resident_of_estate(estate_b, real_name="钱小村"),
        village_staff=make_with_role(Role.COMMITTEE_STAFF, tree.comm_a2, real_name="陆村委"),
        urban=cast.resident_a,
        urban_staff=cast.staff_a,
        sub_observer=cast.subdistrict_observer,
        sub_b_observer=cast.subdistrict_observer_other,
        district=cast.district,
        village_b=village_b,
        village_a=tree.comm_a2,
    )


def item_input(**kw: Any) -> services.ItemInput:
    defaults: dict[str, Any] = {"title": "水稻秋收机械化培训", "body": "区农委组织水稻收割机操作培训，欢迎村民参加。",
                                "item_type": "activity", "starts_at": NOW + dt.timedelta(days=7), "place": "罗店镇农技站",
                                "capacity": 30, "signup_deadline": NOW + dt.timedelta(days=5)}
    defaults.update(kw)
    return services.ItemInput(**defaults)


def draft(author: User, **kw: Any) -> Item:
    return services.create_item(actor=author, data=item_input(**kw))


def published(people: People, **kw: Any) -> Item:
    item = services.create_item(actor=people.admin, data=item_input(**kw), submit=True)
    services.approve_item(actor=people.admin2, item_id=item.pk)
    return services.publish_item(actor=people.admin, item_id=item.pk)
