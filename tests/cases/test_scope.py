"""Jurisdiction: a committee never sees another community's cases, a subdistrict never another subdistrict's."""

from __future__ import annotations

import pytest
from django.urls import reverse

from shequtong.accounts.roles import Role
from shequtong.cases import selectors

from ..factories import make_with_role, resident_of
from . import helpers

pytestmark = pytest.mark.django_db


@pytest.fixture
def cases(tree):  # type: ignore[no-untyped-def]
    return {c: helpers.letter(resident_of(c), c).case for c in (tree.comm_a1, tree.comm_a2, tree.comm_b1)}


def test_selectors_per_level(tree, cases):
    def ids(user, cap=None):  # type: ignore[no-untyped-def]
        return {c.community_id for c in selectors.cases_for(user, cap)}

    assert ids(make_with_role(Role.COMMITTEE_STAFF, tree.comm_a1)) == {tree.comm_a1.pk}
    assert ids(make_with_role(Role.SUBDISTRICT_OBSERVER, tree.sub_a)) == {tree.comm_a1.pk, tree.comm_a2.pk}
    assert ids(make_with_role(Role.DISTRICT_OBSERVER)) == {tree.comm_a1.pk, tree.comm_a2.pk, tree.comm_b1.pk}
    assert ids(resident_of(tree.comm_a1)) == set()
    # Observer roles without patrol (e.g. 农委) see no case lists.
    assert ids(make_with_role(Role.RURAL_ADMIN)) == set()


@pytest.mark.parametrize("page", ["list", "detail", "export", "ratings_community"])
def test_pages_never_show_another_area(client, tree, cases, page):
    staff_b = make_with_role(Role.COMMITTEE_STAFF, tree.comm_b1)
    sub_b = make_with_role(Role.SUBDISTRICT_OBSERVER, tree.sub_b)
    target = cases[tree.comm_a1]
    for user in (staff_b, sub_b):
        client.force_login(user)
        if page == "list":
            html = client.get(reverse("cases:list")).content.decode()
            assert target.title not in html or html.count(target.title) == html.count(cases[tree.comm_b1].title)
            assert f'href="/cases/{target.pk}/"' not in html
        elif page == "detail":
            assert client.get(reverse("cases:detail", args=[target.pk])).status_code == 404
        elif page == "export":
            from io import BytesIO

            from openpyxl import load_workbook

            rows = list(load_workbook(BytesIO(client.get(reverse("cases:export")).content)).active.iter_rows(values_only=True))
            assert [r[0] for r in rows[1:]] == [cases[tree.comm_b1].pk]
        else:
            response = client.get(reverse("cases:ratings"), {"community": tree.comm_a1.pk})
            assert response.status_code == 404 or "rating-item" not in response.content.decode()
    # The filter cannot widen the scope either.
    client.force_login(sub_b)
    html = client.get(reverse("cases:list"), {"community": tree.comm_a1.pk, "subdistrict": tree.sub_a.pk}).content.decode()
    assert f'href="/cases/{target.pk}/"' not in html


def test_actions_outside_the_community_via_pages_change_nothing(client, tree, cases):
    target = cases[tree.comm_a1]
    raiser = target.raised_by
    for user in (make_with_role(Role.COMMITTEE_SECRETARY, tree.comm_b1), make_with_role(Role.SUBDISTRICT_OBSERVER, tree.sub_a)):
        client.force_login(user)
        client.post(reverse("cases:act", args=[target.pk]), {"action": "accept"})
        client.post(reverse("cases:set_category", args=[target.pk]), {"category": "safety"})
        client.post(reverse("cases:rate", args=[target.pk]), {"stars": "5"})
    target.refresh_from_db()
    assert target.status == "new" and target.category == "construction" and not hasattr(target, "rating")
    assert target.raised_by == raiser


def test_a_subdistrict_scope_filters_on_the_cases_own_subdistrict(tree, cases):
    """Cases keep their community's subdistrict beside it: the scope filter uses it, no join to communities."""
    from shequtong.accounts import scope
    from shequtong.cases.models import Case

    qs = scope.Scope(subdistrict_ids=frozenset({tree.sub_a.pk})).filter(Case.objects.all())
    assert {c.community_id for c in qs} == {tree.comm_a1.pk, tree.comm_a2.pk}
    assert "places_community" not in str(qs.query)
    # A mixed scope (a whole subdistrict plus one community elsewhere) still covers both.
    mixed = scope.Scope(subdistrict_ids=frozenset({tree.sub_b.pk}), community_ids=frozenset({tree.comm_a1.pk}))
    assert {c.community_id for c in mixed.filter(Case.objects.all())} == {tree.comm_a1.pk, tree.comm_b1.pk}
