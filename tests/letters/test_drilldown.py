"""Observer drill-down numbers (from the rollup) equal a direct count over the letters (LB-5)."""

from __future__ import annotations

import datetime as dt

import time_machine
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.django import TestCase

from shequtong.accounts.roles import Role
from shequtong.common.categories import Category
from shequtong.letters import selectors
from shequtong.letters.models import Letter

from ..cases import helpers
from ..factories import make_tree, make_with_role, resident_of

T0 = dt.datetime(2026, 4, 1, 10, 0, tzinfo=dt.timezone(dt.timedelta(hours=8)))
letters_strategy = st.lists(
    st.tuples(st.integers(0, 2), st.sampled_from(Category.values), st.integers(0, 40)), min_size=0, max_size=25,
)


class DrillDownTest(TestCase):
    @settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(spec=letters_strategy, window=st.tuples(st.integers(0, 40), st.integers(0, 40)))
    def test_drill_down_equals_a_direct_count(self, spec, window):
        tree = make_tree()
        communities = [tree.comm_a1, tree.comm_a2, tree.comm_b1]
        writers = [resident_of(c) for c in communities]
        with time_machine.travel(T0, tick=False) as clock:
            for idx, category, days_ago in spec:
                clock.move_to(T0 - dt.timedelta(days=days_ago))
                helpers.letter(writers[idx], communities[idx], category=category)
        district = make_with_role(Role.DISTRICT_OBSERVER)
        sub_observer = make_with_role(Role.SUBDISTRICT_OBSERVER, tree.sub_a)
        lo, hi = sorted(window)
        dates = {"date_from": (T0 - dt.timedelta(days=hi)).date(), "date_to": (T0 - dt.timedelta(days=lo)).date()}

        for user, scope_q in ((district, {}), (sub_observer, {"subdistrict": tree.sub_a})):
            for d in ({}, dates):
                letters = Letter.objects.filter(**scope_q)
                if d:
                    letters = [x for x in letters if d["date_from"] <= x.created_at.astimezone(T0.tzinfo).date() <= d["date_to"]]
                else:
                    letters = list(letters)

                rows, total = selectors.subdistrict_rows(user, **d)
                assert total == len(letters)
                for r in rows:
                    mine = [x for x in letters if x.subdistrict_id == r["subdistrict"].pk]
                    assert r["letters"] == len(mine)
                    assert r["writing"] == len({x.community_id for x in mine})
                    assert abs(r["share"] - (len(mine) / total * 100 if total else 0)) < 1e-9
                assert sum(r["share"] for r in rows) in (0, 100) or abs(sum(r["share"] for r in rows) - 100) < 1e-6

                cats, cat_total = selectors.category_rows(user, **d)
                assert cat_total == len(letters)
                for r in cats:
                    assert r["letters"] == sum(1 for x in letters if x.category == r["category"].value)
                    by_sub, sub_total = selectors.category_subdistrict_rows(user, r["category"].value, **d)
                    assert sub_total == r["letters"]
                    for s in by_sub:
                        assert s["letters"] == sum(1 for x in letters if x.category == r["category"].value and x.subdistrict_id == s["subdistrict"].pk)

                for sub_row in rows:
                    comm_rows, comm_total = selectors.community_rows(user, sub_row["subdistrict"], **d)
                    assert comm_total == sub_row["letters"]
                    for c in comm_rows:
                        assert c["letters"] == sum(1 for x in letters if x.community_id == c["community"].pk)
                    for c in comm_rows:
                        listed = selectors.observed_letters(user, community=c["community"], **d).count()
                        assert listed == c["letters"]

        # The subdistrict observer sees only their subdistrict.
        rows, _ = selectors.subdistrict_rows(sub_observer)
        assert [r["subdistrict"] for r in rows] == [tree.sub_a]
