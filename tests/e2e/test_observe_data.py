"""数据 (OB-2) in a browser: every theme draws its charts (a canvas with pixels) without a console error,
as a district observer and as a subdistrict observer, and the drill-down reaches a community."""

from __future__ import annotations

import datetime as dt
import time

import pytest

from shequtong.accounts import services as account_services
from shequtong.accounts.roles import Role
from shequtong.boards import services as board_services
from shequtong.cases.models import Case
from shequtong.common import clock
from shequtong.observe import figures

from ..factories import PASSWORD, make_post, make_tree, make_user, make_with_role
from .conftest import login, shot

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

# True once every chart of the page has a canvas with something painted on it.
PAINTED = """els => els.length > 0 && els.every(el => {
  const c = el.querySelector('canvas');
  if (!c || !c.width || !c.height || el.getAttribute('data-drawn') !== '1') return false;
  const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
  for (let i = 3; i < d.length; i += 4 * 97) { if (d[i] > 0) return true; }
  return false;
})"""


def wait_painted(page, timeout: float = 10.0) -> bool:  # type: ignore[no-untyped-def]
    """Poll from Python (the strict CSP forbids wait_for_function's evaluated strings)."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if page.locator("[data-testid=chart]").evaluate_all(PAINTED):
            return True
        time.sleep(0.2)
    return False


def some_of_everything(tree):  # type: ignore[no-untyped-def]
    now = clock.now()
    staff = make_with_role(Role.COMMITTEE_SECRETARY, tree.comm_a1)
    staff_b = make_with_role(Role.COMMITTEE_SECRETARY, tree.comm_b1)
    residents = []
    for community, reviewer in ((tree.comm_a1, staff), (tree.comm_b1, staff_b)):
        for n in range(2):
            user = make_user(birth_date=dt.date(1950 + 20 * n, 5, 1), sex="F" if n else "M")
            m = account_services.request_membership(actor=user, community_id=community.pk,
                                                    estate_id=tree.estate(community).pk)
            if n == 0:
                account_services.review_membership(actor=reviewer, membership_id=m.pk, approve=True)
                residents.append(user)
    party_member = make_with_role(Role.PARTY_MEMBER, tree.comm_a1)
    party = make_post(party_member, tree.comm_a1, board="party", title="党课通知", body="本周六上午党课。")
    make_post(staff_b, tree.comm_b1, board="notice", title="停水通知", body="周三停水。")
    board_services.record_read(actor=staff, post_id=party.pk)
    make_post(residents[0], tree.comm_a1, title="楼道灯坏了", body="3号楼楼道灯不亮。")
    make_post(residents[0], tree.comm_a1, board="council", title="垃圾分类时间", body="建议延长投放时间。")
    for community, status, days in ((tree.comm_a1, "new", 40), (tree.comm_a1, "resolved", 3), (tree.comm_b1, "in_progress", 2)):
        at = now - dt.timedelta(days=days)
        Case.objects.create(community=community, subdistrict_id=community.subdistrict_id, source="mention",
                            category="community", title="路灯坏了", content="路灯坏了", status=status, created_at=at,
                            updated_at=at, first_response_at=at + dt.timedelta(hours=2),
                            resolved_at=at + dt.timedelta(days=1) if status == "resolved" else None)


def test_every_theme_draws_its_charts_for_district_and_subdistrict(live_server, new_page):  # type: ignore[no-untyped-def]
    tree = make_tree()
    some_of_everything(tree)
    district = make_with_role(Role.DISTRICT_OBSERVER, username="obs-district")
    sub = make_with_role(Role.SUBDISTRICT_OBSERVER, tree.sub_a, username="obs-sub-a")
    base = live_server.url
    for user in (district, sub):
        page = new_page()
        errors: list[str] = []
        page.on("console", lambda m, errors=errors: errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e, errors=errors: errors.append(str(e)))
        login(page, base, user.username, PASSWORD)
        for code in figures.THEMES:
            page.goto(f"{base}/data/?theme={code}&period=90")
            assert page.locator("[data-testid=chart]").count() >= 1, (user.username, code)
            assert wait_painted(page), (user.username, code)
            if code == "cases":
                shot(page, f"observe-data-{code}-{user.username}")
        for code in figures.PIVOTS:  # 数据透视
            page.goto(f"{base}/data/pivot/?theme={code}&period=90")
            assert page.locator("[data-testid=chart]").count() >= 1, (user.username, code)
            assert wait_painted(page), (user.username, code)
            if code == "portrait":
                shot(page, f"observe-pivot-{code}-{user.username}")
        # Down to a community through the table's links.
        page.goto(f"{base}/data/?theme=cases&period=90")
        page.click(f"[data-testid=drill-row] a:has-text('{tree.sub_a.name}')")
        page.click(f"[data-testid=drill-row] a:has-text('{tree.comm_a1.name}')")
        assert tree.comm_a1.name in page.locator(".obs-crumbs").inner_text()
        assert wait_painted(page)
        if user is sub:
            assert tree.sub_b.name not in page.content()
        assert errors == [], errors
