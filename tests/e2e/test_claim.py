"""Browser journey (issue 20): a resident brought in by the residents import claims the account
(认领账号) from the login page — SMS code, ID number's last six, password, consent — and lands on
the home page of the community the import put them in; 长辈模式 chosen on the claim page stays on."""

from __future__ import annotations

import re

import pytest
from django.core.management import call_command

from shequtong.accounts.models import Membership, User
from shequtong.accounts.roles import Role
from shequtong.integrations.sms import ConsoleSmsGateway

from ..factories import make_tree, make_with_role
from ..operations.helpers import RESIDENT_HEADER, csv_bytes, ident, phone
from .conftest import shot
from .test_accessibility import axe_source, run_axe

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_import_then_claim_then_the_community_home(live_server, new_page, tmp_path):
    tree = make_tree()
    make_with_role(Role.SYSADMIN, None, username="sys-claim")
    estate = tree.estate(tree.comm_a1)
    residents = tmp_path / "居民.csv"
    residents.write_bytes(csv_bytes(RESIDENT_HEADER, [
        ["陈阿婆", ident(1), phone(1), tree.sub_a.name, tree.comm_a1.name, estate.name, "3", "301", "否"],
        ["李老伯", ident(2), phone(2), tree.sub_a.name, tree.comm_a1.name, estate.name, "3", "302", "是"]]))
    call_command("import_data", "residents", str(residents), "--quiet")
    user = User.objects.get(memberships__community=tree.comm_a1, memberships__room="301")
    assert not user.has_usable_password() and user.last_login is None
    base = live_server.url

    page = new_page()
    page.goto(base + "/accounts/login/")
    shot(page, "claim-00-login")
    page.click("[data-testid=claim-link]")
    page.wait_for_url("**/accounts/claim/")
    shot(page, "claim-01-page")
    page.fill("#id_phone", phone(1))
    page.click("text=获取验证码")
    page.wait_for_selector("#sms-result:has-text('验证码已发送')")
    code = re.search(r"验证码是(\d{6})", ConsoleSmsGateway.sent[-1][1]).group(1)
    page.fill("#id_sms_code", code)
    page.fill("#id_password", "Claim#2026ok")
    page.fill("#id_password2", "Claim#2026ok")
    page.check("#id_consent")

    # A wrong ID proof: the one refusal sentence, the form kept, nothing changed.
    page.fill("#id_id_proof", "000000" if not ident(1).endswith("000000") else "111111")
    page.click("button:has-text('认领并登录')")
    page.wait_for_selector("text=核对不一致")
    user.refresh_from_db()
    assert not user.has_usable_password()
    shot(page, "claim-02-refused")

    # 长辈模式 from the claim page itself, then the right proof.
    page.click("[data-testid=elder-switch] button")
    page.wait_for_selector("body.elder")
    assert "/accounts/claim/" in page.url
    page.fill("#id_phone", phone(1))
    page.fill("#id_sms_code", code)
    page.fill("#id_id_proof", ident(1)[-6:])
    page.fill("#id_password", "Claim#2026ok")
    page.fill("#id_password2", "Claim#2026ok")
    page.check("#id_consent")
    shot(page, "claim-03-elder")
    page.click("button:has-text('认领并登录')")
    page.wait_for_selector("text=账号认领成功")
    assert page.locator(".hero__title", has_text=tree.comm_a1.name).count() == 1
    assert page.locator("body.elder").count() == 1
    shot(page, "claim-04-home")
    user.refresh_from_db()
    assert user.check_password("Claim#2026ok") and user.elder_mode
    assert Membership.objects.get(user=user).status == Membership.Status.APPROVED


def test_the_claim_page_passes_axe_in_normal_and_elder_mode(live_server, browser, transactional_db):
    make_tree()
    ctx = browser.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN", bypass_csp=True)
    ctx.add_init_script(axe_source())
    page = ctx.new_page()
    found = []
    for elder in (False, True):
        if elder:
            ctx.add_cookies([{"name": "elder_mode", "value": "1", "url": live_server.url}])
        page.goto(live_server.url + "/accounts/claim/")
        assert page.locator("body.elder").count() == int(elder)
        page.click("button:has-text('认领并登录')")  # the page with every field's error shown
        page.wait_for_selector("[data-testid=error-summary]")
        found += run_axe(page, elder=elder)
        shot(page, f"claim-05-errors{'-elder' if elder else ''}")
    ctx.close()
    assert not found, found
