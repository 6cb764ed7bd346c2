"""What the wall shows beyond the feeds: the subdistrict tiles and, in a subdistrict's version, its communities."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db.models import Count

from shequtong.accounts import scope
from shequtong.accounts.models import User
from shequtong.cases import overdue
from shequtong.cases.models import OPEN_STATUSES, Case
from shequtong.common import clock
from shequtong.letters.models import Letter
from shequtong.places.models import Community, CommunityStats, Subdistrict


def wall_subdistrict(user: User, wanted: str = "") -> Subdistrict | None:
    """The district version (None) for a district-wide observer; otherwise one of the observer's subdistricts."""
    s = scope.scope_for(user, "observe")
    if s.everything:
        return None
    ids = sorted(s.subdistrict_ids)
    if not ids:
        ids = sorted(set(Community.objects.filter(pk__in=s.community_ids).values_list("subdistrict_id", flat=True)))
    if not ids:
        raise PermissionError("an observer without a place has no wall")  # the capability check prevents it
    chosen = int(wanted) if wanted.isdigit() and int(wanted) in ids else ids[0]
    return Subdistrict.objects.get(pk=chosen)


def _by(qs: Any, field: str) -> dict[int, int]:
    return {r[field]: r["n"] for r in qs.order_by().values(field).annotate(n=Count("*"))}


def subdistrict_tiles(sub: Subdistrict | None) -> list[dict[str, Any]]:
    """One tile a subdistrict for the schematic: open and overdue cases now, letters in 30 days."""
    key = f"cityops:tiles:{sub.pk if sub else 0}"
    hit = cache.get(key)
    if hit is not None:
        return hit  # type: ignore[no-any-return]
    subs = list(Subdistrict.objects.order_by("id"))
    open_ = _by(Case.objects.filter(status__in=OPEN_STATUSES), "subdistrict_id")
    late = _by(Case.objects.filter(overdue.any_q()), "subdistrict_id")
    letters = _by(Letter.objects.filter(created_at__gte=clock.now() - dt.timedelta(days=30)), "subdistrict_id")
    tiles = [{"id": s.pk, "name": s.name, "open": open_.get(s.pk, 0), "overdue": late.get(s.pk, 0),
              "letters": letters.get(s.pk, 0), "mine": sub is None or s.pk == sub.pk} for s in subs
             if sub is None or s.pk == sub.pk]
    cache.set(key, tiles, settings.CITYOPS_CACHE_SECONDS)
    return tiles


def community_rows(subdistrict_id: int) -> list[dict[str, Any]]:
    """A subdistrict's communities, the ones needing attention first (overdue, then open cases)."""
    comms = list(Community.objects.filter(subdistrict_id=subdistrict_id).order_by("id"))
    open_ = _by(Case.objects.filter(subdistrict_id=subdistrict_id, status__in=OPEN_STATUSES), "community_id")
    late = _by(Case.objects.filter(overdue.any_q(), subdistrict_id=subdistrict_id), "community_id")
    letters = _by(Letter.objects.filter(subdistrict_id=subdistrict_id,
                                        created_at__gte=clock.now() - dt.timedelta(days=30)), "community_id")
    residents = dict(CommunityStats.objects.filter(subdistrict_id=subdistrict_id).values_list("community_id", "residents"))
    rows = [{"id": c.pk, "name": c.name, "open": open_.get(c.pk, 0), "overdue": late.get(c.pk, 0),
             "letters": letters.get(c.pk, 0), "residents": residents.get(c.pk, 0)} for c in comms]
    return sorted(rows, key=lambda r: (-r["overdue"], -r["open"], r["id"]))
