"""数据 · 综合信息 and 思想阵地: the daily rollup (PostDay) against the direct count it replaced.

    DATABASE_URL=postgres://…/<your db> DJANGO_DEBUG=1 python bench/posts_rollup.py [--repeat 5] [--explain]

For each period the page offers and each level (the district, its busiest subdistrict,
its busiest community), as a district observer: the theme as the page computes it now
(rollup for the whole days, source rows for the running day) and as it was computed
before (every post and reply of the period grouped directly), the median wall and SQL
time of each, and a check that both give the same rows, total and charts. With
``--explain`` the plan of the rollup's district-level query for each period is printed.
Never run it against a database you do not own (it only reads).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shequtong.settings")

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402
from django.db.models import Count, Q, Sum  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from shequtong.accounts.models import User  # noqa: E402
from shequtong.accounts.roles import Role  # noqa: E402
from shequtong.boards.catalogue import Board  # noqa: E402
from shequtong.boards.models import Post, PostDay, Reply, Visibility  # noqa: E402
from shequtong.observe import figures as f  # noqa: E402
from shequtong.places.models import Community  # noqa: E402


def old_posts(place: f.Place, period: f.Period) -> tuple[dict[Any, Any], list[Any]]:
    """综合信息 as it was computed before the rollup (observe/figures.py before boards.0006)."""
    in_period = {"created_at__gte": period.start, "created_at__lte": period.end}
    visible_posts = Post.objects.filter(visibility=Visibility.VISIBLE, **in_period)
    visible_replies = Reply.objects.filter(visibility=Visibility.VISIBLE, **in_period)
    raw = f.merge(
        f.grouped(place, visible_posts, {"posts": Count("pk"), "mutual_aid": Count("pk", filter=Q(is_mutual_aid=True))}),
        f.grouped(place, visible_replies, {"replies": Count("pk")}),
    )
    charts = [
        f._breakdown(place, visible_posts, "board", Board.choices, "posts-by-board", "", "bar", "发帖"),
        f._trend(place, period, [("发帖", visible_posts, "created_at"), ("回复", visible_replies, "created_at")], "t", ""),
    ]
    return raw, charts


def old_thought(place: f.Place, period: f.Period) -> dict[Any, Any]:
    qs = Post.objects.filter(board__in=f.THOUGHT_BOARDS, visibility=Visibility.VISIBLE,
                             created_at__gte=period.start, created_at__lte=period.end)
    return f.grouped(place, qs, {
        "party_posts": Count("pk", filter=Q(board=Board.PARTY)), "notice_posts": Count("pk", filter=Q(board=Board.NOTICE)),
        "party_reads": Sum("read_count", filter=Q(board=Board.PARTY)),
        "notice_reads": Sum("read_count", filter=Q(board=Board.NOTICE)),
    })


def timed(fn: Any, repeat: int) -> tuple[Any, float, float]:
    fn()  # warm
    walls, sqls = [], []
    out = None
    for _ in range(repeat):
        t0 = time.perf_counter()
        with CaptureQueriesContext(connection) as ctx:
            out = fn()
        walls.append((time.perf_counter() - t0) * 1000)
        sqls.append(sum(float(q["time"]) for q in ctx.captured_queries) * 1000)
    return out, statistics.median(walls), statistics.median(sqls)


def values(raw: dict[Any, Any], names: tuple[str, ...]) -> dict[Any, tuple[int, ...]]:
    return {k: tuple(v.get(n, 0) for n in names) for k, v in raw.items() if any(v.get(n, 0) for n in names)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--explain", action="store_true")
    args = parser.parse_args()
    observer = User.objects.filter(role_grants__role=Role.DISTRICT_OBSERVER).first() or User.objects.filter(
        role_grants__role=Role.SYSADMIN).first()
    if observer is None:
        raise SystemExit("no district observer in this database")
    busiest = (Post.objects.order_by().values("community_id").annotate(n=Count("pk")).order_by("-n").first() or {})
    community = Community.objects.get(pk=busiest["community_id"])
    print(f"{connection.vendor} {connection.settings_dict['NAME']}: {Post.objects.count()} posts, "
          f"{Reply.objects.count()} replies, {PostDay.objects.count()} PostDay rows")
    places = [("district", f.place_for(observer)),
              ("subdistrict", f.place_for(observer, subdistrict_id=community.subdistrict_id)),
              ("community", f.place_for(observer, community_id=community.pk))]
    failures = 0
    for code in f.PERIODS:
        period = f.period_of(code)
        for level, place in places:
            theme, wall, sql = timed(lambda place=place, period=period: f.posts(place, period), args.repeat)
            (raw, charts), old_wall, old_sql = timed(lambda place=place, period=period: old_posts(place, period),
                                                    args.repeat)
            new_rows = {r.key: tuple(r.values[n] for n in ("posts", "mutual_aid", "replies")) for r in theme.rows}
            old_rows = {r.key: tuple(raw.get(r.key, {}).get(n, 0) for n in ("posts", "mutual_aid", "replies"))
                        for r in theme.rows}
            same = new_rows == old_rows and all(
                a.categories == b.categories and a.series[0]["data"] == b.series[0]["data"]
                and [s["data"] for s in a.series] == [s["data"] for s in b.series]
                for a, b in zip([theme.charts[0], theme.charts[1]], charts, strict=True))
            t_theme, t_wall, t_sql = timed(lambda place=place, period=period: f.thought(place, period), args.repeat)
            t_old, t_old_wall, t_old_sql = timed(lambda place=place, period=period: old_thought(place, period),
                                                 args.repeat)
            names = ("party_posts", "notice_posts", "party_reads", "notice_reads")
            t_same = {r.key: tuple(r.values[n] for n in names) for r in t_theme.rows} == {
                r.key: tuple(t_old.get(r.key, {}).get(n, 0) or 0 for n in names) for r in t_theme.rows}
            failures += (not same) + (not t_same)
            print(f"{code:>3} days {level:11s} posts  rollup {wall:7.1f} ms (SQL {sql:7.1f})  direct {old_wall:7.1f} ms "
                  f"(SQL {old_sql:7.1f})  {'same' if same else 'DIFFERENT'}")
            print(f"{code:>3} days {level:11s} thought rollup {t_wall:7.1f} ms (SQL {t_sql:7.1f})  direct "
                  f"{t_old_wall:7.1f} ms (SQL {t_old_sql:7.1f})  {'same' if t_same else 'DIFFERENT'}")
        if args.explain and connection.vendor == "postgresql":
            first, last, _running = f._rollup_days(period)
            qs = PostDay.objects.filter(day__gte=first, day__lte=last).order_by().values("subdistrict_id").annotate(
                p=Sum("posts"), r=Sum("replies"))
            print(qs.explain(analyze=True, buffers=True))
    return 1 if failures else 0


if __name__ == "__main__":
    raise SystemExit(main())
