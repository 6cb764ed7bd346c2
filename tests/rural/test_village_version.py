"""A village version of its own (PC-5, issue 18): 村民版/村委版, 村民小组, 物业之窗 only with property management."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from shequtong.accounts.roles import Role

from ..factories import grant, make_with_role

pytestmark = pytest.mark.django_db


def _page(client, user, url="/"):  # type: ignore[no-untyped-def]
    client.force_login(user)
    response = client.get(url)
    assert response.status_code == 200, url
    return response.content.decode()


def _badge(html: str) -> str:
    m = re.search(r'data-testid="version-badge">([^<]+)</', html)
    return m.group(1).removesuffix(" ⇄") if m else ""


def _tiles(html: str) -> list[str]:
    return re.findall(r'<span class="tile__label">([^<]+)</span>', html)


def test_the_villagers_home_says_its_own_words(client, people):
    html = _page(client, people.villager)
    assert _badge(html) == "村民版"
    tiles = _tiles(html)
    assert "村民小组" in tiles and "乡村振兴" in tiles
    for urban_word in ("小区群", "物业之窗", "左邻右舍", "议事厅"):
        assert urban_word not in tiles
    assert "居民版" not in html


def test_the_village_committee_says_cunweiban(client, people):
    html = _page(client, people.village_staff)
    assert _badge(html) == "村委版"
    tiles = _tiles(html)
    assert "村民小组" in tiles and "乡村振兴" in tiles and "小区群" not in tiles and "物业之窗" not in tiles


def test_the_urban_version_is_unchanged(client, people):
    html = _page(client, people.urban)
    assert _badge(html) == "居民版"
    tiles = _tiles(html)
    assert "小区群" in tiles and "物业之窗" in tiles and "左邻右舍" in tiles
    assert "村民小组" not in tiles and "乡村振兴" not in tiles
    assert _badge(_page(client, people.urban_staff)) == "居委版"


def test_the_version_switch_in_me_uses_village_words(client, people, tree):
    both = make_with_role(Role.RESIDENT, tree.comm_a2, real_name="村两用")
    grant(both, Role.COMMITTEE_STAFF, tree.comm_a2)
    html = _page(client, both, reverse("accounts:me"))
    assert "村民版" in html and "村委版" in html and "居民版" not in html and "居委版" not in html
    assert "我的报名" in html
    assert "我的报名" not in _page(client, people.urban, reverse("accounts:me"))


def test_property_window_opens_in_a_village_only_with_property_management(client, people, tree):
    url = reverse("boards:board", args=["property"])
    client.force_login(people.villager)
    assert client.get(url).status_code == 404
    assert "物业之窗" not in _page(client, people.villager, reverse("boards:index"))
    make_with_role(Role.PROPERTY_MANAGER, tree.comm_a2, real_name="村物业")
    assert "物业之窗" in _tiles(_page(client, people.villager))
    assert client.get(url).status_code == 200


def test_the_group_chats_page_is_called_cunmin_xiaozu(client, people):
    html = _page(client, people.villager, reverse("chats:list"))
    assert "<title>村民小组" in html and "小区群" not in html
    assert "小区群" in _page(client, people.urban, reverse("chats:list"))


def test_notices_have_banshi_zhinan_in_a_village(client, people):
    html = _page(client, people.villager, reverse("boards:board", args=["notice"]))
    assert "办事指南" in html and "居务公开" not in html
