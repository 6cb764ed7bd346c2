"""问题解决 keeps the figures of the cases raised before today until one of them is saved: handling an older
case moves them on at once; a case raised today is always counted afresh."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from shequtong.accounts.roles import Role
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
