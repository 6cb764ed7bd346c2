"""问题解决 keeps the figures of the cases raised before today until one of them is saved: handling an older
case moves them on at once; a case raised today is always counted afresh."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from shequtong.accounts.roles import Role
from shequtong.cases.models import (
    CASES_BEFORE_TODAY,
    CASES_RAISED_BEFORE_TODAY,
    CASES_RESOLVED_BEFORE_TODAY,
    Case,
)
from shequtong.common import versioned
from shequtong.observe import figures

from ..cases import helpers
from ..factories import make_with_role, resident_of

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 12, 1, 4, 0, tzinfo=dt.UTC)  # 12:00 in Shanghai


def totals(observer):  # type: ignore[no-untyped-def]
    t = figures.theme("cases", figures.place_for(observer), figures.period_of("30"))
    charts = {c.id: c for c in t.charts}
    return (t.total.values["cases"], t.total.values["responded"], t.total.values["resolved"],
            sum(charts["cases-trend"].series[1]["data"]))


def test_handling_an_older_case_moves_the_kept_figures_on(tree):  # type: ignore[no-untyped-def]
    staff = make_with_role(Role.COMMITTEE_STAFF, tree.comm_a1)
    with time_machine.travel(NOW - dt.timedelta(days=3), tick=False):
        case = helpers.letter(resident_of(tree.comm_a1), tree.comm_a1).case
    observer = make_with_role(Role.DISTRICT_OBSERVER)
    with time_machine.travel(NOW, tick=False):
        assert totals(observer) == (1, 0, 0, 0)  # counted from the cases, then kept
        assert totals(observer) == (1, 0, 0, 0)  # from the kept figures
        helpers.handle(staff, case, "accept")
        assert totals(observer)[:2] == (1, 1)  # accepting is the first response
        helpers.handle(staff, case, "resolve")
        assert totals(observer) == (1, 1, 1, 1)  # resolved today: in the trend's 已解决
        helpers.letter(resident_of(tree.comm_a1), tree.comm_a1)  # raised today: counted beside the kept days
        assert totals(observer) == (2, 1, 1, 1)


def test_handling_moves_the_kept_figures_but_not_the_kept_trend_days(tree):  # type: ignore[no-untyped-def]
    """Accepting and resolving an older case today (what committees do all day) leaves the trend's days before
    today kept: only a case raised, moved or deleted, or a resolution on an earlier day taken back, moves them."""
    staff = make_with_role(Role.COMMITTEE_STAFF, tree.comm_a1)
    with time_machine.travel(NOW - dt.timedelta(days=3), tick=False):
        case = helpers.letter(resident_of(tree.comm_a1), tree.comm_a1).case
    observer = make_with_role(Role.DISTRICT_OBSERVER)
    trends = (CASES_RAISED_BEFORE_TODAY, CASES_RESOLVED_BEFORE_TODAY)
    with time_machine.travel(NOW, tick=False):
        totals(observer)
        figures_at, trends_at = versioned.version(CASES_BEFORE_TODAY), [versioned.version(k) for k in trends]
        helpers.handle(staff, case, "accept", "resolve")
        assert versioned.version(CASES_BEFORE_TODAY) != figures_at
        assert [versioned.version(k) for k in trends] == trends_at
        assert totals(observer) == (1, 1, 1, 1)


def test_reopening_a_case_resolved_on_an_earlier_day_takes_it_off_the_kept_trend(tree):  # type: ignore[no-untyped-def]
    """The 已解决 of a day before today is kept; reopening the case moves that key (not the 新增问题 one)."""
    staff = make_with_role(Role.COMMITTEE_STAFF, tree.comm_a1)
    with time_machine.travel(NOW - dt.timedelta(days=3), tick=False):
        case = helpers.letter(resident_of(tree.comm_a1), tree.comm_a1).case
    with time_machine.travel(NOW - dt.timedelta(days=1), tick=False):
        helpers.handle(staff, case, "accept", "resolve")
    observer = make_with_role(Role.DISTRICT_OBSERVER)
    with time_machine.travel(NOW, tick=False):
        assert totals(observer) == (1, 1, 1, 1)  # resolved yesterday: a kept day of the trend
        raised_at = versioned.version(CASES_RAISED_BEFORE_TODAY)
        helpers.handle(staff, case, "reopen")
        assert totals(observer) == (1, 1, 0, 0)
        assert versioned.version(CASES_RAISED_BEFORE_TODAY) == raised_at


def test_a_case_moved_or_saved_whole_moves_both_kept_trends(tree):  # type: ignore[no-untyped-def]
    """A community merge moves cases with a queryset update (operations touches every key itself); a save that
    names the place, or a whole save, may have moved the case between the places whose trends are kept."""
    with time_machine.travel(NOW - dt.timedelta(days=3), tick=False):
        case = helpers.letter(resident_of(tree.comm_a1), tree.comm_a1).case
    trends = (CASES_RAISED_BEFORE_TODAY, CASES_RESOLVED_BEFORE_TODAY)
    with time_machine.travel(NOW, tick=False):
        for save in ({"update_fields": ["community", "subdistrict"]}, {}):
            before = [versioned.version(k) for k in trends]
            Case.objects.get(pk=case.pk).save(**save)
            after = [versioned.version(k) for k in trends]
            assert all(a != b for a, b in zip(after, before, strict=True)), save
