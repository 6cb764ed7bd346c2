"""关注/收藏 pages: the toggles (HTMX and plain form), 我的关注/我的收藏, and what outsiders get."""

from __future__ import annotations

import pytest
from django.urls import reverse

from shequtong.follows import services
from shequtong.follows.models import Favourite, Follow

from ..cases import helpers as case_helpers
from ..factories import Cast, make_post

pytestmark = pytest.mark.django_db
HX = {"HTTP_HX_REQUEST": "true"}


def test_detail_pages_show_the_toggles(client, cast: Cast) -> None:  # type: ignore[no-untyped-def]
    case = case_helpers.case(cast.staff_a, cast.a)
    letter = case_helpers.letter(cast.resident_a, cast.a, category="community", content="楼道里堆满杂物，请处理。")
    post = make_post(cast.resident_a, cast.a, title="楼道灯坏了")
    council = make_post(cast.resident_a, cast.a, board="council", title="垃圾投放时间")
    client.force_login(cast.subdistrict_observer)
    html = client.get(reverse("cases:detail", args=[case.pk])).content.decode()
    assert reverse("follows:follow_case", args=[case.pk]) in html and reverse("follows:favourite_case", args=[case.pk]) in html
    assert ">关注<" in html and ">收藏<" in html and 'name="idempotency_key"' in html and "csrfmiddlewaretoken" in html
    html = client.get(reverse("letters:detail", args=[letter.pk])).content.decode()
    assert reverse("follows:follow_letter", args=[letter.pk]) in html and reverse("follows:favourite_letter", args=[letter.pk]) in html
    html = client.get(reverse("boards:post", args=[post.pk])).content.decode()
    assert reverse("follows:favourite_post", args=[post.pk]) in html and "follow-form" in html
    assert reverse("follows:follow_topic", args=[post.pk]) not in html  # only 议事厅 topics are followed
    html = client.get(reverse("boards:post", args=[council.pk])).content.decode()
    assert reverse("follows:follow_topic", args=[council.pk]) in html and reverse("follows:favourite_post", args=[council.pk]) in html
    services.follow(actor=cast.subdistrict_observer, target_type="case", target_id=case.pk)
    html = client.get(reverse("cases:detail", args=[case.pk])).content.decode()
    assert ">已关注<" in html and 'aria-pressed="true"' in html


def test_a_jinja2_page_and_a_django_page_draw_the_same_bar(client, rf, cast: Cast) -> None:  # type: ignore[no-untyped-def]
    """The bar has one copy (follows/buttons.jinja): the post page's global and the Django tag draw it alike."""
    import re

    from django.template import Context, Template

    post = make_post(cast.resident_a, cast.a, board="council", title="垃圾投放时间")
    client.force_login(cast.resident_a)
    url = reverse("boards:post", args=[post.pk])
    html = client.get(url).content.decode()
    request = rf.get(url)
    request.user = cast.resident_a
    tag = Template('{% load follows_tags %}{% follow_buttons "post" post.pk post.board %}').render(
        Context({"post": post, "request": request}))

    def bar(page: str) -> str:
        found = re.search(r'<div class="follow-bar".*?</form></div>', page)
        assert found, page
        return re.sub(r'name="(csrfmiddlewaretoken|idempotency_key)" value="[^"]+"', r'name="\1"', found.group(0))

    assert bar(html) == bar(tag)
    assert 'data-testid="follow-form"' in bar(html) and 'data-testid="favourite-form"' in bar(html)


def test_htmx_toggle_answers_the_new_button_and_the_form_redirects(client, cast: Cast) -> None:  # type: ignore[no-untyped-def]
    case = case_helpers.case(cast.staff_a, cast.a)
    client.force_login(cast.district)
    url = reverse("follows:follow_case", args=[case.pk])
    r = client.post(url, {"on": "1", "idempotency_key": "k-follow-0001"}, **HX)
    assert r.status_code == 200 and ">已关注<" in r.content.decode() and 'name="on" value="0"' in r.content.decode()
    r = client.post(url, {"on": "1", "idempotency_key": "k-follow-0001"}, **HX)  # a double tap: one follow
    assert Follow.objects.filter(user=cast.district).count() == 1
    r = client.post(url, {"on": "0", "next": reverse("cases:detail", args=[case.pk])})
    assert r.status_code == 302 and r["Location"] == reverse("cases:detail", args=[case.pk])
    assert not Follow.objects.exists()
    r = client.post(reverse("follows:favourite_case", args=[case.pk]), {"next": "https://evil.example/"})
    assert r.status_code == 302 and r["Location"] == reverse("follows:favourites")  # no open redirect
    assert Favourite.objects.filter(user=cast.district, target_type="case", target_id=case.pk).exists()


