"""宝山用户数据 keeps the sums of its period's days before today (新申请加入, 新通过审核, their trend) until a request of
such a day changes, and 数据透视 · 人口画像 keeps its district and subdistrict sums until a population row changes:
the write that changes them makes the next read fresh (each test fails when its touch is removed), today's requests
are always counted afresh, and the kept figures equal the sums of the rollup rows."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.db.models import Sum

from shequtong.accounts import population
from shequtong.accounts import services as account_services
from shequtong.accounts.models import MemberDay, Membership
from shequtong.accounts.roles import Role
from shequtong.common import versioned
from shequtong.observe import figures

from ..factories import make_user, make_with_role

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 12, 1, 4, 0, tzinfo=dt.UTC)  # 12:00 in Shanghai


def requests(observer, period: str = "30", **where):  # type: ignore[no-untyped-def]
    t = figures.theme("users", figures.place_for(observer, **where), figures.period_of(period))
    trend = {c.id: c for c in t.charts}["users-trend"]
    return t.total.values["registered"], t.total.values["approved"], sum(trend.series[0]["data"])


def rollup_sums(since: dt.date) -> tuple[int, int]:
    s = MemberDay.objects.filter(day__gte=since).aggregate(r=Sum("requested"), a=Sum("approved"))
    return s["r"] or 0, s["a"] or 0


def test_reviewing_an_older_request_moves_the_kept_figures_on(tree):  # type: ignore[no-untyped-def]
    staff = make_with_role(Role.COMMITTEE_SECRETARY, tree.comm_a1)
    with time_machine.travel(NOW - dt.timedelta(days=3), tick=False):
        older = account_services.request_membership(actor=make_user(), community_id=tree.comm_a1.pk)
        other = account_services.request_membership(actor=make_user(), community_id=tree.comm_a1.pk)
    observer = make_with_role(Role.DISTRICT_OBSERVER)
    outsider = make_with_role(Role.SUBDISTRICT_OBSERVER, tree.sub_b)
    with time_machine.travel(NOW, tick=False):
        since = figures.period_of("30").start.date()
        assert requests(observer) == (2, 0, 2)  # summed from the day rows, then kept
        assert requests(observer) == (2, 0, 2)  # from the kept sums
        assert requests(observer, subdistrict_id=tree.sub_a.pk) == (2, 0, 2)
        assert requests(outsider) == (0, 0, 0)  # another jurisdiction's kept sums hold none of it
        account_services.review_membership(actor=staff, membership_id=older.pk, approve=True, reason="")
        assert requests(observer) == (2, 1, 2)  # a request of three days ago approved today
        assert requests(observer, subdistrict_id=tree.sub_a.pk) == (2, 1, 2)
        account_services.review_membership(actor=staff, membership_id=other.pk, approve=False, reason="信息不符")
        assert requests(observer) == (2, 1, 2)
        account_services.request_membership(actor=make_user(), community_id=tree.comm_a1.pk)  # today: beside the kept days
        assert requests(observer) == (3, 1, 3)
        assert requests(observer, "365") == (3, 1, 3)
        assert requests(observer)[:2] == rollup_sums(since)
        assert requests(outsider) == (0, 0, 0)


def test_a_sign_in_does_not_move_the_kept_request_figures(tree):  # type: ignore[no-untyped-def]
    """Only ``active`` changes on a sign-in: the kept days' requests stay valid (no touch, no recount)."""
    from django.test import Client

    staff = make_with_role(Role.COMMITTEE_SECRETARY, tree.comm_a1)
    with time_machine.travel(NOW - dt.timedelta(days=3), tick=False):
        user = make_user()
        m = account_services.request_membership(actor=user, community_id=tree.comm_a1.pk)
        account_services.review_membership(actor=staff, membership_id=m.pk, approve=True, reason="")
    with time_machine.travel(NOW, tick=False):
        touched = []
        real_touch = versioned.touch
        try:
            versioned.touch = lambda *deps: touched.extend(deps)  # type: ignore[assignment]
            Client().force_login(user)  # moves the person's active count from three days ago to today
        finally:
            versioned.touch = real_touch  # type: ignore[assignment]
        assert population.MEMBERS_PAST_CHANGED not in touched
        assert MemberDay.objects.get(day=dt.date(2026, 12, 1)).active == 1


def portrait_residents(observer, **where):  # type: ignore[no-untyped-def]
    t = figures.theme("portrait", figures.place_for(observer, **where), figures.period_of("30"))
    return t.total.values["residents"], t.total.values["age_35_59"]


def test_a_review_moves_the_kept_portrait_on(tree):  # type: ignore[no-untyped-def]
    staff = make_with_role(Role.COMMITTEE_SECRETARY, tree.comm_a1)
    observer = make_with_role(Role.DISTRICT_OBSERVER)
    outsider = make_with_role(Role.SUBDISTRICT_OBSERVER, tree.sub_b)
    with time_machine.travel(NOW, tick=False):
        before = portrait_residents(observer)
        assert portrait_residents(observer) == before  # kept
        sub_before = portrait_residents(observer, subdistrict_id=tree.sub_a.pk)
        outside = portrait_residents(outsider)
        user = make_user()
        type(user).objects.filter(pk=user.pk).update(birth_date=dt.date(1980, 5, 1), sex="F")
        m = account_services.request_membership(actor=user, community_id=tree.comm_a1.pk)
        assert portrait_residents(observer) == before  # a request alone changes no population row
        account_services.review_membership(actor=staff, membership_id=m.pk, approve=True, reason="")
        assert portrait_residents(observer) == (before[0] + 1, before[1] + 1)
        assert portrait_residents(observer, subdistrict_id=tree.sub_a.pk) == (sub_before[0] + 1, sub_before[1] + 1)
        assert portrait_residents(outsider) == outside  # outside the jurisdiction: nothing of it
        approved = Membership.objects.filter(status=Membership.Status.APPROVED).count()
        assert portrait_residents(observer)[0] == approved
