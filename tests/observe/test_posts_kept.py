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


@pytest.mark.parametrize("moment", [
    dt.datetime(2026, 11, 29, 15, 30, tzinfo=dt.UTC),  # Sunday 23:30 in Shanghai (the week began on Monday the 23rd)
    dt.datetime(2026, 11, 30, 16, 30, tzinfo=dt.UTC),  # 1 December 00:30 in Shanghai, still 30 November in UTC
    dt.datetime(2026, 12, 31, 15, 59, tzinfo=dt.UTC),  # the year's last minute in Shanghai
    dt.datetime(2027, 1, 4, 4, 0, tzinfo=dt.UTC),      # a Monday
])
def test_the_running_day_lands_in_the_bucket_the_database_truncates_it_to(tree, moment):  # type: ignore[no-untyped-def]
    """Today's posts are counted once per child, not truncated row by row: their trend bucket (day, week's Monday,
    month's first day) is the one the database gives the same rows."""
    from shequtong.boards.models import Post, Visibility

    author = resident_of(tree.comm_a1)
    observer = make_with_role(Role.DISTRICT_OBSERVER)
    with time_machine.travel(moment, tick=False):
        post = board_services.create_post(actor=author, community_id=tree.comm_a1.pk, board="neighbours",
                                          title="楼道灯坏了", body="三楼楼道灯坏了好几天了")
        board_services.reply_to(actor=author, post_id=post.pk, body="补充一下")
        for code in ("7", "30", "90", "365"):
            place, period = figures.place_for(observer), figures.period_of(code)
            trend = {c.id: c for c in figures.theme("posts", place, period).charts}["posts-trend"]
            _first, _last, running = figures._rollup_days(period)
            today = Post.objects.filter(visibility=Visibility.VISIBLE, created_at__gte=running, created_at__lte=period.end)
            direct = figures._trend_buckets(place, period, [("发帖", today, "created_at")], running)
            assert [d.strftime("%m-%d") for d in sorted(direct)] == trend.categories, code
            assert trend.series[0]["data"] == [1] and trend.series[1]["data"] == [1], code
