"""关注 in a browser (OB-7): an observer follows a case, a committee member answers it,
and the observer finds the step in 信箱 and under 宝山圈's 我关注的; 我的 at phone width, normal and 长辈模式."""

from __future__ import annotations

import pytest

from shequtong.accounts.roles import Role

from ..cases import helpers as case_helpers
from ..factories import PASSWORD, make_post, make_tree, make_with_role
from .conftest import login, shot

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_observer_follows_a_case_and_hears_of_its_step(live_server, new_page):  # type: ignore[no-untyped-def]
    tree = make_tree()
    staff = make_with_role(Role.COMMITTEE_STAFF, tree.comm_a1, username="follow-staff")
    observer = make_with_role(Role.SUBDISTRICT_OBSERVER, tree.sub_a, username="follow-observer")
    resident = make_with_role(Role.RESIDENT, tree.comm_a1)
    case = case_helpers.case(staff, tree.comm_a1, title="5号楼加装电梯协调", content="5号楼居民意见不统一，需要居委协调。")
    post = make_post(resident, tree.comm_a1, title="楼道灯坏了有人报修吗", body="3号楼楼道灯不亮。")
    base = live_server.url

    page = new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    login(page, base, observer.username, PASSWORD)
    page.goto(f"{base}/cases/{case.pk}/")
    page.click("[data-testid=follow-button]")
    page.wait_for_selector("[data-testid=follow-button][aria-pressed=true]")
    assert "已关注" in page.locator("[data-testid=follow-button]").inner_text()
    shot(page, "follows-case-detail")
    page.goto(f"{base}/boards/posts/{post.pk}/")
    page.click("[data-testid=favourite-button]")
    page.wait_for_selector("[data-testid=favourite-button][aria-pressed=true]")
    page.reload()  # the state is stored, not only drawn
    assert "已收藏" in page.locator("[data-testid=favourite-button]").inner_text()

    committee = new_page()
    login(committee, base, staff.username, PASSWORD)
    committee.goto(f"{base}/cases/{case.pk}/")
    committee.fill("textarea[name=note]", "已约物业和加装电梯公司周五到场协调")
    committee.click("button[name=action][value=reply]")
    committee.wait_for_load_state("networkidle")

    page.goto(f"{base}/inbox/")
    assert "您关注的问题『5号楼加装电梯协调』有新进展" in page.content()
    page.goto(f"{base}/?feed=following#feed-title")
    feed = page.locator("#feed-list").inner_text()
    assert "已约物业和加装电梯公司周五到场协调" in feed and "5号楼加装电梯协调" in feed
    shot(page, "follows-feed-following")
    page.goto(f"{base}/observe/me/")
    assert "5号楼加装电梯协调" in page.locator("[data-testid=me-following]").inner_text()
    assert "楼道灯坏了有人报修吗" in page.locator("[data-testid=me-favourites]").inner_text()
    assert page.locator("[data-testid=new-steps]").count() == 1  # the unread notice marks it
    shot(page, "follows-observer-me")
    page.goto(f"{base}/follows/following/")
    assert page.locator("[data-testid=followed-item]").count() == 1
    shot(page, "follows-following-list")

    # 长辈模式 (the account's setting): the same pages with the larger type scale.
    type(observer).objects.filter(pk=observer.pk).update(elder_mode=True)
    page.goto(f"{base}/observe/me/")
    assert "elder" in (page.locator("body").get_attribute("class") or "")
    shot(page, "follows-observer-me-elder")
    page.goto(f"{base}/?feed=following#feed-title")
    shot(page, "follows-feed-following-elder")
    assert errors == []
