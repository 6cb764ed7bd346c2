"""Browser journey (人民信箱 and case tracking): a resident writes, the secretary replies and resolves,
the resident rates 4 stars, the subdistrict observer sees it in the community's average."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from shequtong.accounts.roles import Role
from shequtong.cases.models import Case
from shequtong.letters.defaults import ensure_defaults

from ..factories import PASSWORD, make_tree, make_with_role
from .conftest import login, shot

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_letter_reply_resolve_rate_and_observe_the_average(live_server, new_page):
    ensure_defaults()  # a transactional test starts from a flushed database
    tree = make_tree()
    resident = make_with_role(Role.RESIDENT, tree.comm_a1, username="res-e2e", real_name="张晓明")
    secretary = make_with_role(Role.COMMITTEE_SECRETARY, tree.comm_a1, username="sec-e2e", real_name="陈建国")
    observer = make_with_role(Role.SUBDISTRICT_OBSERVER, tree.sub_a, username="sub-e2e", real_name="刘志强")
    base = live_server.url

    # The resident opens 人民信箱 from the home page and writes one problem.
    page = new_page()
    login(page, base, resident.username, PASSWORD)
    page.click(".tile:has-text('人民信箱')")
    page.click("text=我要提问题/建议")
    # The sub-category groups are folded by the page's script once it has run (expect waits for it;
    # a bare is_hidden() right after the click raced the deferred script).
    expect(page.locator("[data-subcat-group=construction]")).to_be_hidden()
    page.click("label.choice:has-text('建设管理')")
    expect(page.locator("[data-subcat-group=construction]")).to_be_visible()
    expect(page.locator("[data-subcat-group=safety]")).to_be_hidden()
    page.click("label.choice:has-text('道路交通与停车')")
    page.fill("#id_content", "小区南门口人行道地砖破损翘起，老人推车经过容易绊倒，请尽快修复。")
    shot(page, "cases-01-new-letter")
    page.click("button:has-text('提交')")
    page.wait_for_selector("text=提交成功")
    assert page.locator("[data-testid=case-status]").first.inner_text() == "待受理"
    shot(page, "cases-02-letter-submitted")
    case = Case.objects.get()

    # The secretary sees it in 管理 → 问题提醒, replies, then resolves it.
    staff = new_page()
    login(staff, base, secretary.username, PASSWORD)
    staff.click(".weui-tabbar__label:has-text('管理')")
    staff.click(".tile:has-text('问题提醒')")
    item = staff.locator("[data-testid=case-item]", has_text="小区南门口人行道")
    assert item.count() == 1 and "人民信箱" in item.inner_text() and "张*明" in item.inner_text()
    assert resident.phone not in staff.content()
    shot(staff, "cases-03-reminders")
    item.click()
    staff.fill("textarea[name=note]", "已收到，明天联系市政养护单位现场查看。")
    staff.click("button[value=reply]")
    staff.wait_for_selector("text=已回复")
    staff.fill("textarea[name=note]", "人行道地砖已更换，感谢您的反映。")
    staff.click("button[value=resolve]")
    staff.wait_for_selector("text=已标记已解决")
    assert staff.locator("[data-testid=case-status]").first.inner_text() == "已解决"
    shot(staff, "cases-04-resolved")

    # The resident follows it in 我的 → 我的问题 (来自人民信箱) and rates it 4 stars.
    page.click(".weui-tabbar__label:has-text('我的')")
    page.click(".tile:has-text('我的问题')")
    page.select_option("#m-source", "letter")
    page.wait_for_url("**/cases/mine/?source=letter*")
    page.click("[data-testid=case-item]")
    history = page.locator("[data-testid=case-history]").inner_text()
    assert "已收到，明天联系市政养护单位现场查看。" in history and "人行道地砖已更换" in history
    page.click("label[for=star-4]")
    page.fill("textarea[name=feedback]", "处理很及时，谢谢居委。")
    shot(page, "cases-05-rating")
    page.click("button:has-text('提交评价')")
    page.wait_for_selector("text=感谢您的评价")
    assert "4星" in page.locator("[data-testid=case-rating]").inner_text()
    shot(page, "cases-06-rated")
    case.refresh_from_db()
    assert case.rating.stars == 4

    # The subdistrict observer sees the rating in the community's average.
    obs = new_page()
    login(obs, base, observer.username, PASSWORD)
    # 评分 is observe's drill-down (observe.drills.ratings): the observer's subdistrict, then its communities.
    obs.click(".tile:has-text('评分')")
    obs.locator("[data-testid=drill-row]", has_text=tree.sub_a.name).get_by_role("link").click()
    row = obs.locator("[data-testid=drill-row]", has_text=tree.comm_a1.name)
    assert row.locator("td.num").all_inner_texts() == ["4.0", "1"]
    assert obs.locator("[data-testid=total-ratings]").inner_text() == "4.0"
    shot(obs, "cases-07-subdistrict-averages")
    row.get_by_role("link").click()  # the leaf: the community's rated cases
    assert "处理很及时，谢谢居委。" in obs.locator("[data-testid=rating-item]").inner_text()
    shot(obs, "cases-08-community-ratings")
