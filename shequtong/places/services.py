"""Maintaining the per-community rollups."""

from __future__ import annotations

from shequtong.common import counters

from .models import Community, CommunityStats

COUNTERS = ("residents", "party_members")


def bump(community: Community, counter: str, delta: int = 1) -> None:
    """Add `delta` to a counter; call inside the transaction of the change it counts."""
    if counter not in COUNTERS:
        raise ValueError(counter)
    counters.increment(CommunityStats, keys={"community_id": community.pk}, deltas={counter: delta},
                       defaults={"subdistrict_id": community.subdistrict_id})
