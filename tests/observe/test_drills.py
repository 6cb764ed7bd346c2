"""The apps' drill-downs on observe's one component: 人民信箱 and 面对面 per level, attention order, zeros
folded, breadcrumb back, rows opening the next level or the app's list, old addresses redirecting, scope."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from shequtong.accounts.roles import Role
from shequtong.letters.models import Letter
from shequtong.observe import drills, figures

from ..cases import helpers
from ..factories import make_with_role, resident_of

pytestmark = pytest.mark.django_db


def _letters(tree):  # type: ignore[no-untyped-def]
    for c, n in ((tree.comm_a1, 1), (tree.comm_a2, 3), (tree.comm_b1, 2)):
        writer = resident_of(c)
        for _ in range(n):
            helpers.letter(writer, c, category="economy")


def test_letters_every_level_equals_the_letters(tree):  # type: ignore[no-untyped-def]
    _letters(tree)
    district = make_with_role(Role.DISTRICT_OBSERVER)
    period = drills.period_all()
    top = drills.letters(figures.place_for(district), period)
    assert [(r.key, r.values["letters"]) for r in top.rows] == [(tree.sub_a.pk, 4), (tree.sub_b.pk, 2)]
    assert top.total.values["letters"] == Letter.objects.count() == 6
    sub = drills.letters(figures.place_for(district, subdistrict_id=tree.sub_a.pk), period)
    # Most letters first: comm_a2 (3) before comm_a1 (1), whatever their ids.
    assert [(r.key, r.values["letters"], r.values["share"]) for r in sub.rows] == [
        (tree.comm_a2.pk, 3, 75.0), (tree.comm_a1.pk, 1, 25.0)]
    community = drills.letters(figures.place_for(district, community_id=tree.comm_a2.pk), period)
    by_estate = {r.key: r.values["letters"] for r in community.rows}
    expected: dict[int | None, int] = {}
    for e in Letter.objects.filter(community=tree.comm_a2).values_list("estate_id", flat=True):
        expected[e] = expected.get(e, 0) + 1
    assert {k: v for k, v in by_estate.items() if v} == expected
    assert community.total.values["letters"] == 3
    # An estate opens the community's letters filtered to it (the app's list stays the leaf).
    assert community.row_link is not None
    assert community.row_link(community.rows[0]).startswith(reverse("letters:observe_community", args=[tree.comm_a2.pk]))


def test_the_page_folds_zeros_links_down_and_back(client, tree):  # type: ignore[no-untyped-def]
    writer = resident_of(tree.comm_a2)
    helpers.letter(writer, tree.comm_a2, category="economy")
    observer = make_with_role(Role.SUBDISTRICT_OBSERVER, tree.sub_a)
    client.force_login(observer)
    html = client.get(reverse("observe:letters"), {"subdistrict": tree.sub_a.pk}).content.decode()
    shown = re.findall(r'data-testid="drill-row"><td><a class="linkish" href="([^"]+)">([^<]+) ›', html)
    assert [name for _h, name in shown] == [tree.comm_a2.name]
    assert f"community={tree.comm_a2.pk}" in shown[0][0]
    folded = html.split('data-testid="folded"')[1]
    assert tree.comm_a1.name in folded  # no letters: folded away
    crumbs = html.split('class="obs-crumbs"')[1].split("</nav>")[0]
    assert "全区" not in crumbs and "辖区" in crumbs and tree.sub_a.name in crumbs
    assert "按问题分类" in html and reverse("letters:observe_category", args=["economy"]) in html
    # Another subdistrict's community: not found, like a missing one.
    assert client.get(reverse("observe:letters"), {"community": tree.comm_b1.pk}).status_code == 404
    assert client.get(reverse("observe:visits"), {"subdistrict": tree.sub_b.pk}).status_code == 404
    # The export is the same table.
    response = client.get(reverse("web:data_export"), {"theme": "letters", "subdistrict": tree.sub_a.pk, "period": "all"})
    assert response.status_code == 200 and response["Content-Type"].startswith("application/vnd.openxmlformats")


def test_old_addresses_redirect_to_the_observer_room(client, tree):  # type: ignore[no-untyped-def]
    client.force_login(make_with_role(Role.SUBDISTRICT_OBSERVER, tree.sub_a))
    cases = [
        (reverse("letters:observe"), reverse("observe:letters")),
        (reverse("letters:observe_subdistrict", args=[tree.sub_a.pk]), f"{reverse('observe:letters')}?subdistrict={tree.sub_a.pk}"),
        (reverse("visits:observe"), reverse("observe:visits")),
        (reverse("visits:observe_subdistrict", args=[tree.sub_a.pk]), f"{reverse('observe:visits')}?subdistrict={tree.sub_a.pk}"),
    ]
    for old, new in cases:
        response = client.get(old)
        assert response.status_code == 302 and response.url == new
    assert client.get(reverse("letters:observe_subdistrict", args=[tree.sub_b.pk])).status_code == 404


def test_visits_rows_open_the_records_list(client, tree):  # type: ignore[no-untyped-def]
    observer = make_with_role(Role.DISTRICT_OBSERVER)
    t = drills.visits(figures.place_for(observer, subdistrict_id=tree.sub_a.pk), drills.period_all())
    assert t.row_link is not None
    assert t.row_link(t.rows[0]) == f"{reverse('visits:observe_list')}?community={t.rows[0].key}"
    client.force_login(observer)
    html = client.get(reverse("observe:visits")).content.decode()
    assert "记录总数（已通过/已归档）" in html and 'class="visit-filters"' in html
