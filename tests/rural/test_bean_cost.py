"""积分报名 (§3.4.3 item 2.3): an activity's sign-up charged in 社区豆, given back on cancelling."""

from __future__ import annotations

import pytest
from django.db.models import Sum

from shequtong.common.errors import Conflict, ValidationFailed
from shequtong.points import services as points
from shequtong.points.models import PointsAccount, PointsEntry
from shequtong.rural import services
from shequtong.rural.models import SignUp

from .conftest import item_input, published

pytestmark = pytest.mark.django_db


def _beans(user) -> int:  # type: ignore[no-untyped-def]
    return PointsAccount.objects.get(pk=user.pk).beans


def test_a_paid_activity_charges_at_sign_up_and_refunds_on_cancel(people, client) -> None:
    item = published(people, cost=15)
    assert item.cost == 15
    with pytest.raises(Conflict, match="社区豆不足"):
        services.sign_up(actor=people.villager, item_id=item.pk)
    assert not SignUp.objects.exists()
    item.refresh_from_db()
    assert item.signup_count == 0
    points.award_quality(actor=people.village_staff, user_id=people.villager.pk, reputation=0, beans=20, reason="测试")
    services.sign_up(actor=people.villager, item_id=item.pk)
    assert _beans(people.villager) == 5
    services.cancel_sign_up(actor=people.villager, item_id=item.pk)
    assert _beans(people.villager) == 20
    services.sign_up(actor=people.villager, item_id=item.pk)  # again: a new charge, a new refund later
    services.cancel_sign_up(actor=people.villager, item_id=item.pk)
    assert _beans(people.villager) == 20 == PointsEntry.objects.filter(user=people.villager).aggregate(b=Sum("beans"))["b"]
    client.force_login(people.villager)
    page = client.get(item.get_absolute_url()).content.decode()
    assert "我要报名（15社区豆）" in page


def test_a_free_activity_writes_nothing_to_the_ledger_and_the_cost_is_checked(people) -> None:
    item = published(people)
    services.sign_up(actor=people.villager, item_id=item.pk)
    assert not PointsEntry.objects.filter(user=people.villager, action="signup").exists()
    with pytest.raises(ValidationFailed, match="报名所需社区豆"):
        services.create_item(actor=people.admin, data=item_input(cost=-5))
