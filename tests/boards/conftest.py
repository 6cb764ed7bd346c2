from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from shequtong.accounts.models import User
from shequtong.accounts.roles import Role
from shequtong.common import hooks

from ..factories import Cast, Tree, make_with_role


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):  # type: ignore[no-untyped-def]
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _own_subscribers_only():  # type: ignore[no-untyped-def]
    """These tests check what boards publish; other apps' subscribers (case tracking) test their own side."""
    saved = {h: h._subscribers for h in (hooks.mention_recorded, hooks.post_tagged)}
    for h in saved:
        h._subscribers = []
    yield
    for h, subs in saved.items():
        h._subscribers = subs


@dataclass
class People:
    resident: User       # comm_a1 (urban)
    neighbour: User      # comm_a1
    party: User          # comm_a1 resident + party member
    staff: User          # comm_a1 committee staff
    secretary: User      # comm_a1 committee secretary
    police: User         # comm_a1
    doctor: User         # comm_a1
    property: User       # comm_a1 property manager
    owners: User         # comm_a1 owners' committee
    villager: User       # comm_a2 (rural)
    village_staff: User  # comm_a2
    outsider: User       # comm_b1 resident (other subdistrict)
    outsider_staff: User  # comm_b1 committee staff
    sub_observer: User   # sub_a
    sub_b_observer: User  # sub_b
    district: User       # district observer (district_announce)


@pytest.fixture
def people(tree: Tree, cast: Cast) -> People:
    """The one test cast (tests/factories.py Cast) under these tests' names, and two more."""
    return People(
        resident=cast.resident_a,
        neighbour=make_with_role(Role.RESIDENT, tree.comm_a1, real_name="李秀英"),
        party=cast.party_member_a,
        staff=cast.staff_a,
        secretary=cast.secretary_a,
        police=cast.police_a,
        doctor=cast.doctor_a,
        property=cast.property_a,
        owners=cast.owners_a,
        villager=cast.villager,
        village_staff=make_with_role(Role.COMMITTEE_STAFF, tree.comm_a2),
        outsider=cast.resident_b,
        outsider_staff=cast.staff_b,
        sub_observer=cast.subdistrict_observer,
        sub_b_observer=cast.subdistrict_observer_other,
        district=cast.district,
    )


@pytest.fixture
def mentions() -> Any:
    """Subscribe to mention_recorded for the test and collect the events."""
    events: list[hooks.MentionEvent] = []
    hooks.mention_recorded.subscribe(events.append)
    yield events
    hooks.mention_recorded.unsubscribe(events.append)


@pytest.fixture
def tags() -> Any:
    events: list[hooks.PostTaggedEvent] = []
    hooks.post_tagged.subscribe(events.append)
    yield events
    hooks.post_tagged.unsubscribe(events.append)
