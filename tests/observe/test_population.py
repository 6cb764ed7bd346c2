"""人口画像's rollup (accounts.PopulationStat): kept by the membership review, exact on every day of the
year at the bands' boundary birthdays, and checked (drift found and repaired) by the nightly rebuild."""

from __future__ import annotations

import datetime as dt
import io

import pytest
import time_machine
from django.core.management import call_command

from shequtong.accounts import services as account_services
from shequtong.accounts.models import Membership, PopulationDay, PopulationStat
from shequtong.accounts.roles import Role
from shequtong.observe import figures, rollups

from ..factories import make_user, make_with_role

pytestmark = pytest.mark.django_db


def join(community, staff, birth_date, sex: str, approve: bool = True):  # type: ignore[no-untyped-def]
    user = make_user()
    type(user).objects.filter(pk=user.pk).update(birth_date=birth_date, sex=sex)
    m = account_services.request_membership(actor=user, community_id=community.pk)
    account_services.review_membership(actor=staff, membership_id=m.pk, approve=approve, reason="" if approve else "信息不符")
    return user


def direct(today: dt.date) -> dict[str, int]:
    """The district's portrait counted here from the approved memberships."""
    out = {key: 0 for key, _l, _lo, _hi in figures.AGE_BANDS} | {"residents": 0, "male": 0, "female": 0}
    for m in Membership.objects.filter(status="approved").select_related("user"):
        out["residents"] += 1
        out["male"] += m.user.sex == "M"
        out["female"] += m.user.sex == "F"
        b = m.user.birth_date
        if b is None:
            continue
        age = today.year - b.year - ((today.month, today.day) < (b.month, b.day))
        for key, _l, low, high in figures.AGE_BANDS:
            if low <= age and (high is None or age < high):
                out[key] += 1
    return out


BIRTHS = [dt.date(2026 - low, month, day) for low in (0, 18, 35, 60, 80) for month, day in ((1, 1), (3, 1), (6, 30),
                                                                                             (7, 2), (12, 4), (12, 31))]
BIRTHS += [dt.date(2008, 2, 29), dt.date(1966, 2, 28), dt.date(1950, 5, 5), None]
DAYS = [dt.date(2026, 1, 1), dt.date(2026, 2, 28), dt.date(2026, 3, 1), dt.date(2026, 7, 1), dt.date(2026, 7, 2),
        dt.date(2026, 12, 4), dt.date(2026, 12, 31), dt.date(2028, 2, 29)]


def test_portrait_from_the_rollup_equals_a_direct_count_on_every_kind_of_day(tree):  # type: ignore[no-untyped-def]
    staff = {c.pk: make_with_role(Role.COMMITTEE_SECRETARY, c) for c in (tree.comm_a1, tree.comm_b1)}
    with time_machine.travel(dt.datetime(2026, 1, 1, 4, tzinfo=dt.UTC), tick=False):
        for i, born in enumerate(BIRTHS):
            c = tree.comm_a1 if i % 2 else tree.comm_b1
            join(c, staff[c.pk], born, "MF"[i % 3] if i % 3 < 2 else "", approve=i % 7 != 3)
    assert PopulationStat.objects.exists()
    observer = make_with_role(Role.DISTRICT_OBSERVER)
    for day in DAYS:
        with time_machine.travel(dt.datetime.combine(day, dt.time(4), tzinfo=dt.UTC), tick=False):
            t = figures.theme("portrait", figures.place_for(observer), figures.period_of("30"))
            assert {k: t.total.values[k] for k in direct(day)} == direct(day), day
            assert sum(r.values["residents"] for r in t.rows) == t.total.values["residents"]


def test_the_nightly_rebuild_finds_and_repairs_population_drift(tree):  # type: ignore[no-untyped-def]
    staff = make_with_role(Role.COMMITTEE_SECRETARY, tree.comm_a1)
    join(tree.comm_a1, staff, dt.date(1980, 5, 1), "F")
    join(tree.comm_a1, staff, dt.date(1980, 8, 1), "F")
    assert rollups.rebuild(check=True, only=("population_stats",)) == []
    assert PopulationStat.objects.get(community=tree.comm_a1, sex="F", birth_year=1980).people == 2
    PopulationStat.objects.filter(community=tree.comm_a1).update(people=5)
    PopulationStat.objects.create(community=tree.comm_b1, subdistrict=tree.comm_b1.subdistrict, sex="M", birth_year=1990, people=1)
    # (a repair recomputes a community's both tables: the day drift sits in a community of its own)
    PopulationDay.objects.create(community=tree.comm_a2, subdistrict=tree.comm_a2.subdistrict, birth_date=dt.date(1970, 1, 2), people=4)
    out = io.StringIO()
    with pytest.raises(SystemExit):
        call_command("rebuild_rollups", "--only", "population_stats,population_days", stdout=out)
    assert "population_stats" in out.getvalue() and "population_days" in out.getvalue()
    assert "3 drift(s) repaired" in out.getvalue()
    assert not PopulationDay.objects.filter(community=tree.comm_a2).exists()
    assert PopulationDay.objects.get(community=tree.comm_a1, birth_date=dt.date(1980, 5, 1)).people == 1
    assert PopulationStat.objects.get(community=tree.comm_a1, sex="F", birth_year=1980).people == 2
    assert not PopulationStat.objects.filter(community=tree.comm_b1, people__gt=0).exists()
    assert rollups.rebuild(check=True) == []


def test_a_community_merge_leaves_the_rollup_equal_to_the_memberships(tree):  # type: ignore[no-untyped-def]
    from shequtong.operations import services as operations_services
    from shequtong.places.models import Community

    source = Community.objects.create(subdistrict=tree.comm_a1.subdistrict, name="待并居委会", kind=tree.comm_a1.kind)
    join(tree.comm_a1, make_with_role(Role.COMMITTEE_SECRETARY, tree.comm_a1), dt.date(1980, 5, 1), "F")
    join(source, make_with_role(Role.COMMITTEE_SECRETARY, source), dt.date(1980, 6, 1), "F")
    join(source, make_with_role(Role.COMMITTEE_SECRETARY, source), dt.date(1990, 6, 1), "M")
    assert rollups.rebuild(check=True, only=("population_stats", "population_days")) == []
    operations_services.merge_communities(actor=make_with_role(Role.SYSADMIN), source_id=source.pk, target_id=tree.comm_a1.pk)
    assert rollups.rebuild(check=True, only=("population_stats", "population_days", "member_days")) == []
    assert PopulationStat.objects.get(community=tree.comm_a1, sex="F", birth_year=1980).people == 2
    assert not PopulationStat.objects.filter(community_id=source.pk).exists()
