"""宝山圈 (OB-4) in a browser: a new post appears on an open observer home within 2 s without a reload,
and never on the home of an observer of another subdistrict."""

from __future__ import annotations

import time

import pytest

from shequtong.accounts.roles import Role

from ..factories import PASSWORD, make_post, make_tree, make_with_role
from .conftest import login, shot

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_new_post_arrives_live_only_in_scope(live_server, new_page):  # type: ignore[no-untyped-def]
    tree = make_tree()
    resident = make_with_role(Role.RESIDENT, tree.comm_a1)
    make_post(resident, tree.comm_a1, title="昨天的旧帖", body="旧内容")
    inside = make_with_role(Role.SUBDISTRICT_OBSERVER, tree.sub_a, username="feed-in")
    outside = make_with_role(Role.SUBDISTRICT_OBSERVER, tree.sub_b, username="feed-out")
    base = live_server.url
    pages = {}
    for user in (inside, outside):
        page = new_page()
        errors: list[str] = []
        page.on("pageerror", lambda e, errors=errors: errors.append(str(e)))
        login(page, base, user.username, PASSWORD)
        page.goto(base + "/")
        pages[user.username] = (page, errors)
    page_in, errors_in = pages["feed-in"]
    page_out, errors_out = pages["feed-out"]
    assert "昨天的旧帖" in page_in.locator("#feed-list").inner_text()
    assert "昨天的旧帖" not in page_out.content()
    page_in.evaluate("document.body.setAttribute('data-not-reloaded', '1')")

    make_post(resident, tree.comm_a1, title="电梯又停了", body="5号楼电梯停运。")
    started = time.monotonic()
    arrived = None
    while time.monotonic() - started < 5:
        if page_in.locator("#feed-list [data-testid=feed-item]:has-text('电梯又停了')").count():
            arrived = time.monotonic() - started
            break
        time.sleep(0.1)
    assert arrived is not None and arrived <= 2.0, arrived
    assert page_in.evaluate("document.body.getAttribute('data-not-reloaded')") == "1"  # no reload
    first = page_in.locator("#feed-list [data-testid=feed-item]").first.inner_text()
    assert "电梯又停了" in first  # newest first
    page_out.wait_for_timeout(2500)  # a few polls of the other subdistrict's observer
    assert "电梯又停了" not in page_out.content()
    shot(page_in, "observe-feed-live")
    assert errors_in == [] and errors_out == []
