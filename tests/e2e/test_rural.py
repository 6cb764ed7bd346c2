"""Browser journey (RV-1, RV-2): the 农委 drafts an activity, a second administrator approves it, it is published
and pinned, a villager sees it first on the village home page, likes it and signs up, and the 农委 export the list."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from openpyxl import load_workbook

from shequtong.accounts.roles import Role
from shequtong.common import clock
from shequtong.rural import services
from shequtong.rural.models import Item, SignUp

from ..factories import PASSWORD, image_upload, make_tree, make_with_role, resident_of_estate
from .conftest import login, shot

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def _local(days: int, hour: int) -> str:
    day = clock.today() + dt.timedelta(days=days)
    return f"{day:%Y-%m-%d}T{hour:02d}:00"


def test_draft_approve_publish_pin_like_sign_up_and_export(live_server, new_page, tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path / "media"
    tree = make_tree()
    admin = make_with_role(Role.RURAL_ADMIN, None, username="nongwei-e2e", real_name="孙海燕")
    reviewer = make_with_role(Role.RURAL_ADMIN, None, username="reviewer-e2e", real_name="王振兴")
    villager = resident_of_estate(tree.estate(tree.comm_a2), username="villager-e2e", real_name="李秀英")
    urban = make_with_role(Role.RESIDENT, tree.comm_a1, username="urban-e2e", real_name="张晓明")
    # An older published news item: the new activity must come first once pinned.
    older = services.create_item(actor=reviewer, submit=True, data=services.ItemInput(
        title="宝山区第六届农民丰收节圆满落幕", body="展示宝山大米、罗泾蟹等特色农产品。", item_type="news"))
    services.approve_item(actor=admin, item_id=older.pk)
    services.publish_item(actor=admin, item_id=older.pk)
    base = live_server.url
    picture = tmp_path / "field.png"
    picture.write_bytes(image_upload().read())

    # The 农委 drafts an activity from the observer home's 乡村振兴管理.
    page = new_page()
    login(page, base, admin.username, PASSWORD)
    page.click(".tile:has-text('乡村振兴管理')")
    page.wait_for_url("**/rural/manage/")
    page.click("[data-testid=rural-new]")
    page.select_option("#id_item_type", "activity")
    page.fill("#id_title", "农村人居环境整治志愿活动")
    page.fill("#id_body", "清理河道、整治宅前屋后，欢迎村民报名，活动提供手套和工具。")
    page.set_input_files("#id_images", str(picture))
    page.fill("#id_starts_at", _local(10, 9))
    page.fill("#id_place", "沈杨村村委会门口")
    page.fill("#id_capacity", "40")
    page.fill("#id_signup_deadline", _local(7, 18))
    shot(page, "rural-01-form")
    page.click("button[value=save]")
    page.wait_for_selector("[data-testid=rural-status]:has-text('草稿')")
    page.click("button:has-text('提交审核')")
    page.wait_for_selector("[data-testid=rural-status]:has-text('待审核')")
    assert page.locator("[data-testid=approve]").count() == 0  # the author does not review their own item
    assert "等待其他管理员审核" in page.content()
    shot(page, "rural-02-submitted")
    item = Item.objects.get(title="农村人居环境整治志愿活动")
    assert item.images.count() == 1

    # A second administrator approves, publishes and pins it.
    rev = new_page()
    login(rev, base, reviewer.username, PASSWORD)
    rev.goto(base + "/rural/manage/")
    rev.click("[data-testid=pending-link]")
    rev.click("[data-testid=rural-item]:has-text('农村人居环境整治志愿活动')")
    rev.click("[data-testid=approve]")
    rev.wait_for_selector("[data-testid=rural-status]:has-text('待发布')")
    rev.once("dialog", lambda d: d.accept())
    rev.click("[data-testid=publish]")
    rev.wait_for_selector("[data-testid=rural-status]:has-text('已发布')")
    rev.fill("input[name=order]", "1")
    rev.click("[data-testid=pin]")
    rev.wait_for_selector("text=已置顶")
    shot(rev, "rural-03-published-pinned")
    item.refresh_from_db()
    assert item.status == "published" and item.pin_order == 1 and item.reviewed_by == reviewer

    # The villager finds it first on the village home page, likes it and signs up.
    vil = new_page()
    login(vil, base, villager.username, PASSWORD)
    board = vil.locator("[data-testid=rural-home-board] [data-testid=rural-item]")
    board.first.wait_for()
    assert "农村人居环境整治志愿活动" in board.first.inner_text() and "置顶" in board.first.inner_text()
    assert "宝山区第六届农民丰收节" in board.nth(1).inner_text()
    assert vil.locator("[data-testid=version-badge]").inner_text() == "村民版"
    shot(vil, "rural-04-villager-home")
    vil.click(".tile:has-text('乡村振兴')")
    vil.wait_for_url("**/rural/")
    shot(vil, "rural-05-board")
    vil.fill("input[name=q]", "人居环境")
    vil.click("button:has-text('搜索')")
    vil.wait_for_selector("[data-testid=rural-item]:has-text('农村人居环境整治志愿活动')")
    assert vil.locator("[data-testid=rural-item]").count() == 1
    vil.click("[data-testid=rural-item]:has-text('农村人居环境整治志愿活动')")
    vil.click("[data-testid=like]")
    vil.wait_for_selector("[data-testid=like]:has-text('已点赞')")
    vil.click("[data-testid=signup]")
    vil.wait_for_selector("[data-testid=signed-up]")
    assert "已报名 1 / 40 人" in vil.locator("[data-testid=rural-places]").inner_text()
    shot(vil, "rural-06-signed-up")
    assert SignUp.objects.filter(item=item, user=villager).exists()
    vil.goto(base + "/accounts/me/")
    vil.click(".tile:has-text('我的报名')")
    vil.wait_for_selector("[data-testid=my-signup]:has-text('农村人居环境整治志愿活动')")

    # 长辈模式: the same home and board, larger.
    vil.goto(base + "/accounts/me/")
    vil.click("form[action$='/elder/'] button")
    vil.wait_for_selector("body.elder")
    vil.goto(base + "/")
    shot(vil, "rural-07-villager-home-elder")
    vil.goto(base + "/rural/")
    vil.wait_for_selector("body.elder [data-testid=rural-board]")
    shot(vil, "rural-08-board-elder")

    # An urban resident sees no board and cannot reach it.
    urb = new_page()
    login(urb, base, urban.username, PASSWORD)
    assert "乡村振兴" not in urb.content()
    assert urb.goto(base + f"/rural/{item.pk}/").status == 404

    # The 农委 export the sign-up list.
    page.goto(base + f"/rural/{item.pk}/")
    page.click("[data-testid=signups-link]")
    page.wait_for_selector("[data-testid=signup-row]:has-text('李*英')")
    shot(page, "rural-09-signups")
    with page.expect_download() as info:
        page.click("[data-testid=export]")
    path = info.value.path()
    rows = list(load_workbook(io.BytesIO(open(path, "rb").read())).active.iter_rows(values_only=True))
    assert rows[0][:6] == ("序号", "活动", "街镇", "村", "村民小组", "姓名")
    assert rows[1][1] == "农村人居环境整治志愿活动" and rows[1][3] == "沈杨村村委" and rows[1][5] == "李*英"
    assert len(rows) == 2
