"""综合信息 keeps its closed days' sums until an older post or reply changes: hiding or restoring one
(moderation), or a bulk writer, moves them on at once; today's posts are always counted afresh."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from shequtong.accounts.roles import Role
from shequtong.boards import services as board_services
from shequtong.observe import figures

from ..factories import make_with_role, resident_of

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 12, 1, 4, 0, tzinfo=dt.UTC)  # 12:00 in Shanghai


def totals(observer):  # type: ignore[no-untyped-def]
    t = figures.theme("posts", figures.place_for(observer), figures.period_of("30"))
    return t.total.values["posts"], t.total.values["replies"]


def test_moderating_an_older_post_or_reply_moves_the_kept_sums_on(tree):  # type: ignore[no-untyped-def]
    author = resident_of(tree.comm_a1)
    staff = make_with_role(Role.COMMITTEE_SECRETARY, tree.comm_a1)
    with time_machine.travel(NOW - dt.timedelta(days=3), tick=False):
        post = board_services.create_post(actor=author, community_id=tree.comm_a1.pk, board="neighbours",
                                          title="楼道灯坏了", body="三楼楼道灯坏了好几天了")
        reply = board_services.reply_to(actor=staff, post_id=post.pk, body="已经报修")
    observer = make_with_role(Role.DISTRICT_OBSERVER)
    with time_machine.travel(NOW, tick=False):
        assert totals(observer) == (1, 1)   # summed from the day rows, then kept
        assert totals(observer) == (1, 1)   # from the kept sums
        board_services.hide_reply(actor=staff, reply_id=reply.pk, reason="重复内容")
        assert totals(observer) == (1, 0)
        board_services.hide_post(actor=staff, post_id=post.pk, reason="重复内容")
        assert totals(observer) == (0, 0)
        board_services.restore_post(actor=staff, post_id=post.pk)
        assert totals(observer) == (1, 0)
        # Today's post is counted from the posts themselves, beside the kept days.
        board_services.create_post(actor=author, community_id=tree.comm_a1.pk, board="neighbours",
                                   title="谁家的猫", body="楼下有只橘猫")
        assert totals(observer) == (2, 0)
