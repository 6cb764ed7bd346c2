"""Whole pages in Jinja2 and the one shell (common/pages.py, common/templatetags/shell.py)."""

from __future__ import annotations

import re

import pytest
from django.contrib import messages
from django.template import Context, Template
from django.test import RequestFactory

from shequtong.accounts.roles import Role
from shequtong.common import pages

from ..factories import make_with_role

pytestmark = pytest.mark.django_db


def _tabbar(html: str) -> str:
    match = re.search(r'<nav class="weui-tabbar tabbar".*?</nav>', html, re.S)
    assert match, html
    return re.sub(r"\s+", " ", match.group(0)).replace(' aria-current="page"', "").replace(" weui-bar__item_on", "")


def test_a_jinja2_page_and_a_django_page_share_the_shell(client, tree):
    """The home is a Jinja2 page, 信箱 a Django one: the same tab bar, skip link, CSRF and version badge."""
    resident = make_with_role(Role.RESIDENT, tree.comm_a1)
    client.force_login(resident)
    jinja_page = client.get("/").content.decode()
    django_page = client.get("/inbox/").content.decode()
    assert _tabbar(jinja_page) == _tabbar(django_page)
    for html, title in ((jinja_page, "首页"), (django_page, "信箱")):
        assert html.startswith("<!doctype html>")
        assert f"<title>{title} · 宝山社区通</title>" in html
        assert 'class="skip-link" href="#main">跳到主要内容<' in html
        assert re.search(r'data-csrf="[A-Za-z0-9]{64}"', html)
        assert html.count("<html") == 1 and html.count("</body>") == 1
    # Each page marks its own tab as the current one.
    assert re.search(r'href="/"[^>]*aria-current="page"', jinja_page)
    assert re.search(r'href="/inbox/"[^>]*aria-current="page"', django_page)


def test_elder_mode_reaches_the_body_of_both_kinds_of_page(client, tree):
    resident = make_with_role(Role.RESIDENT, tree.comm_a1, elder_mode=True)
    client.force_login(resident)
    for path in ("/", "/inbox/"):
        assert '<body class="elder ' in client.get(path).content.decode()


def test_messages_show_on_a_jinja2_page_escaped(tree):
    from django.contrib.messages.storage.cookie import CookieStorage

    request = RequestFactory().get("/")
    request.user = make_with_role(Role.RESIDENT, tree.comm_a1)
    request._messages = CookieStorage(request)  # what MessageMiddleware sets
    messages.success(request, "提交成功<b>")
    response = pages.render(request, "shell/page.jinja", {})
    assert response.status_code == 200
    assert '<div class="toast toast--success">提交成功&lt;b&gt;</div>' in response.content.decode()


def test_a_django_page_overrides_blocks_and_reads_the_parent_with_block_super(rf, tree):
    request = rf.get("/")
    html = Template(
        '{% extends "base.html" %}{% block title %}标题<i>{% endblock %}'
        '{% block back %}{{ block.super }}<a class="topbar__back" href="/x/">‹</a>{% endblock %}'
        '{% block content %}<p>{{ text }}</p>{% endblock %}'
    ).render(Context({"request": request, "text": "<script>"}))
    assert "<title>标题<i> · 宝山社区通</title>" in html  # the block's own markup, as Django rendered it
    assert '<header class="topbar">\n      <a class="topbar__back" href="/x/">‹</a>' in html
    assert "<h1 class=\"topbar__title\">宝山社区通</h1>" in html  # base.html's default heading
    assert "<p>&lt;script&gt;</p>" in html  # escaped once, by Django


def test_a_jinja2_page_prints_one_csrf_token_and_it_is_accepted(tree):
    """Every form of a page carries the render's one masked token (common/jinja._CsrfToken), and a
    form posted with it passes Django's CSRF check."""
    from django.test import Client

    from ..factories import make_post

    resident = make_with_role(Role.RESIDENT, tree.comm_a1)
    post = make_post(make_with_role(Role.RESIDENT, tree.comm_a1), tree.comm_a1)
    client = Client(enforce_csrf_checks=True)
    client.force_login(resident)
    html = client.get(f"/boards/posts/{post.pk}/").content.decode()
    tokens = re.findall(r'name="csrfmiddlewaretoken" value="([^"]+)"', html)
    assert len(tokens) >= 2  # the like button and the reply box at least
    assert set(tokens) == set(re.findall(r'data-csrf="([^"]+)"', html))
    assert len(set(tokens)) == 1 and re.fullmatch(r"[A-Za-z0-9]{64}", tokens[0])
    second = client.get(f"/boards/posts/{post.pk}/").content.decode()
    assert tokens[0] not in second  # a new mask for each response, as Django's own templates give
    response = client.post(f"/boards/posts/{post.pk}/like/", {"csrfmiddlewaretoken": tokens[0]})
    assert response.status_code == 302
    assert client.post(f"/boards/posts/{post.pk}/like/", {"csrfmiddlewaretoken": "x" * 64}).status_code == 403
