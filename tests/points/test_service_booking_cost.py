"""积分换服务 (§3.4.3 item 2.2): a 社区服务 booking charged in 社区豆, refunded on cancelling or declining."""

from __future__ import annotations

import pytest
from django.db.models import Sum

from shequtong.boards import services as board_services
from shequtong.boards.models import Booking
from shequtong.common.errors import Conflict, NotFound, PermissionRefused, ValidationFailed
from shequtong.points import services
from shequtong.points.models import Action, PointsAccount, PointsEntry

from ..factories import make_post

pytestmark = pytest.mark.django_db


def _beans(user) -> int:  # type: ignore[no-untyped-def]
    return PointsAccount.objects.get(pk=user.pk).beans


def _ledger(user) -> int:  # type: ignore[no-untyped-def]
    return PointsEntry.objects.filter(user=user).aggregate(b=Sum("beans"))["b"] or 0


def _service(cast):  # type: ignore[no-untyped-def]
    post = make_post(cast.resident_a, cast.a, board="services", title="上门理发")
    board_services.set_service_cost(actor=cast.staff_a, post_id=post.pk, cost=20)
    return post


def test_only_the_committee_sets_the_cost(cast) -> None:
    post = make_post(cast.resident_a, cast.a, board="services", title="上门理发")
    with pytest.raises(PermissionRefused):
        board_services.set_service_cost(actor=cast.resident_a, post_id=post.pk, cost=5)
    with pytest.raises(NotFound):
        board_services.set_service_cost(actor=cast.staff_b, post_id=post.pk, cost=5)
    with pytest.raises(ValidationFailed):
        board_services.set_service_cost(actor=cast.staff_a, post_id=post.pk, cost=-1)
    plain = make_post(cast.resident_a, cast.a, title="普通帖子")
    with pytest.raises(NotFound):
        board_services.set_service_cost(actor=cast.staff_a, post_id=plain.pk, cost=5)
    assert board_services.set_service_cost(actor=cast.staff_a, post_id=post.pk, cost=5).cost == 5


def test_a_booking_is_charged_with_it_and_refunded_once_when_cancelled(cast) -> None:
    post = _service(cast)
    booker = cast.party_member_a
    with pytest.raises(Conflict, match="社区豆不足"):
        board_services.book_service(actor=booker, post_id=post.pk)
    assert not Booking.objects.exists()  # the refusal wrote no booking
    services.award_quality(actor=cast.staff_a, user_id=booker.pk, reputation=0, beans=30, reason="测试")
    booking = board_services.book_service(actor=booker, post_id=post.pk)
    assert booking.cost == 20 and _beans(booker) == 10
    # A later change of the cost does not change what this booking was charged.
    board_services.set_service_cost(actor=cast.staff_a, post_id=post.pk, cost=1)
    board_services.cancel_booking(actor=booker, booking_id=booking.pk)
    assert _beans(booker) == 30 == _ledger(booker)
    with pytest.raises(Conflict):
        board_services.cancel_booking(actor=booker, booking_id=booking.pk)
    assert PointsEntry.objects.filter(user=booker, action=Action.REFUND).count() == 1
    assert set(PointsEntry.objects.filter(user=booker).values_list("action", flat=True)) == {"quality", "service", "refund"}


def test_a_declined_booking_is_refunded_and_a_confirmed_one_stays_paid(cast) -> None:
    post = _service(cast)
    booker = cast.party_member_a
    services.award_quality(actor=cast.staff_a, user_id=booker.pk, reputation=0, beans=40, reason="测试")
    b1 = board_services.book_service(actor=booker, post_id=post.pk)
    board_services.decide_booking(actor=cast.resident_a, booking_id=b1.pk, confirm=False)
    assert _beans(booker) == 40
    b2 = board_services.book_service(actor=booker, post_id=post.pk)
    board_services.decide_booking(actor=cast.resident_a, booking_id=b2.pk, confirm=True)
    assert _beans(booker) == 20 == _ledger(booker)


def test_the_post_page_shows_the_cost_and_the_committee_form(cast, client) -> None:
    post = _service(cast)
    client.force_login(cast.party_member_a)
    page = client.get(f"/boards/posts/{post.pk}/").content.decode()
    assert "预约（20社区豆）" in page and 'data-testid="service-cost-form"' not in page
    client.force_login(cast.staff_a)
    page = client.get(f"/boards/posts/{post.pk}/").content.decode()
    assert 'data-testid="service-cost-form"' in page
    assert client.post(f"/boards/posts/{post.pk}/cost/", {"cost": "0"}).status_code == 302
    client.force_login(cast.party_member_a)
    assert "免费" in client.get(f"/boards/posts/{post.pk}/").content.decode()
    client.force_login(cast.staff_b)
    assert client.post(f"/boards/posts/{post.pk}/cost/", {"cost": "3"}).status_code == 404
