"""Observers (RV-3): district and subdistrict see every village's items, details, search, counts and sign-ups in scope."""

from __future__ import annotations

import pytest
from django.urls import reverse

from shequtong.rural import services

from .conftest import draft, published

pytestmark = pytest.mark.django_db


def _get(client, user, url, data=None):  # type: ignore[no-untyped-def]
    client.force_login(user)
    return client.get(url, data or {})


@pytest.fixture
def activity(people):  # type: ignore[no-untyped-def]
    item = published(people, title="村庄环境整治志愿活动", capacity=20)
    for who in (people.villager, people.village_staff, people.villager_b):
        services.record_read(actor=who, item_id=item.pk)
        services.sign_up(actor=who, item_id=item.pk)
    services.toggle_like(actor=people.villager_b, item_id=item.pk)
    return item


def test_observers_read_items_and_search_but_do_not_like(client, people, activity):
    draft(people.admin, title="未发布的草稿")
    for who in (people.district, people.sub_observer, people.sub_b_observer):
        board = _get(client, who, reverse("rural:board")).content.decode()
        assert activity.title in board and "未发布的草稿" not in board
        assert activity.title in _get(client, who, reverse("rural:board"), {"q": "环境整治"}).content.decode()
        page = _get(client, who, reverse("rural:detail", args=[activity.pk])).content.decode()
        assert activity.title in page and 'data-testid="like"' not in page and 'data-testid="signup"' not in page


def test_counts_per_village_on_the_detail_are_those_of_the_scope(client, people, activity):
    district = _get(client, people.district, reverse("rural:detail", args=[activity.pk])).content.decode()
    assert people.village_a.name in district and people.village_b.name in district
    sub_a = _get(client, people.sub_observer, reverse("rural:detail", args=[activity.pk])).content.decode()
    assert people.village_a.name in sub_a and people.village_b.name not in sub_a
    sub_b = _get(client, people.sub_b_observer, reverse("rural:detail", args=[activity.pk])).content.decode()
    assert people.village_b.name in sub_b and people.village_a.name not in sub_b


def test_level_by_level_subdistrict_village_items(client, people, activity):
    top = _get(client, people.district, reverse("rural:observe")).content.decode()
    assert people.village_a.subdistrict.name in top and people.village_b.subdistrict.name in top
    assert 'data-testid="total-reads">3<' in top
    sub_page = _get(client, people.district, reverse("rural:observe_subdistrict", args=[people.village_a.subdistrict_id]))
    assert people.village_a.name in sub_page.content.decode()
    village = _get(client, people.district, reverse("rural:observe_village", args=[people.village_a.pk])).content.decode()
    assert activity.title in village and "本村阅读 2" in village and "本村报名 2" in village
    village_b = _get(client, people.district, reverse("rural:observe_village", args=[people.village_b.pk])).content.decode()
    assert "本村阅读 1" in village_b and "本村点赞 1" in village_b


def test_a_subdistrict_observer_stays_in_their_subdistrict(client, people, activity):
    top = _get(client, people.sub_observer, reverse("rural:observe")).content.decode()
    assert 'data-testid="total-reads">2<' in top and people.village_b.subdistrict.name not in top
    assert _get(client, people.sub_observer, reverse("rural:observe_subdistrict",
                                                      args=[people.village_b.subdistrict_id])).status_code == 404
    assert _get(client, people.sub_observer, reverse("rural:observe_village", args=[people.village_b.pk])).status_code == 404
    assert _get(client, people.sub_b_observer, reverse("rural:observe_village", args=[people.village_a.pk])).status_code == 404
    signups = _get(client, people.sub_observer, reverse("rural:signups", args=[activity.pk])).content.decode()
    assert "张*山" in signups and "钱*村" not in signups


def test_an_urban_community_is_no_village_page(client, people, activity, tree):
    assert _get(client, people.district, reverse("rural:observe_village", args=[tree.comm_a1.pk])).status_code == 404


def test_an_ended_item_leaves_the_observers_counts(client, people, activity):
    services.end_item(actor=people.admin, item_id=activity.pk)
    assert _get(client, people.district, reverse("rural:detail", args=[activity.pk])).status_code == 404
    top = _get(client, people.district, reverse("rural:observe")).content.decode()
    assert 'data-testid="total-reads">0<' in top and 'data-testid="total-items">0<' in top
    village = _get(client, people.district, reverse("rural:observe_village", args=[people.village_a.pk])).content.decode()
    assert activity.title not in village


def test_observer_home_has_the_tile(client, people):
    assert "乡村振兴" in _get(client, people.district, "/").content.decode()
    admin_home = _get(client, people.admin, "/").content.decode()
    assert "乡村振兴管理" in admin_home and reverse("rural:manage") in admin_home
