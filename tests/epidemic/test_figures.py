"""The figures (EP-3 statistics) equal direct counts over what was done, at every level of drill-down."""

from __future__ import annotations

import datetime as dt

import time_machine
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.django import TestCase

from shequtong.accounts.roles import Role
from shequtong.common import clock
from shequtong.epidemic import selectors, services
from shequtong.epidemic.selectors import FIGURES

from ..factories import make_tree, make_with_role

T0 = dt.datetime(2026, 11, 27, 2, 0, tzinfo=dt.UTC)  # 10:00 in Shanghai

# One archive: (community 0-2, estate 0-1, started days ago 0-5, final move, move days ago 0-1,
#               measurements: (days ago 0-6, temperature tenths 360-395, a symptom or not))
archive_strategy = st.tuples(
    st.integers(0, 2), st.integers(0, 1), st.integers(0, 5), st.sampled_from(["", "confirm", "release"]),
    st.integers(0, 1),
    st.lists(st.tuples(st.integers(0, 6), st.integers(360, 395), st.booleans()), max_size=3),
)


def expected(spec: list, keep) -> dict[str, int]:  # type: ignore[type-arg,no-untyped-def]
    """The six figures counted straight from the generated actions (not from the database)."""
    out = dict.fromkeys(FIGURES, 0)
    for item in spec:
        if not keep(item):
            continue
        _c, _e, started, move, move_ago, measures = item
        valid = [(d, t, s) for d, t, s in measures if d <= started]
        out["observed_total"] += 1
        out["new_today"] += started == 0
        out["released_total"] += move == "release"
        out["released_today"] += move == "release" and move_ago == 0
        out["confirmed"] += move == "confirm"
        out["symptomatic"] += move != "release" and any(d <= 1 and (t >= 373 or s) for d, t, s in valid)
    return out


class FiguresTest(TestCase):
    @settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(spec=st.lists(archive_strategy, max_size=12))
    def test_figures_equal_direct_counts(self, spec):  # type: ignore[no-untyped-def]
        tree = make_tree()
        communities = [tree.comm_a1, tree.comm_a2, tree.comm_b1]
        staff = [make_with_role(Role.COMMITTEE_STAFF, c) for c in communities]
        estates = [list(c.estates.order_by("id")) for c in communities]
        district = make_with_role(Role.DISTRICT_OBSERVER)
        sub_a = make_with_role(Role.SUBDISTRICT_OBSERVER, tree.sub_a)
        with time_machine.travel(T0, tick=False) as traveller:
            for c, e, started, move, move_ago, measures in spec:
                traveller.move_to(T0 - dt.timedelta(days=started))
                a = services.create_archive(actor=staff[c], data=services.ArchiveInput(
                    community_id=communities[c].pk, estate_id=estates[c][e].pk, person_name="某某", id_number="",
                    phone="", reason="home_isolation" if started % 2 else "health_management",
                    started_on=T0.date() - dt.timedelta(days=started)))
                traveller.move_to(T0)
                for days_ago, tenths, symptom in measures:
                    if days_ago > started:
                        continue
                    services.record_measurement(actor=staff[c], archive_id=a.pk,
                                                measured_on=clock.today() - dt.timedelta(days=days_ago),
                                                temperature=f"{tenths / 10:.1f}", symptoms=["cough"] if symptom else [])
                if move:
                    traveller.move_to(T0 - dt.timedelta(days=move_ago))
                    services.move_archive(actor=staff[c], archive_id=a.pk, action=move)
            traveller.move_to(T0)
            today = clock.today()

            # District: everything, and per subdistrict / community / estate.
            qs = selectors.archives_in_scope(district)
            assert selectors.figures(qs, today) == expected(spec, lambda i: True)
            subs = {r["subdistrict"].pk: r for r in selectors.subdistrict_figures(district, today)}
            for sub, idxs in ((tree.sub_a, {0, 1}), (tree.sub_b, {2})):
                assert {k: subs[sub.pk][k] for k in FIGURES} == expected(spec, lambda i, idxs=idxs: i[0] in idxs)
            for ci, community in enumerate(communities):
                rows = {r["community"].pk: r for r in selectors.community_figures(
                    district, selectors.observed_communities(district, community.subdistrict), today)}
                assert {k: rows[community.pk][k] for k in FIGURES} == expected(spec, lambda i, ci=ci: i[0] == ci)
                for ei, row in enumerate(selectors.estate_figures(staff[ci], community, today)):
                    assert row["estate"] == estates[ci][ei]
                    assert {k: row[k] for k in FIGURES} == expected(
                        spec, lambda i, ci=ci, ei=ei: i[0] == ci and i[1] == ei)
            # A subdistrict observer and a committee see only their own.
            assert selectors.figures(selectors.archives_in_scope(sub_a), today) == expected(spec, lambda i: i[0] in (0, 1))
            assert [r["subdistrict"] for r in selectors.subdistrict_figures(sub_a, today)] == [tree.sub_a]
            assert selectors.figures(selectors.archives_in_scope(staff[2]), today) == expected(spec, lambda i: i[0] == 2)
