from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import pytest

from shequtong.accounts.models import User
from shequtong.common import clock
from shequtong.policy import services, store
from shequtong.policy.models import DemandProfile

from ..factories import Cast, resident_of

ELEVATOR = "既有多层住宅加装电梯补贴：本区户籍业主可申请加装电梯补贴，解决上下楼难。"


@dataclass
class District:
    """Residents of A and B with behaviour, care tags and household registration, profiles built."""

    needy_a: list[User]        # say they need the elevator policy, in colloquial words (A)
    plain_a: list[User]        # noise only (A)
    confounder_a: User         # 电梯又坏了: shares a word, not the need (A)
    outsider_hukou_a: User     # needs it but is 外省市 (A)
    needy_b: User              # needs it, but lives in B

    def profile(self, user: User) -> DemandProfile:
        return DemandProfile.objects.get(user=user)


def say(user: User, *texts: str, kind: str = "post", days_ago: int = 3) -> None:
    for t in texts:
        services.record_behaviour(user=user, kind=kind, text=t, at=clock.now() - dt.timedelta(days=days_ago))


def tag(cast: Cast, user: User, hukou: str = "本区", tags: Any = ()) -> None:
    staff = cast.staff_a if services.profile_for(user).community_id == cast.a.pk else cast.staff_b
    services.set_care_tags(actor=staff, profile_id=services.profile_for(user).pk, tags=list(tags), hukou=hukou)


@pytest.fixture
def district(cast: Cast) -> District:
    needy = [resident_of(cast.a) for _ in range(3)]
    say(needy[0], "住六楼爬不动楼了", "腿脚不好天天爬楼梯")
    say(needy[1], "老楼没电梯下楼一趟不容易，电话13912345678")
    say(needy[2], "我们楼想加装电梯")
    plain = [resident_of(cast.a) for _ in range(3)]
    for u in plain:
        say(u, "小区垃圾分类做得不错", "停车位太少了")
    confounder = resident_of(cast.a)
    say(confounder, "电梯又坏了，物业快来修")
    outsider = resident_of(cast.a)
    say(outsider, "住六楼爬不动楼了")
    needy_b = resident_of(cast.b)
    say(needy_b, "住六楼爬不动楼了")
    for u in [*needy, *plain, confounder, needy_b]:
        tag(cast, u, "本区")
    tag(cast, outsider, "外省市")
    store.rebuild_profiles()
    return District(needy_a=needy, plain_a=plain, confounder_a=confounder, outsider_hukou_a=outsider, needy_b=needy_b)
