"""Maintaining the per-community rollups."""

from __future__ import annotations

from django.db.models import F

from .models import Community, CommunityStats

COUNTERS = ("residents", "party_members")


def bump(community: Community, counter: str, delta: int = 1) -> None:
    """Add `delta` to a counter; call inside the transaction of the change it counts."""
    if counter not in COUNTERS:
        raise ValueError(counter)
    updated = CommunityStats.objects.filter(pk=community.pk).update(**{counter: F(counter) + delta})
    if not updated:
        CommunityStats.objects.create(community=community, subdistrict_id=community.subdistrict_id, **{counter: max(0, delta)})
