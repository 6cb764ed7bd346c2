"""The 全局信息穿透 page: who may open it, what it shows, bad input, the tile that leads to it."""

from __future__ import annotations

import pytest
from django.urls import reverse

from ..factories import make_post
from .conftest import World

pytestmark = pytest.mark.django_db

URL = reverse("observe:search")


def page(client, user, **params) -> str:  # type: ignore[no-untyped-def]
    client.force_login(user)
    response = client.get(URL, params)
    assert response.status_code == 200
    return response.content.decode()


def test_residents_committee_staff_and_anonymous_are_refused(client, world: World):
    assert client.get(URL).status_code == 302  # to the login page
    for user in (world.resident, world.staff):
        client.force_login(user)
        assert client.get(URL, {"q": "楼道"}).status_code == 403


def test_the_form_alone_until_something_is_asked(client, world: World):
    html = page(client, world.district)
    assert 'data-testid="search-hint"' in html and 'data-testid="search-hit"' not in html


def test_results_link_to_the_detail_pages_with_the_keyword_highlighted(client, world: World):
    html = page(client, world.district, q="楼道")
    assert html.count('data-testid="search-hit"') == 5
    assert f'href="/boards/posts/{world.post_a.pk}/"' in html
    assert f'href="/letters/{world.letter_a.pk}/"' in html
    assert f'href="/visits/{world.visit_a.pk}/"' in html
    assert "<mark>楼道</mark>灯坏了有人报修吗" in html
    assert "139****5678" in html and "13912345678" not in html
    # And the observer may open each of them.
    for path in (f"/boards/posts/{world.post_a.pk}/", f"/letters/{world.letter_a.pk}/", f"/visits/{world.visit_a.pk}/",
                 f"/cases/{world.case_a.pk}/"):
        assert client.get(path).status_code == 200, path


def test_subdistrict_observer_never_sees_the_other_subdistrict(client, world: World, tree):
    html = page(client, world.sub_a, q="楼道")
    assert "灯坏了有人报修吗" in html
    assert "灯又坏了" not in html and "漏水" not in html and tree.comm_b1.name not in html
    # Asking for the other subdistrict is refused with a clear message, not answered.
    html = page(client, world.sub_a, q="楼道", subdistrict=tree.sub_b.pk)
    assert "灯又坏了" not in html and "该街镇不在您的观察范围内" in html


def test_text_is_escaped_and_only_the_keyword_is_marked(client, world: World, tree):
    make_post(world.resident, tree.comm_a1, title="<script>alert(1)</script>停车", body="<b>停车</b>难")
    html = page(client, world.district, q="停车")
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;<mark>停车</mark>" in html
    assert "&lt;b&gt;<mark>停车</mark>&lt;/b&gt;难" in html


def test_empty_result_says_so(client, world: World):
    html = page(client, world.district, q="不存在的词")
    assert 'data-testid="search-empty"' in html and "没有找到符合条件的内容" in html


@pytest.mark.parametrize(("params", "message"), [
    ({"date_from": "2026-11-10", "date_to": "2026-11-01"}, "结束日期不能早于开始日期"),
    ({"date_from": "2026-13-45"}, "请输入有效的日期"),
    ({"q": "，。！"}, "关键词需要包含汉字、字母或数字"),
    ({"board": "neighbours", "status": "new"}, "版块只用于帖子，状态只用于问题"),
    ({"kind": "visit", "board": "neighbours"}, "版块只用于筛选帖子"),
    ({"kind": "post", "status": "new"}, "状态只用于筛选问题和人民信箱"),
    ({"kind": "chat"}, "kind"),
])
def test_bad_input_gets_a_clear_message_and_no_results(client, world: World, params, message):
    html = page(client, world.district, **params)
    assert 'data-testid="search-hit"' not in html
    assert 'data-testid="search-error"' in html
    if message != "kind":
        assert message in html


def test_filters_keep_their_values_in_the_pager(client, world: World, tree):
    for n in range(25):
        make_post(world.resident, tree.comm_a1, title=f"电梯第{n}次故障", body="电梯又停了")
    html = page(client, world.district, q="电梯", kind="post")
    assert 'data-testid="search-next"' in html and "?q=%E7%94%B5%E6%A2%AF&amp;kind=post&page=2" in html
    second = page(client, world.district, q="电梯", kind="post", page=2)
    assert second.count('data-testid="search-hit"') == 5 and "第 2 页" in second


def test_the_tile_on_the_observer_home_leads_here(client, world: World):
    client.force_login(world.sub_a)
    assert URL in client.get(reverse("web:home")).content.decode()
    client.force_login(world.resident)
    assert URL not in client.get(reverse("web:home")).content.decode()


def test_an_observer_without_patrol_sees_letters_but_not_other_cases(client, world: World):
    html = page(client, world.sysadmin, q="")
    assert f'href="/letters/{world.letter_a.pk}/"' in html and f'href="/cases/{world.case_a.pk}/"' not in html
    assert f'href="/letters/{world.letter_b.pk}/"' in html
