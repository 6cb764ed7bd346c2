"""Pages issue 14 changed, opened as their users (phone width), with screenshots to look at:
the resident's case, registration with one round of errors, the privacy notice, a secretary's
显示完整信息 and 我的, 转派 on a case."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from shequtong.accounts.models import Membership
from shequtong.accounts.roles import Role
from shequtong.cases import services as case_services
from shequtong.common import clock

from ..factories import PASSWORD, make_tree, make_user, make_with_role
from .conftest import login, shot

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_the_pages_of_daily_use(live_server, new_page):
    tree = make_tree()
    resident = make_with_role(Role.RESIDENT, tree.comm_a1, username="day-res", real_name="张晓明")
    secretary = make_with_role(Role.COMMITTEE_SECRETARY, tree.comm_a1, username="day-sec", real_name="陈建国")
    make_with_role(Role.COMMITTEE_STAFF, tree.comm_a1, username="day-staff", real_name="李红梅")
    applicant = make_user("day-app", real_name="蒋文豪")
    Membership.objects.create(user=applicant, community=tree.comm_a1, requested_at=clock.now())
    case = case_services.create_case(
        actor=secretary, community=tree.comm_a1, source="visit", category="construction",
        title="入户走访张老伯：楼道堆物", content="楼道堆物影响通行\n\n（面对面对象：张*明；走访日期：2026-12-01）",
        raised_by=resident, origin_type="visit_problem", origin_id=77, origin_url="/visits/77/")
    case_services.handle_case(actor=secretary, case_id=case.pk, action="accept")
    base = live_server.url

    anon = new_page()
    anon.set_default_timeout(60_000)
    anon.goto(base + "/accounts/register/")
    anon.fill("#id_password", "short")
    anon.fill("#id_password2", "other")
    anon.click("button:has-text('注册')")
    expect(anon.locator("[data-testid=error-summary]")).to_be_visible()
    shot(anon, "day-01-register-one-round-of-errors")
    anon.goto(base + "/accounts/privacy/")
    shot(anon, "day-02-privacy-notice")

    page = new_page()
    page.set_default_timeout(60_000)
    login(page, base, resident.username, PASSWORD)
    expect(page.locator(".greeting")).to_contain_text("张晓明")
    shot(page, "day-03-resident-home-greeting")
    page.goto(base + f"/cases/{case.pk}/")
    expect(page.locator("[data-testid=case-title]")).to_contain_text("您在面对面走访中反映的")
    assert "入户走访" not in page.content() and "查看原文" not in page.content()
    shot(page, "day-04-resident-case")

    staff = new_page()
    staff.set_default_timeout(60_000)
    login(staff, base, secretary.username, PASSWORD)
    staff.goto(base + f"/cases/{case.pk}/")
    expect(staff.locator("[data-testid=reassign-form]")).to_be_visible()
    shot(staff, "day-05-case-with-reassign-and-reveal")
    staff.select_option("#reassign-to", label="李*梅")
    staff.click("[data-testid=reassign-form] button")
    expect(staff.locator("[data-testid=assignee]")).to_have_text("李*梅")
    shot(staff, "day-06-case-reassigned")
    staff.click("[data-testid=raiser] [data-testid=reveal-person]")
    expect(staff.locator("[data-testid=revealed-name]")).to_have_text("张晓明")
    shot(staff, "day-07-revealed")
    staff.goto(base + "/accounts/manage/reviews/")
    shot(staff, "day-08-reviews-with-reveal")
    staff.goto(base + "/accounts/me/")
    expect(staff.locator("[data-testid=work-community]")).to_contain_text(tree.comm_a1.name)
    shot(staff, "day-09-staff-me")
