"""数据 (OB-2): every figure of every theme equals a direct count over the source rows, at every level.

Random residents, join requests and their reviews, party members, posts, replies,
reads, 议事厅 topics and votes, cases and ratings are written (the rollups through
the services that keep them); then each theme is read as a district observer and as
a subdistrict observer, for the district, each subdistrict and each community, and
every row and the total are compared with counts made here in Python over all rows.
综合信息's posts per board and its daily (weekly, monthly) trend of posts and replies
are compared too: they are read from the daily rollup ``PostDay``, so these checks
prove it against the posts and replies themselves, the period's running day included.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Callable
from typing import Any

import time_machine
from django.db.models import F
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.django import TestCase

from shequtong.accounts import households, population
from shequtong.accounts import services as account_services
from shequtong.accounts.models import Membership
from shequtong.accounts.roles import Role
from shequtong.boards import rollups as board_rollups
from shequtong.boards import services as board_services
from shequtong.boards.catalogue import Board
from shequtong.boards.models import Ballot, Post, Reply, Vote, VoteOption
from shequtong.cases import overdue
from shequtong.cases.models import Case, CaseRating, Source, Status
from shequtong.common.categories import Category
from shequtong.observe import figures
from shequtong.observe import rollups as observe_rollups
from shequtong.places.models import Community, Estate

from ..factories import make_tree, make_user, make_with_role

T0 = dt.datetime(2026, 11, 27, 2, 0, tzinfo=dt.UTC)  # 10:00 in Shanghai
STATUSES = ["new", "accepted", "in_progress", "escalated", "resolved", "closed"]

# (community 0-2, estate 0-1 or None, requested days ago 0-40, review: None / (approve, hours later 1-100),
#  last signed in hours ago (0-40 days, so local-day boundaries fall between the members) or None, party member)
member_st = st.tuples(st.integers(0, 2), st.sampled_from([0, 1, None]), st.integers(0, 40),
                      st.one_of(st.none(), st.tuples(st.booleans(), st.integers(1, 100))),
                      st.one_of(st.none(), st.integers(0, 40 * 24)), st.booleans(),
                      st.sampled_from([None, ("1", "101"), ("1", "102"), ("2", "101"), ("", "101")]))
# Birth dates for 人口画像: anywhere over 87 years, or in the year a band starts (aged 0, 18, 35, 60, 80 in 2026),
# on either side of the birthday; and a second day to read the portrait on (ages move with the day, the rollup
# keeps birth years: both halves of the year, 29 February of a leap year included).
birth_st = st.one_of(st.dates(dt.date(1939, 1, 1), dt.date(2026, 11, 27)),
                     st.builds(lambda low, day: dt.date(2026 - low, 1, 1) + dt.timedelta(days=day),
                               st.sampled_from([0, 18, 35, 60, 80]), st.integers(0, 330)),
                     st.sampled_from([dt.date(2008, 2, 29), dt.date(1966, 3, 1), dt.date(1991, 2, 28)]))
portrait_day_st = st.one_of(st.dates(dt.date(2026, 1, 1), dt.date(2026, 12, 31)),
                            st.sampled_from([dt.date(2028, 2, 29), dt.date(2026, 7, 2), dt.date(2026, 1, 1)]))
# The 户数 each of the six estates registers (None: not registered).
households_st = st.lists(st.one_of(st.none(), st.integers(0, 6)), min_size=6, max_size=6)
# (community, board, minutes ago 0-400 days (the running day's first hours, a day's boundaries in Shanghai),
#  visible, replies (minutes ago, visible), readers 0-3, stage, 互助)
ago_st = st.one_of(st.integers(0, 40 * 1440), st.integers(0, 400 * 1440),
                   st.sampled_from([0, 599, 600, 601, 1439, 2039, 2040, 2041]))  # T0 is 10:00 in Shanghai
post_st = st.tuples(st.integers(0, 2), st.sampled_from(["neighbours", "party", "notice", "council"]),
                    ago_st, st.booleans(), st.lists(st.tuples(ago_st, st.booleans()), max_size=2), st.integers(0, 3),
                    st.sampled_from(["", "discussing", "convention", "project"]), st.booleans())
# (community, status, days ago 0-200, responded after hours or None, resolved after hours, rating stars or None)
case_st = st.tuples(st.integers(0, 2), st.sampled_from(STATUSES), st.integers(0, 200),
                    st.one_of(st.none(), st.integers(0, 60)), st.integers(1, 500), st.one_of(st.none(), st.integers(1, 5)))


def level_key(place: figures.Place, community: Community, estate_id: int | None, by_estate: bool) -> Any:
    """The row a source row belongs to at this place, or a marker for 'outside the place'."""
    if place.community is not None:
        if community.pk != place.community.pk:
            return "outside"
        return estate_id if by_estate else None
    if place.subdistrict is not None:
        return community.pk if community.subdistrict_id == place.subdistrict.pk else "outside"
    return community.subdistrict_id


def count(rows: list[Any], place: figures.Place, covered: Callable[[Community], bool], by_estate: bool = False,
          estate: Callable[[Any], int | None] = lambda r: None, weight: Callable[[Any], int] = lambda r: 1) -> Counter:
    out: Counter = Counter()
    for r in rows:
        c = r.community
        if not covered(c):
            continue
        k = level_key(place, c, estate(r), by_estate)
        if k != "outside":
            out[k] += weight(r)
    return out


def portrait_counts(place: figures.Place, covered: Callable[[Community], bool], today: dt.date) -> dict[str, Counter]:
    """人口画像 counted over the approved memberships and their users' birth date and sex, as of `today`."""
    approved = list(Membership.objects.filter(status="approved").select_related("community", "user"))
    estate_of = lambda m: m.estate_id  # noqa: E731

    def age(born: dt.date) -> int:
        return today.year - born.year - ((today.month, today.day) < (born.month, born.day))

    return {
        "residents": count(approved, place, covered, True, estate_of),
        "male": count([m for m in approved if m.user.sex == "M"], place, covered, True, estate_of),
        "female": count([m for m in approved if m.user.sex == "F"], place, covered, True, estate_of),
        **{key: count([m for m in approved if m.user.birth_date and low <= age(m.user.birth_date) and (
            high is None or age(m.user.birth_date) < high)], place, covered, True, estate_of)
           for key, _l, low, high in figures.AGE_BANDS},
    }


