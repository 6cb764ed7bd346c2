"""Reads of the jurisdiction tree."""

from __future__ import annotations

import time

from django.db.models import QuerySet

from .models import Community, Estate, Subdistrict


def subdistricts() -> QuerySet[Subdistrict]:
    return Subdistrict.objects.all()


def communities_of(subdistrict_id: int) -> QuerySet[Community]:
    return Community.objects.filter(subdistrict_id=subdistrict_id).order_by("id")


def estates_of(community_id: int) -> QuerySet[Estate]:
    return Estate.objects.filter(community_id=community_id).order_by("id")


# A community's subdistrict, asked on every post, reply and like (points, 宝山圈's wake-up): kept per
# process. A community changes subdistrict only by re-zoning, an administrator's rare act; a save in
# this process forgets the entry at once (places.apps), other processes within SUBDISTRICT_TTL seconds.
SUBDISTRICT_TTL = 600.0
_subdistricts: dict[int, tuple[float, int | None]] = {}


def subdistrict_of(community_id: int | None) -> int | None:
    """The subdistrict of a community (None for no or an unknown community), without a query when known."""
    if not community_id:
        return None
    now = time.monotonic()
    hit = _subdistricts.get(community_id)
    if hit is not None and now - hit[0] < SUBDISTRICT_TTL:
        return hit[1]
    sub_id = Community.objects.filter(pk=community_id).values_list("subdistrict_id", flat=True).first()
    if sub_id is not None:
        _subdistricts[community_id] = (now, sub_id)
    return sub_id


def forget_subdistrict(community_id: int | None = None) -> None:
    """Drop one community's kept subdistrict (or all of them)."""
    if community_id is None:
        _subdistricts.clear()
    else:
        _subdistricts.pop(community_id, None)
