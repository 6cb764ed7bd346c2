"""Letters record the writer's estate (or village group), and observers drill letters down to it (LB-5)."""

from __future__ import annotations

import importlib

import pytest
from django.apps import apps as django_apps
from django.urls import reverse

from shequtong.accounts.models import Membership
from shequtong.accounts.roles import Role
from shequtong.common import clock
from shequtong.letters import selectors
from shequtong.letters.models import Letter

from ..cases import helpers
from ..factories import make_with_role, resident_of_estate

pytestmark = pytest.mark.django_db


@pytest.fixture
def estates(tree):
    e1, e2 = tree.comm_a1.estates.order_by("id")[:2]
    return e1, e2


def test_a_letter_records_the_writers_estate(tree, cast, estates):
    e1, e2 = estates
    w1, w2 = resident_of_estate(e1, real_name="甲居民"), resident_of_estate(e2, real_name="乙居民")
    assert helpers.letter(w1, tree.comm_a1).estate_id == e1.pk
    assert helpers.letter(w2, tree.comm_a1).estate_id == e2.pk
    assert helpers.letter(cast.staff_a, tree.comm_a1, by_committee=True).estate_id is None


def test_observers_drill_down_to_the_estate_within_scope(client, tree, cast, estates):
    e1, e2 = estates
    w1, w2 = resident_of_estate(e1, real_name="甲居民"), resident_of_estate(e2, real_name="乙居民")
    helpers.letter(w1, tree.comm_a1)
    helpers.letter(w1, tree.comm_a1, category="safety")
    helpers.letter(w2, tree.comm_a1)
    helpers.letter(cast.staff_a, tree.comm_a1, by_committee=True)
    rows, total = selectors.estate_rows(cast.subdistrict_observer, tree.comm_a1)
    by_id = {r["estate_id"]: r["letters"] for r in rows}
    assert total == 4 and by_id[e1.pk] == 2 and by_id[e2.pk] == 1 and by_id[selectors.NO_ESTATE] == 1
    assert rows[0]["estate_id"] == e1.pk and round(rows[0]["share"]) == 50
    # Someone outside the scope counts nothing.
    assert selectors.estate_rows(cast.subdistrict_observer_other, tree.comm_a1) == (
        [{"estate": e, "estate_id": e.pk, "label": e.name, "letters": 0, "share": 0.0}
         for e in tree.comm_a1.estates.order_by("id")], 0)
    assert {x.estate_id for x in selectors.observed_letters(cast.subdistrict_observer, community=tree.comm_a1,
                                                            estate_id=e1.pk)} == {e1.pk}
    assert {x.estate_id for x in selectors.observed_letters(cast.subdistrict_observer, community=tree.comm_a1,
                                                            estate_id=selectors.NO_ESTATE)} == {None}

    client.force_login(cast.subdistrict_observer)
    url = reverse("letters:observe_community", args=[tree.comm_a1.pk])
    page = client.get(url).content.decode()
    assert "按小区" in page and e1.name in page
    page = client.get(url, {"estate": e2.pk}).content.decode()
    assert page.count('data-testid="letter-item"') == 1
    client.force_login(cast.subdistrict_observer_other)
    assert client.get(url).status_code == 404


def test_the_migration_backfills_from_the_writers_membership(tree, estates):
    e1, _ = estates
    writer = make_with_role(Role.RESIDENT, tree.comm_a1, real_name="老住户")
    Membership.objects.create(user=writer, community=tree.comm_a1, estate=e1, status=Membership.Status.APPROVED,
                              requested_at=clock.now())
    letter = helpers.letter(writer, tree.comm_a1)
    assert letter.estate_id == e1.pk  # from the membership when the grant names no estate
    Letter.objects.filter(pk=letter.pk).update(estate=None)
    migration = importlib.import_module("shequtong.letters.migrations.0004_letter_estate")
    migration.backfill_estates(django_apps, None)
    letter.refresh_from_db()
    assert letter.estate_id == e1.pk