class FiguresEqualDirectCounts(TestCase):
    @settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
    @given(members=st.lists(member_st, max_size=8), posts=st.lists(post_st, max_size=8),
           cases=st.lists(case_st, max_size=8), period=st.sampled_from(list(figures.PERIODS)), registered=households_st,
           births=st.lists(birth_st, min_size=8, max_size=8), portrait_day=portrait_day_st)
    def test_every_theme_every_level(self, members, posts, cases, period, registered, births, portrait_day):  # type: ignore[no-untyped-def]
        from django.core.cache import cache

        cache.clear()  # each example starts from an empty database (its ids reused): no kept value from the last
        tree = make_tree()
        communities = [tree.comm_a1, tree.comm_a2, tree.comm_b1]
        estates = [list(c.estates.order_by("id")) for c in communities]
        staff = [make_with_role(Role.COMMITTEE_SECRETARY, c) for c in communities]
        admin = make_with_role(Role.SYSADMIN)
        district = make_with_role(Role.DISTRICT_OBSERVER)
        sub_a = make_with_role(Role.SUBDISTRICT_OBSERVER, tree.sub_a)
        with time_machine.travel(T0, tick=False) as traveller:
            residents: list[list[Any]] = [[], [], []]
            for (ci, c_estates), n in zip(enumerate(estates), (registered[:2], registered[2:4], registered[4:]), strict=True):
                households.set_households(actor=staff[ci], community_id=communities[ci].pk,
                                          values={e.pk: h for e, h in zip(c_estates, n, strict=False)})
            for i, (ci, ei, ago, review, login_ago, party, address) in enumerate(members):
                user = make_user()
                # Birth date (or none) and sex (or none), for 数据透视's population portrait.
                type(user).objects.filter(pk=user.pk).update(
                    birth_date=None if i == 7 else births[i], sex="M" if party else ("F" if review else ""))
                traveller.move_to(T0 - dt.timedelta(days=ago))
                m = account_services.request_membership(
                    actor=user, community_id=communities[ci].pk, estate_id=estates[ci][ei].pk if ei is not None else None)
                if address is not None:  # the 楼号/室号 the committee's records give (an import, an edit)
                    Membership.objects.filter(pk=m.pk).update(building=address[0], room=address[1])
                if review is not None:
                    approve, hours = review
                    traveller.move_to(min(T0, T0 - dt.timedelta(days=ago) + dt.timedelta(hours=hours)))
                    account_services.review_membership(actor=staff[ci], membership_id=m.pk, approve=approve,
                                                       reason="" if approve else "信息不符")
                    if approve:
                        residents[ci].append(user)
                        if party:
                            account_services.grant_role(actor=admin, user=user, role=Role.PARTY_MEMBER,
                                                        community=communities[ci])
                if login_ago is not None:
                    # A sign-in in the past: stored as the import of an older system would, then the
                    # activity rollup refreshed as every bulk writer does (a real sign-in refreshes it itself).
                    type(user).objects.filter(pk=user.pk).update(last_login=T0 - dt.timedelta(hours=login_ago))
                    population.refresh_members([communities[ci].pk])
            traveller.move_to(T0)
            for ci, board, ago, visible, replies, readers, stage, aid in posts:
                at = T0 - dt.timedelta(minutes=ago)
                # Any board, stage and day: written here, the rollup kept as boards.services.create_post and
                # reply_to keep it (tests/boards/test_rollups.py proves those services call these); reads, hiding
                # and restoring through the services themselves.
                post = Post.objects.create(
                    community=communities[ci], board=board, author=staff[ci], title="议题", body="内容", created_at=at,
                    stage=stage if board == "council" else "", is_mutual_aid=aid and board == "neighbours")
                board_rollups.post_created(post)
                for r_ago, r_visible in replies:
                    reply = Reply.objects.create(post=post, community=communities[ci], author=staff[ci], body="回复",
                                                 created_at=T0 - dt.timedelta(minutes=r_ago))
                    board_rollups.reply_created(reply, post)
                    Post.objects.filter(pk=post.pk).update(reply_count=F("reply_count") + 1)
                    if not r_visible:
                        board_services.hide_reply(actor=staff[ci], reply_id=reply.pk, reason="广告")
                for reader in residents[ci][:readers]:
                    board_services.record_read(actor=reader, post_id=post.pk)
                if not visible:
                    board_services.hide_post(actor=staff[ci], post_id=post.pk, reason="广告")
                    if readers % 2:  # hidden, read by someone who still may (its own committee), restored, hidden again
                        board_services.record_read(actor=staff[ci], post_id=post.pk)
                        board_services.restore_post(actor=staff[ci], post_id=post.pk)
                        board_services.hide_post(actor=staff[ci], post_id=post.pk, reason="广告")
                if board == "council" and stage:
                    vote = Vote.objects.create(post=post, community=communities[ci], question="是否同意",
                                               deadline=at + dt.timedelta(days=7), opened_by=staff[ci], opened_at=at)
                    option = VoteOption.objects.create(vote=vote, label="同意")
                    for voter in residents[ci][:readers]:
                        Ballot.objects.create(vote=vote, option=option, community=communities[ci], user=voter, created_at=at)
            for ci, status, ago, responded, resolved_h, stars in cases:
                at = T0 - dt.timedelta(days=ago)
                done = status in ("resolved", "closed")
                c = Case.objects.create(
                    community=communities[ci], subdistrict_id=communities[ci].subdistrict_id, source="mention",
                    category="community", title="路灯", content="路灯坏了", status=status, created_at=at, updated_at=at,
                    first_response_at=at + dt.timedelta(hours=responded) if responded is not None else None,
                    resolved_at=at + dt.timedelta(hours=resolved_h) if done else None)
                if done and stars:
                    CaseRating.objects.create(case=c, rater=None, community=communities[ci],
                                              subdistrict_id=communities[ci].subdistrict_id, stars=stars,
                                              created_at=at + dt.timedelta(hours=resolved_h))

            # The services kept the boards rollup exactly (the nightly check finds nothing to repair).
            assert observe_rollups.rebuild(only=("post_days",), check=True) == []
            for observer, covered in ((district, lambda c: True), (sub_a, lambda c: c.subdistrict_id == tree.sub_a.pk)):
                places = [figures.place_for(observer)]
                places += [figures.place_for(observer, subdistrict_id=s.pk) for s in (tree.sub_a, tree.sub_b) if covered(
                    Community(subdistrict_id=s.pk))]
                places += [figures.place_for(observer, community_id=c.pk) for c in communities if covered(c)]
                for place in places:
                    self.check_place(place, figures.period_of(period), covered)
            # The portrait on another day: the same rows, other ages.
            traveller.move_to(dt.datetime.combine(portrait_day, dt.time(12), tzinfo=dt.UTC))
            for observer, covered in ((district, lambda c: True), (sub_a, lambda c: c.subdistrict_id == tree.sub_a.pk)):
                for place in [figures.place_for(observer), *[figures.place_for(observer, subdistrict_id=s.pk)
                                                             for s in (tree.sub_a, tree.sub_b) if covered(Community(subdistrict_id=s.pk))]]:
                    self.check_portrait(place, covered, portrait_day)

    def check_portrait(self, place: figures.Place, covered: Callable[[Community], bool], today: dt.date) -> None:
        expected = portrait_counts(place, covered, today)
        theme = figures.theme("portrait", place, figures.period_of("30"))
        by_key = {r.key: r for r in theme.rows}
        for name, counts in expected.items():
            for key, row in by_key.items():
                assert row.values[name] == counts.get(key, 0), ("portrait", today, name, place.name, row.name)
            assert theme.total.values[name] == sum(counts.values()), ("portrait", today, name, place.name)

    def check_place(self, place: figures.Place, period: figures.Period, covered: Callable[[Community], bool]) -> None:
        def within(at: dt.datetime | None) -> bool:
            return at is not None and period.start <= at <= period.end

        now = T0

        def local_day(at: dt.datetime) -> dt.date:
            return timezone.localtime(at).date()

        today = local_day(T0)

        members = list(Membership.objects.select_related("community", "user"))
        approved = [m for m in members if m.status == "approved"]
        estate_of = lambda m: m.estate_id  # noqa: E731
        all_posts = list(Post.objects.select_related("community"))
        all_cases = list(Case.objects.select_related("community"))
        from shequtong.accounts.models import RoleGrant

        grants = list(RoleGrant.objects.filter(community__isnull=False).select_related("community"))
        expected: dict[str, dict[str, Counter]] = {
            "users": {
                "residents": (count(approved, place, covered, True, estate_of) if place.community is not None
                              else count([g for g in grants if g.role == Role.RESIDENT], place, covered)),
                "party_members": count([g for g in grants if g.role == Role.PARTY_MEMBER], place, covered),
                "registered": count([m for m in members if within(m.requested_at)], place, covered, True, estate_of),
                "approved": count([m for m in members if within(m.requested_at) and m.status == "approved"], place, covered,
                                  True, estate_of),
                # Signed in on one of the last 7 (30) local days, today included.
                "active_7": count([m for m in approved if m.user.last_login and local_day(m.user.last_login) >= today - dt.timedelta(days=6)],
                                  place, covered, True, estate_of),
                "active_30": count([m for m in approved if m.user.last_login and local_day(m.user.last_login) >= today - dt.timedelta(days=29)],
                                   place, covered, True, estate_of),
            },
            "posts": {
                "posts": count([p for p in all_posts if p.visibility == "visible" and within(p.created_at)], place, covered),
                "mutual_aid": count([p for p in all_posts if p.visibility == "visible" and p.is_mutual_aid and within(p.created_at)],
                                    place, covered),
                "replies": count([r for r in Reply.objects.select_related("community")
                                  if r.visibility == "visible" and within(r.created_at)], place, covered),
            },
            "thought": {
                f"{b}_{k}": count([p for p in all_posts if p.board == b and p.visibility == "visible" and within(p.created_at)],
                                  place, covered, weight=(lambda p: 1) if k == "posts" else (lambda p: p.reads.count()))
                for b in ("party", "notice") for k in ("posts", "reads")
            },
            "cases": {
                "cases": count([c for c in all_cases if within(c.created_at)], place, covered),
                "resolved": count([c for c in all_cases if within(c.created_at) and c.status in ("resolved", "closed")],
                                  place, covered),
                "responded": count([c for c in all_cases if within(c.created_at) and c.first_response_at], place, covered),
                "open": count([c for c in all_cases if c.status in overdue.OPEN], place, covered),
                "overdue": count([c for c in all_cases if overdue.buckets_of(c, now)], place, covered),
                "ratings": count([r for r in CaseRating.objects.select_related("community") if within(r.created_at)],
                                 place, covered),
            },
            "council": {
                "topics": count([p for p in all_posts if p.board == "council" and p.visibility == "visible"
                                 and within(p.created_at)], place, covered),
                "conventions": count([p for p in all_posts if p.board == "council" and p.visibility == "visible"
                                      and p.stage == "convention" and within(p.created_at)], place, covered),
                "votes": count([v for v in Vote.objects.select_related("community") if within(v.opened_at)], place, covered),
                "ballots": count([b for b in Ballot.objects.select_related("community") if within(b.created_at)], place, covered),
            },
            "reviews": {
                "reviewed": count([m for m in members if within(m.reviewed_at)], place, covered, True, estate_of),
                "within_24h": count([m for m in members if within(m.reviewed_at) and m.review_seconds <= 86400], place,
                                    covered, True, estate_of),
                "within_72h": count([m for m in members if within(m.reviewed_at) and m.review_seconds <= 3 * 86400], place,
                                    covered, True, estate_of),
                "pending": count([m for m in members if m.status == "pending"], place, covered, True, estate_of),
                "waiting_over_24h": count([m for m in members if m.status == "pending"
                                           and m.requested_at <= now - dt.timedelta(hours=24)], place, covered, True, estate_of),
            },
        }
        # 户覆盖率: registered 户数 per estate, covered = distinct (building, room) among its approved residents.
        all_estates = list(Estate.objects.select_related("community"))
        homes = {e.pk: {(m.building, m.room) for m in approved if m.estate_id == e.pk and m.room} for e in all_estates}
        expected["users"]["households"] = count(all_estates, place, covered, True, lambda e: e.pk,
                                                lambda e: e.households or 0)
        expected["users"]["covered"] = count(all_estates, place, covered, True, lambda e: e.pk, lambda e: len(homes[e.pk]))
        covered_registered = count([e for e in all_estates if e.households is not None], place, covered, True,
                                   lambda e: e.pk, lambda e: len(homes[e.pk]))
        users_theme = figures.theme("users", place, period)
        hh = expected["users"]["households"]
        pairs = [(r, hh.get(r.key, 0), covered_registered.get(r.key, 0)) for r in users_theme.rows]
        pairs.append((users_theme.total, sum(hh.values()), sum(covered_registered.values())))
        for row, h, c in pairs:
            assert row.values["coverage"] == (round(c * 100 / h, 1) if h else None), (place.name, row.name)
        # 观察 (OB-1): the same stock figures, and at subdistrict/district level the cases open and overdue now.
        expected["overview"] = {"residents": expected["users"]["residents"], "pending": expected["reviews"]["pending"]}
        if place.community is None:
            expected["overview"].update({k: expected["cases"][k] for k in ("open", "overdue")})
            expected["overview"]["party_members"] = expected["users"]["party_members"]
        if place.level == "district":
            expected["overview"]["communities"] = count(
                [type("R", (), {"community": c})() for c in Community.objects.all()], place, covered)
        # 数据透视: the portrait by age band and sex, and the staff–resident interaction.
        expected["portrait"] = portrait_counts(place, covered, T0.date())
        expected["interaction"] = {
            "responses": count([c for c in all_cases if within(c.first_response_at)], place, covered),
            "resolutions": count([c for c in all_cases if within(c.resolved_at)], place, covered),
        }
        for code, figures_expected in expected.items():
            theme = figures.overview(place) if code == "overview" else figures.theme(code, place, period)
            by_key = {r.key: r for r in theme.rows}
            children = {k for k, _n in place.children(by_estate=code in ("users", "reviews", "overview", "portrait"))}
            assert set(by_key) == children, (code, place.name)
            for name, counts in figures_expected.items():
                if name == "party_members" and place.community is not None:
                    continue  # not shown at estate level
                assert set(counts) <= children, (code, name, counts)
                for key, row in by_key.items():
                    assert row.values[name] == counts.get(key, 0), (code, name, place.name, row.name)
                assert theme.total.values[name] == sum(counts.values()), (code, name, place.name, "total")
            # Shares are computed from the sums on the same row.
            if code == "cases":
                tv = theme.total.values
                assert tv["response_rate"] == (round(tv["responded"] * 100 / tv["cases"], 1) if tv["cases"] else None)
            if code == "reviews":
                tv = theme.total.values
                assert tv["rate_24h"] == (round(tv["within_24h"] * 100 / tv["reviewed"], 1) if tv["reviewed"] else None)
            # Rows are in attention order: the attention column never increases down the list.
            att = [r.values[theme.attention] for r in theme.rows if r.values[theme.attention] is not None]
            assert att == sorted(att, reverse=True)
        self.check_posts_charts(place, period, covered, all_posts, within)
        self.check_cases_and_users_charts(place, period, covered, all_cases, members, within)
        # No observer sees a place outside their scope: every row is a child of a covered place.
        if place.subdistrict is None and place.community is None:
            assert all(covered(Community(subdistrict_id=k)) for k, _n in place.children())


    def check_posts_charts(self, place: figures.Place, period: figures.Period, covered: Callable[[Community], bool],
                           all_posts: list[Post], within: Callable[[dt.datetime], bool]) -> None:
        """综合信息's posts per board and its trend, against the posts and replies counted here."""
        def inside(c: Community) -> bool:
            return covered(c) and (place.community is None or c.pk == place.community.pk) and (
                place.subdistrict is None or c.subdistrict_id == place.subdistrict.pk)

        posts = [p for p in all_posts if p.visibility == "visible" and within(p.created_at) and inside(p.community)]
        replies = [r for r in Reply.objects.select_related("community")
                   if r.visibility == "visible" and within(r.created_at) and inside(r.community)]
        theme = figures.theme("posts", place, period)
        charts = {c.id: c for c in theme.charts}
        per_board = Counter(p.board for p in posts)
        assert charts["posts-by-board"].categories == [str(label) for _v, label in Board.choices]
        assert charts["posts-by-board"].series[0]["data"] == [per_board.get(v, 0) for v, _l in Board.choices], place.name
        def bucket(day: dt.date) -> dt.date:  # per day up to a month, per week (from Monday) to 120 days, else per month
            if period.days <= 31:
                return day
            return day - dt.timedelta(days=day.weekday()) if period.days <= 120 else day.replace(day=1)

        buckets: dict[dt.date, Counter] = {}
        for kind, rows in (("posts", posts), ("replies", replies)):
            for r in rows:
                buckets.setdefault(bucket(timezone.localdate(r.created_at)), Counter())[kind] += 1
        trend = charts["posts-trend"]
        assert trend.categories == [d.strftime("%m-%d") for d in sorted(buckets)], (place.name, period.code)
        assert [s["data"] for s in trend.series] == [[buckets[d][k] for d in sorted(buckets)]
                                                     for k in ("posts", "replies")], (place.name, period.code)


    def check_cases_and_users_charts(self, place: figures.Place, period: figures.Period,
                                     covered: Callable[[Community], bool], all_cases: list[Case],
                                     members: list[Membership], within: Callable[[dt.datetime], bool]) -> None:
        """问题解决's status, source and category charts and its trend, and 宝山用户数据's trend, counted here."""
        def inside(c: Community) -> bool:
            return covered(c) and (place.community is None or c.pk == place.community.pk) and (
                place.subdistrict is None or c.subdistrict_id == place.subdistrict.pk)

        def bucket(day: dt.date) -> dt.date:
            if period.days <= 31:
                return day
            return day - dt.timedelta(days=day.weekday()) if period.days <= 120 else day.replace(day=1)

        raised = [c for c in all_cases if within(c.created_at) and inside(c.community)]
        charts = {c.id: c for c in figures.theme("cases", place, period).charts}
        for chart_id, attr, choices in (("cases-source", "source", Source.choices),
                                        ("cases-category", "category", Category.choices)):
            per = Counter(getattr(c, attr) for c in raised)
            assert charts[chart_id].series[0]["data"] == [per.get(v, 0) for v, _l in choices], (chart_id, place.name)
        per_status = Counter(c.status for c in raised)
        assert dict(zip(charts["cases-status"].categories, charts["cases-status"].series[0]["data"], strict=True)) == {
            str(label): per_status[v] for v, label in Status.choices if per_status.get(v)}
        buckets: dict[dt.date, Counter] = {}
        for c in raised:
            buckets.setdefault(bucket(timezone.localdate(c.created_at)), Counter())["raised"] += 1
        for c in all_cases:
            if c.status in ("resolved", "closed") and c.resolved_at and within(c.resolved_at) and inside(c.community):
                buckets.setdefault(bucket(timezone.localdate(c.resolved_at)), Counter())["resolved"] += 1
        trend = charts["cases-trend"]
        assert trend.categories == [d.strftime("%m-%d") for d in sorted(buckets)], (place.name, period.code)
        assert [s["data"] for s in trend.series] == [[buckets[d][k] for d in sorted(buckets)]
                                                     for k in ("raised", "resolved")], (place.name, period.code)
        # 宝山用户数据's trend of join requests (from the MemberDay rollup).
        requested = Counter(bucket(timezone.localdate(m.requested_at)) for m in members
                            if within(m.requested_at) and inside(m.community))
        trend = {c.id: c for c in figures.theme("users", place, period).charts}["users-trend"]
        assert trend.categories == [d.strftime("%m-%d") for d in sorted(requested)], (place.name, period.code)
        assert trend.series[0]["data"] == [requested[d] for d in sorted(requested)], (place.name, period.code)


def test_estates_listed_for_the_community_level(db):  # type: ignore[no-untyped-def]
    tree = make_tree()
    district = make_with_role(Role.DISTRICT_OBSERVER)
    place = figures.place_for(district, community_id=tree.comm_a1.pk)
    names = [n for _k, n in place.children()]
    assert names[:2] == list(Estate.objects.filter(community=tree.comm_a1).order_by("id").values_list("name", flat=True))
