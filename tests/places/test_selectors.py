"""A community's subdistrict kept per process: asked once, forgotten when the community is saved."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from shequtong.places import selectors
from shequtong.places.models import Community

pytestmark = pytest.mark.django_db


def test_the_subdistrict_is_asked_once_and_forgotten_on_a_save(tree):  # type: ignore[no-untyped-def]
    with CaptureQueriesContext(connection) as first:
        assert selectors.subdistrict_of(tree.comm_a1.pk) == tree.sub_a.pk
    with CaptureQueriesContext(connection) as again:
        assert selectors.subdistrict_of(tree.comm_a1.pk) == tree.sub_a.pk
    assert len(first) == 1 and len(again) == 0
    # Re-zoning (an administrator's edit) is seen at once in this process.
    community = Community.objects.get(pk=tree.comm_a1.pk)
    community.subdistrict = tree.sub_b
    community.save()
    assert selectors.subdistrict_of(tree.comm_a1.pk) == tree.sub_b.pk


def test_no_or_an_unknown_community_has_no_subdistrict(tree):  # type: ignore[no-untyped-def]
    assert selectors.subdistrict_of(None) is None
    assert selectors.subdistrict_of(10**9) is None
