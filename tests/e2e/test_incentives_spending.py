"""Browser journeys of issue 17's spending: the committee puts up a 积分竞拍, two residents bid, the outbid one
gets their 社区豆 back at once; and opening a post sends the read receipt (a POST) that earns the read points."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from shequtong.accounts.roles import Role
from shequtong.boards.models import Read
from shequtong.common import clock
from shequtong.points import services as points
from shequtong.points.models import Auction, PointsAccount, PointsEntry

from ..factories import PASSWORD, make_post, make_tree, make_with_role
from .conftest import login, shot

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def _local(moment: dt.datetime) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%dT%H:%M")


def test_committee_auction_two_residents_bid_and_the_outbid_beans_come_back(live_server, new_page):
    tree = make_tree()
    staff = make_with_role(Role.COMMITTEE_STAFF, tree.comm_a1, username="staff-auc", real_name="孙丽华")
    wang = make_with_role(Role.RESIDENT, tree.comm_a1, username="wang-auc", real_name="王小红")
    li = make_with_role(Role.RESIDENT, tree.comm_a1, username="li-auc", real_name="李建国")
    for u in (wang, li):
        points.credit(user_id=u.pk, reputation=0, beans=100, reason="优质贡献：测试", community_id=tree.comm_a1.pk)
    base = live_server.url

    page = new_page()
    page.on("dialog", lambda d: d.accept())
    login(page, base, staff.username, PASSWORD)
    page.goto(base + "/points/auctions/manage/")
    page.click("text=发布竞拍")
    page.fill("#id_title", "手工编织坐垫")
    page.fill("#id_start_price", "20")
    page.fill("#id_increment", "5")
    page.fill("#id_starts_at", _local(clock.now() - dt.timedelta(hours=1)))
    page.fill("#id_ends_at", _local(clock.now() + dt.timedelta(days=3)))
    page.fill("#id_how_to_collect", "到居委会服务窗口领取")
    shot(page, "spending-01-auction-form")
    page.click("button[type=submit]")
    page.wait_for_selector("[data-testid=auction-manage-row]:has-text('手工编织坐垫')")
    auction = Auction.objects.get(title="手工编织坐垫")

    for who, amount in ((wang, "30"), (li, "45")):
        p = new_page()
        login(p, base, who.username, PASSWORD)
        p.goto(base + "/points/auctions/")
        p.click("[data-testid=auction-row]:has-text('手工编织坐垫')")
        p.fill("#id_amount", amount)
        p.click("[data-testid=bid]")
        p.wait_for_selector(f"[data-testid=auction-top]:has-text('{amount}')")
        shot(p, f"spending-02-bid-{amount}")
    assert PointsAccount.objects.get(pk=li.pk).beans == 55
    assert PointsAccount.objects.get(pk=wang.pk).beans == 100  # outbid: released at once

    p = new_page()
    login(p, base, wang.username, PASSWORD)
    p.goto(base + "/points/")
    assert p.inner_text("[data-testid=my-beans]") == "100"
    assert "竞拍出价被超出，退还" in p.inner_text("[data-testid=ledger]")
    p.goto(base + "/points/auctions/")
    assert "已被超出（已退还）" in p.inner_text("[data-testid=my-bids]")
    shot(p, "spending-03-outbid-ledger")
    # A bid below the next step is refused with the amount it needs.
    p.goto(base + f"/points/auctions/{auction.pk}/")
    p.fill("#id_amount", "46")
    p.click("[data-testid=bid]")
    p.wait_for_selector("text=出价至少为50社区豆")
    assert PointsAccount.objects.get(pk=wang.pk).beans == 100


def test_opening_a_post_sends_the_read_receipt(live_server, new_page):
    tree = make_tree()
    author = make_with_role(Role.RESIDENT, tree.comm_a1, username="author-r", real_name="赵一")
    reader = make_with_role(Role.RESIDENT, tree.comm_a1, username="reader-r", real_name="钱二")
    post = make_post(author, tree.comm_a1, title="小区停车位调整方案")
    page = new_page()
    login(page, live_server.url, reader.username, PASSWORD)
    with page.expect_response(lambda r: r.url.endswith(f"/boards/posts/{post.pk}/read/") and r.request.method == "POST") as resp:
        page.goto(live_server.url + post.get_absolute_url())
    assert resp.value.status == 204
    assert Read.objects.filter(post=post, user=reader).exists()
    assert PointsEntry.objects.filter(user=reader, action="read", ref_id=post.pk).count() == 1
    shot(page, "spending-04-post-with-level")
