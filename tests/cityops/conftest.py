"""Feed tokens and a small district with letters, cases and epidemic reports in both subdistricts."""

from __future__ import annotations

import random
from typing import Any

import pytest

from shequtong.cases import services as case_services
from shequtong.cityops import services
from shequtong.cityops.models import FeedToken
from shequtong.common.categories import Category
from shequtong.letters import services as letter_services
from shequtong.letters.models import SubCategory

from ..factories import Cast, resident_of


@pytest.fixture(autouse=True)
def _no_rate_limit(settings):  # type: ignore[no-untyped-def]
    settings.CITYOPS_REQUESTS_PER_MINUTE = 10_000
    settings.CITYOPS_CACHE_SECONDS = 0


def feed_token(cast: Cast, **kw: Any) -> tuple[FeedToken, str]:
    kw.setdefault("name", "区城运中心大屏")
    kw.setdefault("days", 30)
    return services.issue_token(actor=cast.sysadmin, **kw)


def bearer(key: str) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": f"Bearer {key}"}


ACTIONS = [(), ("accept",), ("accept", "resolve"), ("accept", "update"), ("accept", "resolve", "close")]


def fill(cast: Cast, seed: int, n: int = 12) -> None:
    """Letters (each a case) and committee cases with random categories and handling, in A and B."""
    rnd = random.Random(seed)
    if not SubCategory.objects.exists():  # a live-server test before this one flushed the migration's rows
        for i, code in enumerate(Category.values):
            SubCategory.objects.create(category=code, name=f"{Category(code).label}·其他", sort_order=i)
    places = [(cast.a, cast.staff_a), (cast.b, cast.staff_b)]
    residents = {c.pk: resident_of(c) for c, _ in places}
    for i in range(n):
        community, staff = rnd.choice(places)
        category = rnd.choice(Category.values)
        sub = SubCategory.objects.filter(category=category, is_active=True).first()
        if rnd.random() < 0.5 and sub is not None:
            letter = letter_services.submit_letter(
                actor=residents[community.pk], community=community, category=category, subcategory_ids=[sub.pk],
                content=f"楼道灯坏了第{i}次，请尽快修理，联系电话13812345678")
            case = letter.case
        else:
            case = case_services.create_case(actor=staff, community=community, source="visit", category=category,
                                             title=f"加装电梯协调{i}", content="居民意见不统一，需要协调")
        for action in rnd.choice(ACTIONS):
            case = case_services.handle_case(actor=staff, case_id=case.pk, action=action, note="已联系物业处理")
