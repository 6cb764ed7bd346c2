"""观察 (OB-1): subdistrict → community → estate, each level with figures; a community's own work."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from shequtong.cases.models import Case
from shequtong.common import clock

from .conftest import World

pytestmark = pytest.mark.django_db


def html_of(client, user, name, *args):  # type: ignore[no-untyped-def]
    client.force_login(user)
    response = client.get(reverse(name, args=args))
    assert response.status_code == 200
    return response.content.decode()


def test_levels_link_down_to_estates(client, world: World, tree):  # type: ignore[no-untyped-def]
    html = html_of(client, world.district, "web:observe")
    assert reverse("web:observe_subdistrict", args=[tree.sub_a.pk]) in html
    html = html_of(client, world.district, "web:observe_subdistrict", tree.sub_a.pk)
    assert reverse("web:observe_community", args=[tree.comm_a1.pk]) in html
    html = html_of(client, world.district, "web:observe_community", tree.comm_a1.pk)
    for estate in tree.comm_a1.estates.all():
        assert estate.name in html
    assert 'data-testid="community-panel"' in html
    assert reverse("boards:community", args=[tree.comm_a1.pk]) in html  # OB-8, read-only boards


def test_community_panel_counts_open_and_overdue_cases_and_letters_this_month(client, world: World, tree):  # type: ignore[no-untyped-def]
    from shequtong.observe import figures

    panel = figures.community_panel(world.district, tree.comm_a1)["values"]
    open_cases = Case.objects.filter(community=tree.comm_a1, status__in=("new", "accepted", "in_progress", "escalated"))
    assert panel["open"] == open_cases.count()
    from shequtong.cases import overdue

    assert panel["overdue"] == open_cases.filter(overdue.any_q(clock.now())).count()
    from shequtong.letters.models import Letter

    month = clock.day_start(clock.today().replace(day=1))
    assert panel["letters_month"] == Letter.objects.filter(community=tree.comm_a1, created_at__gte=month).count()


def test_rows_most_overdue_first_and_zeros_folded(client, world: World, tree):  # type: ignore[no-untyped-def]
    now = clock.now()
    for _ in range(2):
        Case.objects.create(community=tree.comm_b1, subdistrict_id=tree.comm_b1.subdistrict_id, source="mention",
                            category="community", title="路灯", content="路灯坏了", status="new",
                            created_at=now - dt.timedelta(days=50), updated_at=now)
    html = html_of(client, world.district, "web:observe")
    assert html.index(tree.sub_b.name) < html.index(tree.sub_a.name)
    html = html_of(client, world.district, "web:observe_subdistrict", tree.sub_b.pk)
    assert 'data-testid="folded"' not in html or tree.comm_b1.name not in html.split('data-testid="folded"')[1]


def test_outside_the_scope_is_not_found(client, world: World, tree):  # type: ignore[no-untyped-def]
    client.force_login(world.sub_a)
    assert client.get(reverse("web:observe_subdistrict", args=[tree.sub_b.pk])).status_code == 404
    assert client.get(reverse("web:observe_community", args=[tree.comm_b1.pk])).status_code == 404
    html = client.get(reverse("web:observe")).content.decode()
    assert tree.sub_b.name not in html


def test_the_community_panel_is_its_row_in_the_subdistricts_overview(world: World, tree):  # type: ignore[no-untyped-def]
    """The panel is counted for the community alone; every figure of the subdistrict's rows is grouped per
    community, so it equals the community's row there, for a district and for a subdistrict observer."""
    from shequtong.accounts import scope
    from shequtong.observe import figures

    for observer in (world.district, world.sub_a, world.sysadmin):
        for community in (tree.comm_a1, tree.comm_a2):
            parent = figures.overview(figures.Place(scope.scope_for(observer, "observe"), subdistrict=tree.sub_a))
            row = next(r for r in parent.rows if r.key == community.pk)
            panel = figures.community_panel(observer, community)
            assert panel["values"] == row.values
            assert [c.key for c in panel["columns"]] == [c.key for c in parent.columns]
