"""The 农委's workflow (RV-1): every transition, and every refused one, through the services."""

from __future__ import annotations

import datetime as dt

import pytest

from shequtong.common.errors import Conflict, NotFound, PermissionRefused, ValidationFailed
from shequtong.rural import selectors, services
from shequtong.rural.errors import RuralError
from shequtong.rural.models import Item, ItemEvent, Status

from ..factories import image_upload
from .conftest import NOW, draft, item_input, published

pytestmark = pytest.mark.django_db


def _kinds(item: Item) -> list[str]:
    return list(ItemEvent.objects.filter(item=item).values_list("kind", flat=True))


def test_draft_submit_approve_publish(people):
    item = draft(people.admin)
    assert item.status == Status.DRAFT and item.author == people.admin
    services.submit_item(actor=people.admin, item_id=item.pk)
    services.approve_item(actor=people.admin2, item_id=item.pk)
    item.refresh_from_db()
    assert item.status == Status.APPROVED and item.reviewed_by == people.admin2
    services.publish_item(actor=people.admin2, item_id=item.pk)
    item.refresh_from_db()
    assert item.status == Status.PUBLISHED and item.published_at == NOW
    assert _kinds(item) == ["created", "submitted", "approved", "published"]


def test_the_author_cannot_approve_or_reject_their_own_item(people):
    item = services.create_item(actor=people.admin, data=item_input(), submit=True)
    with pytest.raises(PermissionRefused) as e:
        services.approve_item(actor=people.admin, item_id=item.pk)
    assert e.value.code == RuralError.OWN_ITEM
    with pytest.raises(PermissionRefused):
        services.reject_item(actor=people.admin, item_id=item.pk, reason="自己不行")
    item.refresh_from_db()
    assert item.status == Status.SUBMITTED and item.reviewed_by is None


def test_reject_needs_a_reason_and_the_author_edits_and_resubmits(people):
    item = services.create_item(actor=people.admin, data=item_input(), submit=True)
    with pytest.raises(ValidationFailed):
        services.reject_item(actor=people.admin2, item_id=item.pk, reason="  ")
    services.reject_item(actor=people.admin2, item_id=item.pk, reason="活动地点写错了")
    item.refresh_from_db()
    assert item.status == Status.REJECTED and item.reject_reason == "活动地点写错了"
    # The reviewer may not edit someone else's item; the author may.
    with pytest.raises(NotFound):
        services.update_item(actor=people.admin2, item_id=item.pk, data=item_input(place="月浦镇"))
    services.update_item(actor=people.admin, item_id=item.pk, data=item_input(place="罗店镇农技推广站"), submit=True)
    item.refresh_from_db()
    assert item.status == Status.SUBMITTED and item.place == "罗店镇农技推广站"


def test_send_back_an_approved_item_then_resubmit(people):
    item = services.create_item(actor=people.admin, data=item_input(), submit=True)
    services.approve_item(actor=people.admin2, item_id=item.pk)
    services.send_back_item(actor=people.admin2, item_id=item.pk, reason="等领导确认时间")
    item.refresh_from_db()
    assert item.status == Status.RETURNED and item.return_reason == "等领导确认时间"
    services.submit_item(actor=people.admin, item_id=item.pk)
    assert Item.objects.get(pk=item.pk).status == Status.SUBMITTED


@pytest.mark.parametrize("status", [Status.DRAFT, Status.SUBMITTED, Status.REJECTED, Status.RETURNED, Status.ENDED])
def test_only_an_approved_item_is_published_or_sent_back(people, status):
    item = draft(people.admin)
    Item.objects.filter(pk=item.pk).update(status=status)
    for fn in (services.publish_item, services.send_back_item):
        with pytest.raises((Conflict, NotFound)):
            fn(actor=people.admin, item_id=item.pk)
    assert Item.objects.get(pk=item.pk).status == status


@pytest.mark.parametrize("status", [Status.DRAFT, Status.APPROVED, Status.PUBLISHED, Status.ENDED, Status.REJECTED])
def test_only_a_submitted_item_is_reviewed(people, status):
    item = draft(people.admin)
    Item.objects.filter(pk=item.pk).update(status=status)
    with pytest.raises((Conflict, NotFound)):
        services.approve_item(actor=people.admin2, item_id=item.pk)
    with pytest.raises((Conflict, NotFound)):
        services.reject_item(actor=people.admin2, item_id=item.pk, reason="不行")
    assert Item.objects.get(pk=item.pk).status == status


@pytest.mark.parametrize("status", [Status.SUBMITTED, Status.APPROVED, Status.PUBLISHED, Status.ENDED])
def test_a_submitted_item_is_no_longer_edited_submitted_or_deleted(people, status):
    item = draft(people.admin)
    Item.objects.filter(pk=item.pk).update(status=status)
    for call in (lambda: services.update_item(actor=people.admin, item_id=item.pk, data=item_input(title="改")),
                 lambda: services.submit_item(actor=people.admin, item_id=item.pk),
                 lambda: services.delete_item(actor=people.admin, item_id=item.pk)):
        with pytest.raises(Conflict) as e:
            call()
        assert e.value.code == RuralError.NOT_EDITABLE
    assert Item.objects.get(pk=item.pk).title == "水稻秋收机械化培训"


def test_a_draft_is_its_authors_alone_and_deleted_by_them(people):
    item = draft(people.admin)
    with pytest.raises(NotFound):
        services.delete_item(actor=people.admin2, item_id=item.pk)
    with pytest.raises(NotFound):
        services.submit_item(actor=people.admin2, item_id=item.pk)
    assert item not in selectors.admin_items(people.admin2)
    assert item in selectors.admin_items(people.admin)
    services.delete_item(actor=people.admin, item_id=item.pk)
    assert not Item.objects.filter(pk=item.pk).exists()


