"""Browser journey (FV-1..FV-3): staff record a visit with two problems, the secretary approves it and
sends one problem to case tracking, and the case appears in 问题提醒 with source 面对面."""

from __future__ import annotations

import pytest

from shequtong.accounts.roles import Role
from shequtong.cases.models import Case
from shequtong.visits.models import Status, Visit

from ..factories import PASSWORD, make_tree, make_with_role
from .conftest import login, shot

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_record_approve_and_send_a_problem_to_case_tracking(live_server, new_page):
    tree = make_tree()
    staff = make_with_role(Role.COMMITTEE_STAFF, tree.comm_a1, username="staff-e2e", real_name="王晓红")
    secretary = make_with_role(Role.COMMITTEE_SECRETARY, tree.comm_a1, username="sec-e2e", real_name="陈建国")
    member = make_with_role(Role.RESIDENT, tree.comm_a1, username="li-e2e", real_name="李秀英")
    base = live_server.url

    # Staff open 面对面 from the committee home and record a visit to a member.
    page = new_page()
    login(page, base, staff.username, PASSWORD)
    page.click(".tile:has-text('面对面')")
    page.wait_for_url("**/visits/")
    shot(page, "visits-01-list-empty")
    page.click("text=新建面对面记录")
    page.fill("#person_q", "李秀")
    option = page.locator("[data-testid=person-option]", has_text="李*英")
    option.wait_for()
    assert "李秀英" not in page.content()
    option.locator("input").check()
    page.select_option("#id_visit_type", "home")
    page.check("input[name=tags][value=elderly]")
    page.fill("#id_title", "走访李阿姨")
    page.fill("#id_content", "李阿姨反映楼道灯坏了，东门晚上没人值守。")
    page.select_option("#problem_category_0", "construction")
    page.fill("textarea[name=problem_content_0]", "3号楼楼道灯损坏")
    assert page.locator("[data-problem-row]:visible").count() == 1  # one row until 添加问题
    page.click("[data-add-problem]")
    page.select_option("#problem_category_1", "safety")
    page.fill("textarea[name=problem_content_1]", "小区东门夜间无人值守")
    shot(page, "visits-02-form")
    page.click("button[value=submit]")
    page.wait_for_selector("[data-testid=visit-status]:has-text('待审核')")
    shot(page, "visits-03-submitted")
    visit = Visit.objects.get()
    assert visit.person == member and visit.problems.count() == 2

    # The secretary finds it awaiting review, approves it and sends the first problem on.
    sec = new_page()
    login(sec, base, secretary.username, PASSWORD)
    sec.goto(base + "/visits/")
    sec.click("[data-testid=pending-link]")
    sec.click("[data-testid=visit-row]:has-text('走访李阿姨')")
    shot(sec, "visits-04-review")
    sec.click("button:has-text('审核通过')")
    sec.wait_for_selector("[data-testid=visit-status]:has-text('已通过')")
    sec.once("dialog", lambda d: d.accept())
    sec.locator("[data-testid=visit-problem]", has_text="3号楼楼道灯损坏").locator("input[type=checkbox]").check()
    sec.click("button:has-text('记录到问题跟踪')")
    sec.wait_for_selector("text=已记录到问题跟踪")
    shot(sec, "visits-05-sent")
    visit.refresh_from_db()
    assert visit.status == Status.APPROVED
    case = Case.objects.get()
    assert case.source == "visit" and case.category == "construction"

    # The case is in 管理 → 问题提醒, marked 面对面.
    sec.goto(base + "/manage/")
    sec.click(".tile:has-text('问题提醒')")
    item = sec.locator(".list__item", has_text="走访李阿姨")
    item.wait_for()
    assert "面对面" in item.inner_text()
    shot(sec, "visits-06-cases")
