"""Browser journey (EP-1, EP-4): a resident reports a clue with a photo, the committee staff member gets the
notice in 信箱 and responds, the resident sees the response, and the subdistrict observer sees the response time.
Screenshots in normal and 长辈模式."""

from __future__ import annotations

import pytest

from shequtong.accounts.roles import Role
from shequtong.epidemic.models import Report

from ..factories import PASSWORD, image_upload, make_tree, make_with_role
from .conftest import SHOTS, login, shot

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_report_a_clue_respond_and_supervise(live_server, new_page, tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path / "media"
    tree = make_tree()
    estate = tree.comm_a1.estates.order_by("id").first()
    resident = make_with_role(Role.RESIDENT, estate, username="res-e2e", real_name="王小红")
    staff = make_with_role(Role.COMMITTEE_STAFF, tree.comm_a1, username="staff-e2e", real_name="孙丽华")
    observer = make_with_role(Role.SUBDISTRICT_OBSERVER, tree.sub_a, username="sub-e2e", real_name="吴晓东")
    photo = tmp_path / "clue.png"
    photo.write_bytes(image_upload().read())
    base = live_server.url

    # The resident opens 疫情防控 from the home page and reports a clue with a photo.
    page = new_page()
    login(page, base, resident.username, PASSWORD)
    page.click(".tile:has-text('疫情防控')")
    page.wait_for_url("**/epidemic/")
    shot(page, "epidemic-01-home")
    page.click("[data-testid=clue-new]")
    page.select_option("#id_estate", str(estate.pk))
    page.fill("#id_building", "3")
    page.fill("#id_room", "201")
    page.fill("#id_people", "楼上一家三口")
    page.fill("#id_content", "3号楼有从外地返沪人员未报备")
    page.fill("#id_contact_name", "王小红")
    page.fill("#id_contact_phone", "13812345678")
    page.set_input_files("#id_images", str(photo))
    shot(page, "epidemic-02-form")
    page.click("button:has-text('提交')")
    page.wait_for_selector("[data-testid=report-status]:has-text('待受理')")
    assert page.locator("[data-testid=report-photo]").count() == 1
    shot(page, "epidemic-03-submitted")
    clue = Report.objects.get()
    assert clue.image_count == 1 and clue.reporter == resident

    # The staff member finds the notice in 信箱, follows it and responds: 受理 with a note, then 办结.
    st = new_page()
    login(st, base, staff.username, PASSWORD)
    st.goto(base + "/inbox/")
    st.click("text=新的线索上报")
    st.click("text=查看详情")
    st.wait_for_selector("[data-testid=respond-form]")
    st.fill("#respond-note", "已联系楼组长上门核实")
    st.click("button[value=accept]")
    st.wait_for_selector("[data-testid=report-status]:has-text('已受理')")
    st.fill("#respond-note", "核实后已登记，并通知社区卫生服务中心")
    st.click("button[value=finish]")
    st.wait_for_selector("[data-testid=report-status]:has-text('已办结')")
    shot(st, "epidemic-04-responded")
    st.goto(base + "/epidemic/manage/")
    shot(st, "epidemic-05-manage")

    # The resident sees every step and the result.
    page.goto(base + clue.get_absolute_url())
    history = page.locator("[data-testid=report-history]").inner_text()
    assert "已受理" in history and "已联系楼组长上门核实" in history and "已办结" in history
    assert "核实后已登记" in page.locator("[data-testid=report-result]").inner_text()
    shot(page, "epidemic-06-resident-sees")

    # The subdistrict observer sees the committee's response time.
    ob = new_page()
    login(ob, base, observer.username, PASSWORD)
    ob.goto(base + "/epidemic/observe/")
    row = ob.locator("[data-testid=response-row]", has_text=tree.comm_a1.name)
    row.wait_for()
    assert row.locator("[data-testid=response-time]").inner_text() != "—"
    shot(ob, "epidemic-07-observer")

    # 长辈模式: the same pages, larger.
    for user, url, name in ((resident, clue.get_absolute_url(), "resident-detail"),
                            (resident, "/epidemic/clues/new/", "resident-form"),
                            (staff, "/epidemic/manage/", "staff-manage"),
                            (observer, "/epidemic/observe/", "observer")):
        user.elder_mode = True
        user.save(update_fields=["elder_mode"])
        p = {resident.pk: page, staff.pk: st, observer.pk: ob}[user.pk]
        p.goto(base + url)
        assert "elder" in (p.locator("body").get_attribute("class") or "")
        shot(p, f"epidemic-elder-{name}")
    assert SHOTS.exists()