def test_nobody_but_the_nongwei_writes(people):
    for who in (people.villager, people.village_staff, people.district, people.sub_observer, people.urban):
        with pytest.raises(PermissionRefused):
            services.create_item(actor=who, data=item_input())
    assert not Item.objects.exists()


def test_validation_of_an_activity(people):
    with pytest.raises(ValidationFailed) as e:
        services.create_item(actor=people.admin, data=item_input(place="", capacity=None, starts_at=None))
    assert set(e.value.errors) == {"starts_at", "place", "capacity"}  # type: ignore[attr-defined]
    with pytest.raises(ValidationFailed) as e:
        services.create_item(actor=people.admin, data=item_input(signup_deadline=NOW + dt.timedelta(days=9)))
    assert e.value.field == "signup_deadline"
    with pytest.raises(ValidationFailed):
        services.create_item(actor=people.admin, data=item_input(title="", item_type="bogus"))
    # A news item keeps no activity fields.
    news = services.create_item(actor=people.admin, data=item_input(item_type="news"))
    assert news.capacity is None and news.place == "" and news.starts_at is None
    assert Item.objects.count() == 1


def test_images_are_stored_without_metadata_and_removed(people):
    item = draft(people.admin, images=(image_upload(), image_upload("b.jpg", fmt="JPEG")))
    assert item.images.count() == 2
    first = item.images.first()
    services.update_item(actor=people.admin, item_id=item.pk, data=item_input(remove_images=(first.pk,)))
    assert list(item.images.values_list("pk", flat=True)) != [first.pk] and item.images.count() == 1
    with pytest.raises(ValidationFailed):
        draft(people.admin, images=(image_upload(),) * 10)


def test_end_makes_an_item_disappear_everywhere(people):
    item = published(people, title="高标准农田建设补贴政策解读", item_type="policy")
    services.record_read(actor=people.villager, item_id=item.pk)
    services.toggle_like(actor=people.villager, item_id=item.pk)
    assert selectors.totals(people.district)["reads"] == 1
    services.end_item(actor=people.admin2, item_id=item.pk)
    item.refresh_from_db()
    assert item.status == Status.ENDED and item.ended_at == NOW
    assert item not in selectors.board_items()
    assert not selectors.board_items(selectors.Filters(q="农田")).exists()
    for who in (people.villager, people.district, people.sub_observer):
        with pytest.raises(NotFound):
            services.record_read(actor=who, item_id=item.pk)
    assert selectors.totals(people.district) == {"reads": 0, "likes": 0, "signups": 0, "items": 0}
    assert selectors.totals(people.admin) == {"reads": 0, "likes": 0, "signups": 0, "items": 0}
    # The 农委 keep it under 已终止 only.
    assert item not in selectors.admin_items(people.admin)
    assert item in selectors.admin_items(people.admin, selectors.Filters(status="ended"))
    with pytest.raises(Conflict):
        services.end_item(actor=people.admin, item_id=item.pk)


def test_pinned_items_come_first_in_their_order(people):
    a = published(people, title="新闻一", item_type="news")
    b = published(people, title="新闻二", item_type="news")
    c = published(people, title="新闻三", item_type="news")
    assert list(selectors.board_items()) == [c, b, a]  # newest first
    services.pin_item(actor=people.admin, item_id=a.pk)           # order 1
    services.pin_item(actor=people.admin, item_id=b.pk)           # order 2
    assert list(selectors.board_items()) == [a, b, c]
    services.pin_item(actor=people.admin, item_id=b.pk, order=1)
    services.pin_item(actor=people.admin, item_id=a.pk, order=2)
    assert list(selectors.board_items()) == [b, a, c]
    services.unpin_item(actor=people.admin, item_id=b.pk)
    assert list(selectors.board_items()) == [a, c, b]
    with pytest.raises(ValidationFailed):
        services.pin_item(actor=people.admin, item_id=c.pk, order=100)
    with pytest.raises(PermissionRefused):
        services.pin_item(actor=people.villager, item_id=c.pk)
    d = draft(people.admin)
    with pytest.raises(Conflict):
        services.pin_item(actor=people.admin, item_id=d.pk)


def test_keyword_search_uses_the_segmented_text(people):
    a = published(people, title="秸秆综合利用补贴政策解读", body="秸秆还田每亩补贴标准。", item_type="policy")
    published(people, title="农民丰收节", body="文艺汇演与农产品展销。", item_type="news")
    assert list(selectors.board_items(selectors.Filters(q="秸秆"))) == [a]
    assert list(selectors.board_items(selectors.Filters(q="补贴 政策"))) == [a]
    assert list(selectors.admin_items(people.admin, selectors.Filters(q="丰收"))) != [a]
    assert not selectors.board_items(selectors.Filters(q="无人机")).exists()


def test_likes_by_the_nongwei_and_villagers_but_not_observers(people):
    item = published(people, item_type="news")
    assert services.toggle_like(actor=people.admin, item_id=item.pk) is True
    assert services.toggle_like(actor=people.villager, item_id=item.pk) is True
    with pytest.raises(PermissionRefused):
        services.toggle_like(actor=people.district, item_id=item.pk)
    with pytest.raises(NotFound):
        services.toggle_like(actor=people.urban, item_id=item.pk)
    item.refresh_from_db()
    assert item.like_count == 2
    assert services.toggle_like(actor=people.villager, item_id=item.pk) is False
    assert Item.objects.get(pk=item.pk).like_count == 1
    d = draft(people.admin)
    with pytest.raises(Conflict):
        services.toggle_like(actor=people.admin, item_id=d.pk)
