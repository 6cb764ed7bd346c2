from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from shequtong.accounts.models import User
from shequtong.accounts.roles import Role
from shequtong.common import hooks

from ..factories import Tree, grant, make_with_role, resident_of


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):  # type: ignore[no-untyped-def]
    settings.MEDIA_ROOT = tmp_path / "media"
    # The people fixture creates sixteen accounts; Argon2 would dominate the run time.
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
def people(tree: Tree) -> People:
    party = resident_of(tree.comm_a1)
    grant(party, Role.PARTY_MEMBER, tree.comm_a1)
    return People(
        resident=make_with_role(Role.RESIDENT, tree.comm_a1, real_name="张晓明"),
        neighbour=make_with_role(Role.RESIDENT, tree.comm_a1, real_name="李秀英"),
        party=party,
        staff=make_with_role(Role.COMMITTEE_STAFF, tree.comm_a1, real_name="王丽华"),
        secretary=make_with_role(Role.COMMITTEE_SECRETARY, tree.comm_a1),
        police=make_with_role(Role.POLICE, tree.comm_a1),
        doctor=make_with_role(Role.DOCTOR, tree.comm_a1),
        property=make_with_role(Role.PROPERTY_MANAGER, tree.comm_a1),
        owners=make_with_role(Role.OWNERS_COMMITTEE, tree.comm_a1),
        villager=resident_of(tree.comm_a2),
        village_staff=make_with_role(Role.COMMITTEE_STAFF, tree.comm_a2),
        outsider=resident_of(tree.comm_b1),
        outsider_staff=make_with_role(Role.COMMITTEE_STAFF, tree.comm_b1),
        sub_observer=make_with_role(Role.SUBDISTRICT_OBSERVER, tree.sub_a),
        sub_b_observer=make_with_role(Role.SUBDISTRICT_OBSERVER, tree.sub_b),
        district=make_with_role(Role.DISTRICT_OBSERVER, None),
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
