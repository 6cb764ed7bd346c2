"""Villagers and village committees (RV-2): the board, detail, likes, sign-ups, 我的报名; urban residents see nothing."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from shequtong.common.errors import Conflict, NotFound, PermissionRefused
from shequtong.rural import selectors, services
from shequtong.rural.errors import RuralError
from shequtong.rural.models import Item, ItemLike, ItemRead, ItemVillageStats, SignUp

from ..factories import make_with_role, resident_of_estate
from .conftest import NOW, draft, item_input, published

pytestmark = pytest.mark.django_db


def _client(client, user):  # type: ignore[no-untyped-def]
    client.force_login(user)
    return client


def test_the_village_home_page_shows_the_board_pinned_first(client, people):
    older = published(people, title="秸秆禁烧通告", item_type="news")
    published(people, title="农民丰收节", item_type="news")
    services.pin_item(actor=people.admin, item_id=older.pk)
    draft(people.admin, title="还没发布的草稿")
    page = _client(client, people.villager).get("/").content.decode()
    assert 'data-testid="rural-home-board"' in page
    assert page.index("秸秆禁烧通告") < page.index("农民丰收节")
    assert "还没发布的草稿" not in page
    assert "乡村振兴" in page


def test_urban_residents_neither_see_the_board_nor_reach_it(client, people):
    item = published(people)
    c = _client(client, people.urban)
    home = c.get("/").content.decode()
    assert "乡村振兴" not in home and item.title not in home
    for name, kwargs in (("rural:board", {}), ("rural:detail", {"item_id": item.pk}), ("rural:mine", {})):
        assert c.get(reverse(name, kwargs=kwargs)).status_code == 404
    assert c.post(reverse("rural:sign_up", args=[item.pk])).status_code == 404
    assert c.post(reverse("rural:like", args=[item.pk])).status_code == 404
    with pytest.raises(NotFound):
        services.sign_up(actor=people.urban, item_id=item.pk)
    c2 = _client(client, people.urban_staff)
    assert c2.get(reverse("rural:board")).status_code == 404
    assert "乡村振兴" not in c2.get("/").content.decode()
    assert not SignUp.objects.exists() and not ItemRead.objects.exists()


def test_a_villager_sees_only_published_items(client, people):
    pub = published(people, title="稻田养蟹技术讲座", item_type="farming")
    unpublished = []
    for status in ("draft", "submitted", "approved", "rejected", "returned", "ended"):
        it = draft(people.admin, title=f"状态{status}")
        Item.objects.filter(pk=it.pk).update(status=status)
        unpublished.append(it)
    c = _client(client, people.villager)
    board = c.get(reverse("rural:board")).content.decode()
    assert "稻田养蟹技术讲座" in board
    for it in unpublished:
        assert it.title not in board
        assert c.get(reverse("rural:detail", args=[it.pk])).status_code == 404
    assert c.get(reverse("rural:detail", args=[pub.pk])).status_code == 200
    found = c.get(reverse("rural:board"), {"q": "养蟹"}).content.decode()
    assert "稻田养蟹技术讲座" in found
    assert "没有符合条件的信息" in c.get(reverse("rural:board"), {"q": "状态draft"}).content.decode()


def test_reading_counts_each_villager_once_per_village(client, people):
    item = published(people, item_type="news")
    for _ in range(2):
        _client(client, people.villager).get(reverse("rural:detail", args=[item.pk]))
    _client(client, people.village_staff).get(reverse("rural:detail", args=[item.pk]))
    _client(client, people.villager_b).get(reverse("rural:detail", args=[item.pk]))
    _client(client, people.district).get(reverse("rural:detail", args=[item.pk]))  # observers are not counted
    _client(client, people.admin).get(reverse("rural:detail", args=[item.pk]))
    item.refresh_from_db()
    assert item.read_count == 3 == ItemRead.objects.filter(item=item).count()
    by_village = {s.community_id: s.reads for s in ItemVillageStats.objects.filter(item=item)}
    assert by_village == {people.village_b.pk: 1, people.village_a.pk: 2}


def test_like_on_the_page_and_no_comment_box(client, people):
    item = published(people, item_type="news")
    c = _client(client, people.villager)
    page = c.get(reverse("rural:detail", args=[item.pk])).content.decode()
    assert 'data-testid="like"' in page and "回复" not in page and "评论" not in page
    c.post(reverse("rural:like", args=[item.pk]))
    assert "已点赞" in c.get(reverse("rural:detail", args=[item.pk])).content.decode()
    assert Item.objects.get(pk=item.pk).like_count == 1 == ItemLike.objects.count()


def test_sign_up_within_capacity_and_deadline_and_cancel(client, people, time_machine):
    item = published(people, capacity=2)
    other = resident_of_estate(people.village_b.estates.get(), real_name="孙二")
    c = _client(client, people.villager)
    c.post(reverse("rural:sign_up", args=[item.pk]))
    assert SignUp.objects.filter(item=item, user=people.villager).exists()
    with pytest.raises(Conflict) as e:
        services.sign_up(actor=people.villager, item_id=item.pk)
    assert e.value.code == RuralError.ALREADY_SIGNED_UP
    services.sign_up(actor=people.villager_b, item_id=item.pk)
    with pytest.raises(Conflict) as e:
        services.sign_up(actor=other, item_id=item.pk)
    assert e.value.code == RuralError.FULL
    assert "名额已满" in _client(client, other).get(reverse("rural:detail", args=[item.pk])).content.decode()
    # 我的报名
    mine = _client(client, people.villager).get(reverse("rural:mine")).content.decode()
    assert item.title in mine
    # Cancel before the deadline frees the place.
    services.cancel_sign_up(actor=people.villager_b, item_id=item.pk)
    services.sign_up(actor=other, item_id=item.pk)
    item.refresh_from_db()
    assert item.signup_count == 2 == SignUp.objects.filter(item=item).count()
    # After the deadline nobody signs up or cancels.
    time_machine.move_to(NOW + dt.timedelta(days=5, minutes=1), tick=False)
    with pytest.raises(Conflict) as e:
        services.cancel_sign_up(actor=people.villager, item_id=item.pk)
    assert e.value.code == RuralError.DEADLINE_PASSED
    with pytest.raises(Conflict) as e:
        services.sign_up(actor=people.villager_b, item_id=item.pk)
    assert e.value.code == RuralError.DEADLINE_PASSED
    assert SignUp.objects.filter(item=item).count() == 2


def test_who_signs_up(people):
    item = published(people)
    news = published(people, item_type="news")
    services.sign_up(actor=people.village_staff, item_id=item.pk)  # 村委 too (spec §4.2.8.2 (5))
    for who in (people.district, people.sub_observer, people.admin):
        with pytest.raises(PermissionRefused):
            services.sign_up(actor=who, item_id=item.pk)
    with pytest.raises(Conflict) as e:
        services.sign_up(actor=people.villager, item_id=news.pk)
    assert e.value.code == RuralError.NOT_ACTIVITY
    row = SignUp.objects.get()
    assert row.community.is_rural and row.subdistrict_id == row.community.subdistrict_id


def test_an_ended_activity_leaves_my_signups(client, people):
    item = published(people)
    services.sign_up(actor=people.villager, item_id=item.pk)
    assert list(selectors.my_signups(people.villager)) == [SignUp.objects.get()]
    services.end_item(actor=people.admin, item_id=item.pk)
    assert not selectors.my_signups(people.villager).exists()
    assert item.title not in _client(client, people.villager).get(reverse("rural:mine")).content.decode()


def test_signup_list_per_activity_and_village_and_export(client, people):
    item = published(people, capacity=10)
    services.sign_up(actor=people.villager, item_id=item.pk)
    services.sign_up(actor=people.villager_b, item_id=item.pk)
    village_a = people.village_a
    c = _client(client, people.admin)
    page = c.get(reverse("rural:signups", args=[item.pk])).content.decode()
    assert "张*山" in page and "钱*村" in page and "张大山" not in page
    one = c.get(reverse("rural:signups", args=[item.pk]), {"community": village_a.pk}).content.decode()
    assert "张*山" in one and "钱*村" not in one
    response = c.get(reverse("rural:signups_export", args=[item.pk]))
    assert response.status_code == 200
    rows = list(load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))
    assert rows[0] == ("序号", "活动", "街镇", "村", "村民小组", "姓名", "手机号", "报名时间")
    assert {r[5] for r in rows[1:]} == {"张*山", "钱*村"}
    assert all("*" in r[6] for r in rows[1:])
    per_village = c.get(reverse("rural:signups_export", args=[item.pk]), {"community": village_a.pk})
    assert len(list(load_workbook(io.BytesIO(per_village.content)).active.iter_rows())) == 2
    from shequtong.accounts.models import AuditEvent

    assert AuditEvent.objects.filter(action="export", detail__what="rural_signups").count() == 2


def test_observers_see_signups_of_their_villages_only(client, people):
    item = published(people, capacity=10)
    services.sign_up(actor=people.villager, item_id=item.pk)      # sub_a
    services.sign_up(actor=people.villager_b, item_id=item.pk)    # sub_b
    assert {s.user for s in selectors.signups(people.sub_observer, item)} == {people.villager}
    assert {s.user for s in selectors.signups(people.sub_b_observer, item)} == {people.villager_b}
    assert {s.user for s in selectors.signups(people.district, item)} == {people.villager, people.villager_b}
    c = _client(client, people.sub_observer)
    assert c.get(reverse("rural:signups", args=[item.pk]), {"community": people.village_b.pk}).status_code == 404
    assert c.get(reverse("rural:signups_export", args=[item.pk]), {"community": people.village_b.pk}).status_code == 404
    rows = list(load_workbook(io.BytesIO(c.get(reverse("rural:signups_export", args=[item.pk])).content)).active.iter_rows(values_only=True))
    assert [r[5] for r in rows[1:]] == ["张*山"]
    # Villagers get no list at all.
    assert _client(client, people.villager).get(reverse("rural:signups", args=[item.pk])).status_code == 403


def test_counts_equal_direct_counts(people):
    items = [published(people, title=f"活动{n}", capacity=5) for n in range(3)]
    extra = [resident_of_estate(people.village_b.estates.get(), real_name=f"村民{n}") for n in range(3)]
    staff = make_with_role("committee_staff", people.village_b, real_name="罗村委")
    readers = [people.villager, people.villager_b, people.village_staff, staff, *extra]
    for n, item in enumerate(items):
        for who in readers[: 3 + n]:
            services.record_read(actor=who, item_id=item.pk)
            if readers.index(who) % 2 == 0:
                services.toggle_like(actor=who, item_id=item.pk)
            if readers.index(who) < 5:
                services.sign_up(actor=who, item_id=item.pk)
    services.toggle_like(actor=people.villager, item_id=items[0].pk)  # taken back
    services.cancel_sign_up(actor=people.villager_b, item_id=items[1].pk)
    for item in items:
        item.refresh_from_db()
        assert item.read_count == ItemRead.objects.filter(item=item).count()
        assert item.like_count == ItemLike.objects.filter(item=item).count()
        assert item.signup_count == SignUp.objects.filter(item=item).count()
        for st in ItemVillageStats.objects.filter(item=item):
            assert st.reads == ItemRead.objects.filter(item=item, community=st.community).count()
            assert st.likes == ItemLike.objects.filter(item=item, community=st.community).count()
            assert st.signups == SignUp.objects.filter(item=item, community=st.community).count()
    t = selectors.totals(people.district)
    assert t == {"items": 3, "reads": ItemRead.objects.count(), "likes": ItemLike.objects.count(),
                 "signups": SignUp.objects.count()}
    sub_a = selectors.totals(people.sub_observer)
    assert sub_a["reads"] == ItemRead.objects.filter(community__subdistrict=people.village_a.subdistrict).count()
    rows = {r["community"].pk: r for r in selectors.village_counts(people.district, people.village_b.subdistrict)}
    assert rows[people.village_b.pk]["signups"] == SignUp.objects.filter(community=people.village_b).count()


def test_admin_pages_review_by_another_administrator(client, people):
    c = _client(client, people.admin)
    r = c.post(reverse("rural:create"), {"item_type": "activity", "title": "果园管理培训", "body": "修剪与病虫害防治。",
                                         "starts_at": "2026-12-05T09:00", "place": "月浦镇农技站", "capacity": "20",
                                         "signup_deadline": "2026-12-03T18:00", "action": "submit"})
    item = Item.objects.get()
    assert r.status_code == 302 and item.status == "submitted"
    page = c.get(reverse("rural:detail", args=[item.pk])).content.decode()
    assert "等待其他管理员审核" in page and 'data-testid="approve"' not in page
    c.post(reverse("rural:review", args=[item.pk]), {"decision": "approve"})
    assert Item.objects.get().status == "submitted"
    c2 = _client(client.__class__(), people.admin2)
    c2.post(reverse("rural:review", args=[item.pk]), {"decision": "approve"})
    assert Item.objects.get().status == "approved"
    c2.post(reverse("rural:publish", args=[item.pk]))
    c2.post(reverse("rural:pin", args=[item.pk]), {"order": "3"})
    item.refresh_from_db()
    assert item.status == "published" and item.pin_order == 3
    listing = c.get(reverse("rural:manage"), {"status": "published"}).content.decode()
    assert "果园管理培训" in listing
    assert "果园管理培训" not in c.get(reverse("rural:manage"), {"status": "draft"}).content.decode()


def test_the_form_reports_every_missing_activity_field(client, people):
    c = _client(client, people.admin)
    page = c.post(reverse("rural:create"), {"item_type": "activity", "title": "培训", "body": "内容",
                                            "action": "save"}).content.decode()
    for message in ("请填写活动时间", "请填写活动地点", "名额至少为1人", "请填写报名截止时间"):
        assert message in page
    assert not Item.objects.exists()


def test_item_input_default_is_valid(people):
    assert item_input().capacity == 30


def _queries(client, url, _unused):  # type: ignore[no-untyped-def]
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


def test_board_and_manage_queries_stay_flat(client, people, django_assert_max_num_queries):
    for n in range(2):
        published(people, title=f"信息{n}", item_type="news")
    c = _client(client, people.villager)
    c.get("/")  # the session's first request loads more than the page
    few = _queries(c, reverse("rural:board"), django_assert_max_num_queries)
    home_few = _queries(c, "/", django_assert_max_num_queries)
    for n in range(15):
        published(people, title=f"更多{n}", item_type="news")
    assert _queries(c, reverse("rural:board"), django_assert_max_num_queries) == few
    assert _queries(c, "/", django_assert_max_num_queries) == home_few
    a = _client(client.__class__(), people.admin)
    assert _queries(a, reverse("rural:manage"), django_assert_max_num_queries) <= 20


def test_a_double_tap_creates_one_item_and_keeps_the_like(client, people):
    """Every form carries an idempotency key: a repeated press returns the first result."""
    c = _client(client, people.admin)
    form = {"item_type": "news", "title": "秋收简报", "body": "今年稻谷丰收。", "action": "save",
            "idempotency_key": "rural-create-0001"}
    first = c.post(reverse("rural:create"), form)
    second = c.post(reverse("rural:create"), form)
    item = Item.objects.get()
    assert first["Location"] == second["Location"] == item.get_absolute_url()
    assert 'name="idempotency_key"' in c.get(reverse("rural:detail", args=[item.pk])).content.decode()
    liked = published(people, item_type="news")
    v = _client(client.__class__(), people.villager)
    for _ in range(2):
        v.post(reverse("rural:like", args=[liked.pk]), {"idempotency_key": "rural-like-00001"})
    assert Item.objects.get(pk=liked.pk).like_count == 1 == ItemLike.objects.filter(item=liked).count()
