"""宝山用户数据 from the ``MemberDay`` rollup: a real sign-in moves the person's 近7天/近30天活跃, a review
that approves someone who signed in before counts them, a join request counts on its local day, the
figures stay inside the observer's scope, and the nightly rebuild finds and repairs a drift."""

from __future__ import annotations

import datetime as dt
import io

import pytest
import time_machine
from django.core.management import call_command
from django.test import Client

from shequtong.accounts import services as account_services
from shequtong.accounts.models import MemberDay
from shequtong.accounts.roles import Role
from shequtong.observe import figures, rollups

from ..factories import make_user, make_with_role

pytestmark = pytest.mark.django_db

# 23:30 in Shanghai on 1 December: the local day is not the UTC day, so a day taken in UTC would show.
LATE = dt.datetime(2026, 12, 1, 15, 30, tzinfo=dt.UTC)


def resident(community, staff, estate=None):  # type: ignore[no-untyped-def]
    user = make_user()
    m = account_services.request_membership(actor=user, community_id=community.pk,
                                            estate_id=estate.pk if estate is not None else None)
    account_services.review_membership(actor=staff, membership_id=m.pk, approve=True, reason="")
    return user


def active(observer, **where):  # type: ignore[no-untyped-def]
    t = figures.theme("users", figures.place_for(observer, **where), figures.period_of("30"))
    return t.total.values["active_7"], t.total.values["active_30"], {r.key: r.values["active_30"] for r in t.rows}


def test_a_sign_in_counts_the_person_on_its_local_day_and_moves_with_the_next(tree):  # type: ignore[no-untyped-def]
    staff = make_with_role(Role.COMMITTEE_SECRETARY, tree.comm_a1)
    estate = tree.comm_a1.estates.order_by("id").first()
    with time_machine.travel(LATE - dt.timedelta(days=20), tick=False):
        person = resident(tree.comm_a1, staff, estate)
        Client().force_login(person)  # 20 days ago: active in 30 days, not in 7
    district = make_with_role(Role.DISTRICT_OBSERVER)
    with time_machine.travel(LATE, tick=False):
        assert active(district)[:2] == (0, 1)
        assert MemberDay.objects.get(active=1).day == dt.date(2026, 11, 11)  # 23:30 Shanghai on 11 November
        Client().force_login(person)
        assert MemberDay.objects.get(active=1).day == dt.date(2026, 12, 1)
        assert active(district)[:2] == (1, 1)
        # At the community level the row is the person's estate.
        assert active(district, community_id=tree.comm_a1.pk)[2][estate.pk] == 1
    # Seven local days later the sign-in has left 近7天 but is still in 近30天.
    with time_machine.travel(LATE + dt.timedelta(days=7), tick=False):
        assert active(district)[:2] == (0, 1)
    with time_machine.travel(LATE + dt.timedelta(days=6), tick=False):
        assert active(district)[:2] == (1, 1)
    assert rollups.rebuild(check=True, only=("member_days",)) == []


def test_approving_someone_who_signed_in_before_counts_them(tree):  # type: ignore[no-untyped-def]
    staff = make_with_role(Role.COMMITTEE_SECRETARY, tree.comm_b1)
    with time_machine.travel(LATE, tick=False):
        user = make_user()
        Client().force_login(user)  # no community yet: nothing to count
        assert not MemberDay.objects.exists()
        m = account_services.request_membership(actor=user, community_id=tree.comm_b1.pk)
        # Counted as a request on its local day (1 December in Shanghai), not yet as an active resident.
        row = MemberDay.objects.get(community=tree.comm_b1)
        assert (row.day, row.requested, row.approved, row.active) == (dt.date(2026, 12, 1), 1, 0, 0)
        account_services.review_membership(actor=staff, membership_id=m.pk, approve=True, reason="")
        row.refresh_from_db()
        assert (row.requested, row.approved, row.active) == (1, 1, 1)
        district = make_with_role(Role.DISTRICT_OBSERVER)
        assert active(district)[:2] == (1, 1)
        t = figures.theme("users", figures.place_for(district), figures.period_of("7"))
        assert (t.total.values["registered"], t.total.values["approved"]) == (1, 1)
    # A week later the request has left the 7-day period.
    with time_machine.travel(LATE + dt.timedelta(days=7), tick=False):
        t = figures.theme("users", figures.place_for(district), figures.period_of("7"))
        assert (t.total.values["registered"], t.total.values["approved"]) == (0, 0)


def test_an_observer_outside_the_scope_counts_none_of_it(tree):  # type: ignore[no-untyped-def]
    staff = make_with_role(Role.COMMITTEE_SECRETARY, tree.comm_a1)
    with time_machine.travel(LATE, tick=False):
        Client().force_login(resident(tree.comm_a1, staff))
        own = make_with_role(Role.SUBDISTRICT_OBSERVER, tree.sub_a)
        other = make_with_role(Role.SUBDISTRICT_OBSERVER, tree.sub_b)
        assert active(own)[:2] == (1, 1)
        assert active(other)[:2] == (0, 0)
        assert set(active(other)[2]) == {tree.sub_b.pk}


def test_the_nightly_rebuild_finds_and_repairs_activity_drift(tree):  # type: ignore[no-untyped-def]
    staff = make_with_role(Role.COMMITTEE_SECRETARY, tree.comm_a1)
    with time_machine.travel(LATE, tick=False):
        Client().force_login(resident(tree.comm_a1, staff))
        Client().force_login(resident(tree.comm_a1, staff))
    row = MemberDay.objects.get()
    assert (row.active, row.requested, row.approved) == (2, 2, 2)
    MemberDay.objects.update(active=7)
    MemberDay.objects.create(community=tree.comm_b1, subdistrict=tree.sub_b, day=dt.date(2026, 11, 30), requested=3)
    out = io.StringIO()
    with pytest.raises(SystemExit):
        call_command("rebuild_rollups", "--only", "member_days", stdout=out)
    assert "2 drift(s) repaired" in out.getvalue()
    row = MemberDay.objects.get()
    assert (row.active, row.requested, row.approved) == (2, 2, 2)
    assert rollups.rebuild(check=True, only=("member_days",)) == []
