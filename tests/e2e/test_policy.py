"""Browser journey (PF-1..PF-5): a 政策专员 enters a policy's text, sees it decomposed and matched with evidence,
ticks a resident and submits; a 政策审核员 confirms and sends; the resident reads it in 信箱 and can opt out."""

from __future__ import annotations

import datetime as dt

import pytest

from shequtong.accounts.roles import Role
from shequtong.common import clock
from shequtong.inbox.models import Message
from shequtong.policy import services, store
from shequtong.policy.models import OptOut, Policy, PolicyStatus

from ..factories import PASSWORD, make_tree, make_with_role
from .conftest import login, shot

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

TEXT = "对本区户籍、年满60周岁的独居、空巢或孤寡老人提供社区助餐，行动不便的送餐上门。"


def test_from_a_policys_text_to_a_resident_reading_it_in_the_inbox(live_server, new_page):
    # Live-server tests flush every table between tests, the lexicon its migration loaded included.
    store.load_lexicon_fixture()
    tree = make_tree()
    officer = make_with_role(Role.POLICY_OFFICER, tree.comm_a1, username="officer-e2e", real_name="政策通")
    reviewer = make_with_role(Role.POLICY_REVIEWER, tree.sub_a, username="reviewer-e2e", real_name="审核通")
    staff = make_with_role(Role.COMMITTEE_STAFF, tree.comm_a1, username="staff-e2e", real_name="孙丽华")
    elder = make_with_role(Role.RESIDENT, tree.comm_a1, username="elder-e2e", real_name="李秀英",
                           birth_date=dt.date(1948, 3, 1), sex="F")
    young = make_with_role(Role.RESIDENT, tree.comm_a1, username="young-e2e", real_name="赵小明",
                           birth_date=dt.date(1995, 3, 1), sex="M")
    for user, text in ((elder, "年纪大了烧不动饭，一日三餐没着落"), (young, "年纪轻轻天天点外卖吃饭")):
        services.record_behaviour(user=user, kind="post", text=text, at=clock.now() - dt.timedelta(days=2))
    store.rebuild_profiles()
    base = live_server.url

    # The committee keeps the elder's care tags (关爱标签).
    page = new_page()
    login(page, base, staff.username, PASSWORD)
    page.goto(base + "/policy/care-tags/")
    page.click("[data-testid=care-row]:has-text('李*英')")
    page.check("input[name=tags][value=独居]")
    page.select_option("select[name=hukou]", "本区")
    page.click("button[type=submit]")
    page.wait_for_url("**/policy/care-tags/")
    shot(page, "policy-01-care-tags")

    # The officer enters the policy; it is decomposed and matched.
    off = new_page()
    login(off, base, officer.username, PASSWORD)
    off.goto(base + "/policy/")
    off.click("text=录入政策")
    off.fill("#id_title", "老年助餐服务")
    off.fill("#id_text", TEXT)
    off.fill("#id_service", "到社区助餐点就餐，或预约送餐上门。")
    off.click("button[type=submit]")
    off.wait_for_selector("[data-testid=policy-analysis]")
    conditions = off.locator("[data-testid=policy-conditions]").inner_text()
    assert "年龄≥60" in conditions and "户籍：本区" in conditions and "独居或空巢或孤寡" in conditions
    rows = off.locator("[data-testid=match-row]")
    assert rows.count() == 1 and "李*英" in rows.first.inner_text()
    assert "一日三餐没着落" in off.locator("[data-testid=match-evidence]").first.inner_text()
    assert "李秀英" not in off.content()
    shot(off, "policy-02-matched")
    rows.first.locator("input[name=profile]").check()
    off.once("dialog", lambda d: d.accept())
    off.click("text=提交审核")
    off.wait_for_selector("[data-testid=policy-status]:has-text('待审核')")
    policy = Policy.objects.get()
    assert policy.status == PolicyStatus.SUBMITTED and policy.entries.count() == 1

    # The reviewer confirms, completes the review and sends it by 信箱 and reminder.
    rev = new_page()
    login(rev, base, reviewer.username, PASSWORD)
    rev.goto(base + "/policy/")
    rev.click("[data-testid=policy-row]:has-text('老年助餐服务')")
    rev.click("[data-testid=entry-row] button:has-text('确认')")
    rev.wait_for_selector("[data-testid=entry-row]:has-text('已确认')")
    rev.once("dialog", lambda d: d.accept())
    rev.click("text=完成审核")
    rev.wait_for_selector("[data-testid=policy-status]:has-text('已审核')")
    shot(rev, "policy-03-reviewed")
    rev.once("dialog", lambda d: d.accept())
    rev.click("button:has-text('群发')")
    rev.wait_for_selector("[data-testid=policy-status]:has-text('已推送')")
    shot(rev, "policy-04-sent")
    assert Message.objects.filter(recipient=elder).count() == 1
    assert not Message.objects.filter(recipient=young).exists()

    # The resident reads it in 信箱, opens the policy and says 不再推送此类政策.
    res = new_page()
    login(res, base, elder.username, PASSWORD)
    res.goto(base + "/inbox/")
    res.click("[data-testid=inbox-item]:has-text('老年助餐服务')")
    res.wait_for_selector(".card__title:has-text('政策推送：老年助餐服务')")
    assert "年满60周岁" in res.locator(".card").first.inner_text()
    res.click("text=查看详情")
    res.wait_for_selector("[data-testid=policy-title]:has-text('老年助餐服务')")
    shot(res, "policy-05-resident")
    res.once("dialog", lambda d: d.accept())
    res.click("text=不再推送此类政策")
    res.wait_for_selector("text=已设置：不再推送此类政策")
    assert OptOut.objects.filter(user=elder, domain="meals").exists()
