"""Browser journey in 议事厅 (§3.4.2 item 1.5): a resident's 议题 goes to 讨论, to 表决, becomes a 公约,
is turned into a 项目 and back into a 公约; every step shows on the topic's 议事进程 with date and who moved it."""

from __future__ import annotations

import datetime as dt

import pytest

from shequtong.accounts.roles import Role
from shequtong.boards.models import Post, TopicStageChange
from shequtong.common import clock

from ..factories import PASSWORD, make_tree, make_with_role
from .conftest import login, shot

pytestmark = pytest.mark.e2e


def _stage(page) -> str:  # type: ignore[no-untyped-def]
    return page.get_by_test_id("stage").inner_text().strip()


def test_topic_to_convention_to_project_and_back(live_server, new_page, transactional_db):
    tree = make_tree()
    make_with_role(Role.RESIDENT, tree.comm_a1, username="zhang", real_name="张晓明")
    make_with_role(Role.COMMITTEE_STAFF, tree.comm_a1, username="wang", real_name="王丽华")
    make_with_role(Role.SUBDISTRICT_OBSERVER, tree.sub_a, username="obs", real_name="吴东")
    base = live_server.url

    # A resident raises a topic: it starts at 议题.
    resident = new_page()
    login(resident, base, "zhang", PASSWORD)
    resident.goto(base + "/boards/b/council/")
    resident.get_by_test_id("new-post").click()
    resident.fill("#id_title", "楼道堆物清理办法")
    resident.fill("#id_body", "楼道里堆放杂物影响消防通道，请大家一起商量清理和长效管理的办法。")
    resident.get_by_role("button", name="发布").click()
    resident.wait_for_selector("[data-testid=topic-track]")
    assert _stage(resident) == "议题"
    assert resident.get_by_test_id("move-topic").count() == 0  # residents do not move topics
    post = Post.objects.get()

    # The committee moves it to discussion, opens a vote and closes it as a 公约.
    staff = new_page()
    login(staff, base, "wang", PASSWORD)
    staff.goto(base + post.get_absolute_url())
    staff.fill("#track-note", "列入本月居民议事会")
    staff.get_by_test_id("move-discussing").click()
    staff.wait_for_selector("text=议题已进入“讨论中”阶段")
    assert _stage(staff) == "讨论中"
    staff.locator("details.open-vote summary").click()
    staff.fill("#id_question", "是否同意每月第一个周六集中清理楼道堆物？")
    staff.fill("#id_deadline", (clock.now() + dt.timedelta(days=3)).astimezone().strftime("%Y-%m-%dT%H:%M"))
    staff.get_by_role("button", name="发起投票").last.click()
    staff.wait_for_selector("[data-testid=vote]")
    assert _stage(staff) == "表决中"
    staff.on("dialog", lambda d: d.accept())
    staff.select_option("select[name=outcome]", "convention")
    staff.get_by_role("button", name="结束投票").click()
    staff.wait_for_selector("text=投票已结束")
    assert _stage(staff) == "公约"
    shot(staff, "council-01-convention")

    # 公约 → 项目 → 公约 directly, the history kept.
    staff.get_by_test_id("move-project").click()
    staff.wait_for_selector("text=议题已进入“项目”阶段")
    assert _stage(staff) == "项目"
    staff.get_by_test_id("move-convention").click()
    staff.wait_for_selector("text=议题已进入“公约”阶段")
    assert _stage(staff) == "公约"
    steps = staff.get_by_test_id("track-step")
    assert steps.count() == 6
    texts = [steps.nth(i).inner_text() for i in range(6)]
    assert [t.split()[0] for t in texts] == ["议题", "讨论中", "表决中", "公约", "项目", "公约"]
    assert "由公约直接转换" in texts[4] and "由项目直接转换" in texts[5] and "王*华" in texts[5]
    assert "列入本月居民议事会" in texts[1] and "表决结束：形成公约" in texts[3]
    shot(staff, "council-02-track")
    assert list(TopicStageChange.objects.filter(post=post).values_list("to_stage", flat=True)) == [
        "topic", "discussing", "voting", "convention", "project", "convention"]

    # The resident sees the same track; the subdistrict sees the counts per stage.
    resident.reload()
    assert resident.get_by_test_id("track-step").count() == 6
    observer = new_page()
    login(observer, base, "obs", PASSWORD)
    observer.goto(base + "/boards/observe/council/")
    row = observer.locator("[data-testid=council-stats] tbody tr", has_text=tree.comm_a1.name)
    assert row.locator("td").nth(4).inner_text() == "1"  # the 公约 column
    shot(observer, "council-03-observer-stats")
