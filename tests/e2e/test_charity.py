"""Browser journey (CP-1, CP-2, CP-7, CP-5): an organisation creates a project, the service centre approves it,
the project is bound to a site, a resident books a slot and reviews the project, and the review appears in the
centre's statistics."""

from __future__ import annotations

import datetime as dt

import pytest

from shequtong.accounts.roles import Role
from shequtong.charity.models import BindingStatus, CharityProject, ProjectReview, SlotBooking
from shequtong.common import clock

from ..factories import PASSWORD, make_tree, make_with_role
from .conftest import login, shot

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_project_review_binding_booking_and_review_reach_the_centres_statistics(live_server, new_page, monkeypatch):
    tree = make_tree()
    org = make_with_role(Role.SOCIAL_ORG, tree.comm_a1, username="org-e2e", real_name="周雅琪")
    centre = make_with_role(Role.SERVICE_CENTRE, tree.sub_a, username="centre-e2e", real_name="吴宏亮")
    resident = make_with_role(Role.RESIDENT, tree.comm_a1, username="res-e2e", real_name="张晓明")
    base = live_server.url
    today = clock.today()

    # The organisation lands on its own home and creates a project (新建社会公益服务项目), submitting it.
    o = new_page()
    o.on("dialog", lambda d: d.accept())
    login(o, base, org.username, PASSWORD)
    shot(o, "charity-01-org-home")
    o.click(".tile:has-text('公益项目')")
    o.click("text=新建社会公益服务项目")
    o.fill("#id_title", "银龄助餐")
    o.select_option("#id_category", "elderly")
    o.fill("#id_services", "老年助餐、上门送餐")
    o.check("input[name=audience][value=elderly]")
    o.check(f"input[name=communities][value='{tree.comm_a1.pk}']")
    o.fill("#id_starts_on", today.isoformat())
    o.fill("#id_ends_on", (today + dt.timedelta(days=180)).isoformat())
    o.fill("#id_description", "为辖区独居老人提供午间助餐。")
    shot(o, "charity-02-project-form")
    o.click("button[value=submit]")
    o.wait_for_selector("[data-testid=project-status]:has-text('待审核')")
    project = CharityProject.objects.get()

    # The service centre approves it from its review queue.
    c = new_page()
    c.on("dialog", lambda d: d.accept())
    login(c, base, centre.username, PASSWORD)
    c.click(".hero__stat >> nth=0")
    shot(c, "charity-03-centre-queue")
    c.click("[data-testid=project-queue] [data-testid=project-row]:has-text('银龄助餐')")
    c.click("button:has-text('审核通过')")
    c.wait_for_selector("[data-testid=project-status]:has-text('审核通过')")

    # The organisation puts it on shelf, creates a site and fills in the binding.
    o.reload()
    o.click("button:has-text('上架')")
    o.wait_for_selector("text=已上架")
    o.goto(base + "/charity/sites/new/")
    o.fill("#id_name", "友谊路为老服务站")
    o.fill("#id_address", "友谊路88号")
    o.check(f"input[name=communities][value='{tree.comm_a1.pk}']")
    o.fill("#id_opening_hours", "周一至周五 9:00-17:00")
    o.fill("#id_lead_name", "周站长")
    o.click("button:has-text('保存')")
    o.goto(base + project.get_absolute_url())
    o.click("text=绑定服务站点")
    o.select_option("#id_site", label="友谊路为老服务站")
    o.fill("#id_service_time", "每周三 11:00")
    o.click("button[value=submit]")
    o.wait_for_selector("[data-testid=binding-status]:has-text('待审核')")

    # The centre approves the binding; the organisation opens a slot there.
    c.goto(base + "/charity/centre/")
    c.click("[data-testid=binding-row]:has-text('友谊路为老服务站')")
    c.click("button:has-text('审核通过')")
    c.wait_for_selector("[data-testid=binding-status]:has-text('已绑定')")
    assert project.bindings.get().status == BindingStatus.BOUND
    o.reload()
    starts = clock.now() + dt.timedelta(days=1)
    o.fill("#id_title", "午间助餐")
    o.fill("#id_starts_at", starts.astimezone(dt.timezone(dt.timedelta(hours=8))).strftime("%Y-%m-%dT%H:%M"))
    o.fill("#id_ends_at", (starts + dt.timedelta(hours=2)).astimezone(dt.timezone(dt.timedelta(hours=8))).strftime("%Y-%m-%dT%H:%M"))
    o.fill("#id_capacity", "20")
    o.click("button:has-text('开放预约')")
    o.wait_for_selector("[data-testid=binding-slot]:has-text('午间助餐')")
    shot(o, "charity-04-binding-slots")

    # A resident of the community finds it in 公益服务 and books.
    r = new_page()
    r.on("dialog", lambda d: d.accept())
    login(r, base, resident.username, PASSWORD)
    r.click(".tile:has-text('公益服务')")
    r.click("[data-testid=project-row]:has-text('银龄助餐')")
    r.click("[data-testid=slot] button:has-text('预约')")
    r.wait_for_selector("[data-testid=slot]:has-text('已预约')")
    shot(r, "charity-05-resident-booked")
    assert SlotBooking.objects.filter(resident=resident).count() == 1

    # After the slot (the clock moves on, for the live server too) the resident rates and reviews.
    moved = clock.now() + dt.timedelta(days=3)
    monkeypatch.setattr(clock, "now", lambda: moved)
    r.reload()
    r.check("input[name=stars][value='4']")
    r.fill("textarea[name=text]", "饭菜可口，志愿者很耐心")
    r.click("button:has-text('提交评价')")
    r.wait_for_selector("text=评价已提交")

    # The centre approves the review, and it is counted in the centre's statistics.
    c.goto(base + "/charity/centre/")
    c.click("[data-testid=review-row] button:has-text('通过')")
    c.wait_for_selector("text=评价已通过")
    c.goto(base + "/charity/centre/stats/")
    c.wait_for_selector("[data-testid=fig-reviews]")
    assert c.inner_text("[data-testid=fig-reviews]") == "1"
    assert c.inner_text("[data-testid=fig-rating]") == "4.0"
    assert c.locator("#chart-category canvas").count() == 1  # ECharts drew the chart
    shot(c, "charity-06-centre-stats")
    assert ProjectReview.objects.get().status == "approved"
    r.reload()
    assert "饭菜可口" in r.content()