def test_outsiders_get_404_and_change_nothing(client, cast: Cast) -> None:  # type: ignore[no-untyped-def]
    case = case_helpers.case(cast.staff_a, cast.a)
    post = make_post(cast.resident_a, cast.a, title="甲的帖子")
    council = make_post(cast.resident_a, cast.a, board="council", title="甲的议题")
    letter = case_helpers.letter(cast.resident_a, cast.a, category="community", content="楼道里堆满杂物，请处理。")
    urls = [reverse("follows:follow_case", args=[case.pk]), reverse("follows:follow_letter", args=[letter.pk]),
            reverse("follows:follow_topic", args=[council.pk]), reverse("follows:favourite_post", args=[post.pk]),
            reverse("follows:favourite_case", args=[case.pk]), reverse("follows:favourite_letter", args=[letter.pk])]
    for who in (cast.resident_b, cast.staff_b, cast.subdistrict_observer_other):
        client.force_login(who)
        for url in urls:
            assert client.post(url, {"on": "1"}).status_code == 404
            assert client.post(url, {"on": "1"}, **HX).status_code == 404
    client.logout()
    assert client.post(urls[0]).status_code == 302  # to the login page
    assert not Follow.objects.exists() and not Favourite.objects.exists()
    assert client.get(urls[0]).status_code in (302, 405)


def test_my_lists_empty_then_filled_and_hide_what_is_out_of_view(client, cast: Cast) -> None:  # type: ignore[no-untyped-def]
    client.force_login(cast.party_member_a)
    html = client.get(reverse("follows:following")).content.decode()
    assert 'data-testid="follow-empty"' in html and "还没有关注" in html
    html = client.get(reverse("follows:favourites")).content.decode()
    assert 'data-testid="favourite-empty"' in html
    post = make_post(cast.resident_a, cast.a, title="我收藏的帖子")
    council = make_post(cast.resident_a, cast.a, board="council", title="我关注的议题")
    services.favourite(actor=cast.party_member_a, target_type="post", target_id=post.pk)
    services.follow(actor=cast.party_member_a, target_type="topic", target_id=council.pk)
    assert "我关注的议题" in client.get(reverse("follows:following")).content.decode()
    assert "我收藏的帖子" in client.get(reverse("follows:favourites")).content.decode()
    from shequtong.boards import services as board_services

    board_services.hide_post(actor=cast.staff_a, post_id=post.pk, reason="广告")  # hidden from residents now (its author still sees it)
    html = client.get(reverse("follows:favourites")).content.decode()
    assert "我收藏的帖子" not in html and 'data-testid="favourite-empty"' in html


def test_list_queries_stay_flat(client, cast: Cast, django_assert_max_num_queries) -> None:  # type: ignore[no-untyped-def]
    client.force_login(cast.district)
    for i in range(3):
        services.follow(actor=cast.district, target_type="case", target_id=case_helpers.case(cast.staff_a, cast.a, title=f"问题{i}").pk)
    client.get(reverse("follows:following"))
    with django_assert_max_num_queries(14) as few:
        client.get(reverse("follows:following"))
    for i in range(12):
        c = case_helpers.case(cast.staff_b, cast.b, title=f"乙问题{i}")
        services.follow(actor=cast.district, target_type="case", target_id=c.pk)
        post = make_post(cast.resident_a, cast.a, title=f"帖子{i}")
        services.follow(actor=cast.district, target_type="letter", target_id=case_helpers.letter(
            cast.resident_a, cast.a, category="community", content=f"来信内容第{i}封，楼道堆物。").pk)
        services.favourite(actor=cast.district, target_type="post", target_id=post.pk)
    with django_assert_max_num_queries(len(few.captured_queries) + 2):
        html = client.get(reverse("follows:following")).content.decode()
    assert html.count('data-testid="followed-item"') == 20  # a page of 20 of 27


def test_my_pages_link_the_lists(client, cast: Cast) -> None:  # type: ignore[no-untyped-def]
    client.force_login(cast.resident_a)
    html = client.get(reverse("accounts:me")).content.decode()
    assert reverse("follows:following") in html and reverse("follows:favourites") in html
    case = case_helpers.case(cast.staff_a, cast.a, title="逐级跟踪的问题")
    services.follow(actor=cast.subdistrict_observer, target_type="case", target_id=case.pk)
    client.force_login(cast.subdistrict_observer)
    html = client.get(reverse("observe:me")).content.decode()
    assert 'data-testid="me-following"' in html and "逐级跟踪的问题" in html and 'data-testid="me-favourites"' in html
    assert html.count(reverse("follows:following")) == 1  # the card, not a tile beside it
