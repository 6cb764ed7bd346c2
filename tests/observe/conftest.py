"""A small searchable district: posts, letters, cases and 面对面 records in two subdistricts, made through the services."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import pytest

from shequtong.accounts.models import User
from shequtong.boards import services as board_services
from shequtong.boards.models import Post
from shequtong.cases.models import Case
from shequtong.letters.models import Letter
from shequtong.visits import services as visit_services
from shequtong.visits.models import Visit

from ..cases import helpers as case_helpers
from ..factories import Cast, Tree, chat_message, estate_group, make_post


def at(day: int, month: int = 11) -> dt.datetime:
    return dt.datetime(2026, month, day, 2, 0, tzinfo=dt.UTC)  # 10:00 in Shanghai


@dataclass
class World:
    district: User          # 区级观察员
    sub_a: User             # 街镇观察员 of sub_a
    sub_b: User             # 街镇观察员 of sub_b
    sysadmin: User          # observes the district, no case patrol
    resident: User          # resident of comm_a1
    staff: User             # 社工 of comm_a1
    post_a: Post            # comm_a1 左邻右舍, 11-01
    council_a: Post         # comm_a1 议事厅, 11-10
    hidden_a: Post          # comm_a1, hidden by the committee
    post_b: Post            # comm_b1, 11-03
    letter_a: Letter        # comm_a1 人民信箱, 11-05
    case_a: Case            # comm_a1 面对面-source case, 10-01
    letter_b: Letter        # comm_b1 人民信箱, 11-06
    visit_a: Visit          # comm_a1 approved 面对面, 11-08
    draft_a: Visit          # comm_a1 draft (never shown to observers)


@pytest.fixture
def world(tree: Tree, cast: Cast, time_machine: Any) -> World:
    """Posts, letters, cases and visits of the one test cast (tests/factories.py Cast), on fixed days."""
    def move(moment: dt.datetime) -> None:
        time_machine.move_to(moment, tick=False)

    resident, resident_b = cast.resident_a, cast.resident_b
    staff, secretary = cast.staff_a, cast.secretary_a

    move(at(1))
    post_a = make_post(resident, tree.comm_a1, title="楼道灯坏了有人报修吗",
                       body="3号楼2单元楼道灯不亮，晚上走路不方便。联系电话13912345678")
    move(at(3))
    post_b = make_post(resident_b, tree.comm_b1, title="楼道灯又坏了", body="罗南新村5号楼楼道灯坏了好几天。")
    move(at(4))
    hidden_a = make_post(resident, tree.comm_a1, title="楼道里的广告", body="楼道里贴满了小广告。")
    board_services.hide_post(actor=staff, post_id=hidden_a.pk, reason="广告")
    move(at(5))
    letter_a = case_helpers.letter(resident, tree.comm_a1, category="community",
                                   content="楼道里堆满杂物，存在消防隐患，请居委处理。")
    move(at(6))
    letter_b = case_helpers.letter(resident_b, tree.comm_b1, category="community",
                                   content="楼道漏水严重，墙皮脱落。")
    move(at(8))
    visit = visit_services.create_visit(actor=staff, submit=True, data=visit_services.VisitInput(
        community_id=tree.comm_a1.pk, visit_type="home", title="走访独居老人", content="老人反映楼道灯坏了，晚上出行不便。",
        visited_on=dt.date(2026, 11, 8), person_name="周桂兰", person_address="友谊路100弄5号302室",
        problems=(visit_services.ProblemInput("construction", "3号楼楼道灯损坏"),)))
    visit_a = visit_services.approve_visit(actor=secretary, visit_id=visit.pk)
    draft_a = visit_services.create_visit(actor=staff, data=visit_services.VisitInput(
        community_id=tree.comm_a1.pk, visit_type="home", title="楼道走访草稿", content="楼道灯草稿内容",
        visited_on=dt.date(2026, 11, 8), person_name="周桂兰"))
    move(at(10))
    council_a = make_post(resident, tree.comm_a1, board="council", title="垃圾分类投放时间调整",
                          body="建议把湿垃圾投放时间延长到晚上八点。")
    move(at(1, month=10))
    case_a = case_helpers.case(staff, tree.comm_a1, title="加装电梯协调", content="5号楼居民反映加装电梯意见不统一。")
    # Never searched: group chats and private 信箱 letters, even with the keyword in them.
    move(at(12))
    chat_message(resident, estate_group(tree.estate(tree.comm_a1)), body="楼道灯坏了谁知道找谁修")
    from shequtong.inbox import services as inbox_services

    inbox_services.send_letter(actor=staff, recipient_id=resident.pk, subject="楼道灯", body="楼道灯明天修好")
    move(at(27))
    return World(
        district=cast.district, sub_a=cast.subdistrict_observer, sub_b=cast.subdistrict_observer_other,
        sysadmin=cast.sysadmin,
        resident=resident, staff=staff, post_a=post_a, council_a=council_a, hidden_a=hidden_a, post_b=post_b,
        letter_a=letter_a, case_a=case_a, letter_b=letter_b, visit_a=visit_a, draft_a=draft_a,
    )
