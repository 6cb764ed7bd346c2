"""Browser journey on the boards: a 互助 request with an image, a neighbour replies and likes, the committee hides a reply."""

from __future__ import annotations

import re

import pytest

from shequtong.accounts.roles import Role
from shequtong.boards.models import Like, Post, PostImage, Reply
from shequtong.inbox.models import Message

from ..factories import PASSWORD, image_upload, make_tree, make_with_role
from .conftest import login, shot

pytestmark = pytest.mark.e2e


def test_mutual_aid_post_reply_like_and_hide(live_server, new_page, settings, tmp_path, transactional_db):
    settings.MEDIA_ROOT = tmp_path / "media"
    tree = make_tree()
    make_with_role(Role.RESIDENT, tree.comm_a1, username="zhang", real_name="张晓明")
    make_with_role(Role.RESIDENT, tree.comm_a1, username="li", real_name="李秀英")
    make_with_role(Role.COMMITTEE_STAFF, tree.comm_a1, username="wang", real_name="王丽华")
    picture = tmp_path / "wheelchair.png"
    picture.write_bytes(image_upload(size=(320, 240)).read())
    base = live_server.url

    # A resident opens 左邻右舍 from the home page and posts a 互助 request with a picture.
    resident = new_page()
    login(resident, base, "zhang", PASSWORD)
    resident.get_by_text("左邻右舍", exact=True).click()
    shot(resident, "boards-01-neighbours-empty")
    resident.get_by_test_id("new-post").click()
    resident.fill("#id_title", "求借轮椅两周")
    resident.fill("#id_body", "家里老人腿受伤，想借一台轮椅用两周，用完清洗归还。")
    resident.check("#id_is_mutual_aid")
    resident.select_option("#id_category", "social")
    resident.set_input_files("#id_images", str(picture))
    resident.wait_for_selector(".image-preview img")
    shot(resident, "boards-02-new-post")
    resident.get_by_role("button", name="发布").click()
    resident.wait_for_selector("[data-testid=post]")
    assert resident.get_by_text("发布成功").is_visible()
    assert resident.locator("[data-testid=post-image]").count() == 1
    shot(resident, "boards-03-post")
    post = Post.objects.get()
    assert post.is_mutual_aid and post.category == "social" and PostImage.objects.filter(post=post).count() == 1

    # A neighbour finds it under 互助, replies and likes it.
    neighbour = new_page()
    login(neighbour, base, "li", PASSWORD)
    neighbour.goto(base + "/boards/b/neighbours/")
    neighbour.get_by_test_id("filter-aid").click()
    neighbour.get_by_text("求借轮椅两周").click()
    neighbour.fill("#id_body", "我家有一台，晚上七点后来5号楼302拿。")
    neighbour.get_by_test_id("reply-submit").click()
    neighbour.wait_for_selector("[data-testid=reply]")
    neighbour.fill("#id_body", "顺便问一下，谁家有拐杖？加微信 abc123 便宜卖")
    neighbour.get_by_test_id("reply-submit").click()
    neighbour.get_by_test_id("like").click()
    neighbour.wait_for_selector("[data-testid=like][aria-pressed=true]")
    shot(neighbour, "boards-04-neighbour-replied-liked")
    assert Reply.objects.filter(post=post).count() == 2 and Like.objects.filter(post=post).count() == 1

    # The committee hides the advertising reply with a reason; the neighbour is told in 信箱.
    staff = new_page()
    login(staff, base, "wang", PASSWORD)
    staff.goto(base + post.get_absolute_url())
    staff.on("dialog", lambda d: d.accept())
    ad = staff.locator("[data-testid=reply]", has_text="abc123")
    ad.get_by_test_id("hide-reply").click()
    ad.locator("input[name=reason]").fill("含广告信息")
    ad.get_by_role("button", name="确定隐藏").click()
    staff.wait_for_selector(".reply--hidden")
    shot(staff, "boards-05-committee-hid-reply")
    assert Reply.objects.get(body__contains="abc123").is_hidden

    resident.reload()
    assert resident.locator("[data-testid=reply]").count() == 1
    assert not resident.get_by_text("abc123").count()
    assert re.search(r"点赞\s*1", resident.get_by_test_id("like").inner_text())
    shot(resident, "boards-06-resident-sees-one-reply")
    assert Message.objects.filter(recipient__username="li", subject__contains="隐藏").exists()
    neighbour.goto(base + "/inbox/")
    shot(neighbour, "boards-07-neighbour-inbox")
    assert neighbour.get_by_text("您的回复已被隐藏", exact=False).count() == 1
