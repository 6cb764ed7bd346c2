"""Reads of 关注/收藏: one person's lists (what they may still view only), and counts per target.

``follower_counts`` and ``most_followed`` are for the 城运中心 feed
("关注度最高十大问题") and any list that shows how many follow a thing: both
are answered from the ``follow_target`` index (target_type, target_id).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db.models import Count, QuerySet

from shequtong.accounts.models import User
from shequtong.common import prepared
from shequtong.inbox.models import Message

from . import kinds
from .kinds import Entry
from .models import Favourite, Follow


def is_following(user: Any, target_type: str, target_id: int) -> bool:
    if not getattr(user, "is_authenticated", False):
        return False
    return Follow.objects.filter(user=user, target_type=target_type, target_id=target_id).exists()


def is_favourite(user: Any, target_type: str, target_id: int) -> bool:
    if not getattr(user, "is_authenticated", False):
        return False
    return bool(_favourite(user.pk, target_type, int(target_id)))


@prepared.query
def _favourite(user_id: int, target_type: str, target_id: int) -> QuerySet[Any, Any]:
    return Favourite.objects.filter(user_id=user_id, target_type=target_type, target_id=target_id).values_list(
        "pk", flat=True)[:1]


def follower_counts(target_type: str, ids: Iterable[int] | QuerySet[Any]) -> dict[int, int]:
    """How many follow each of ``ids`` (a list, or a values_list queryset of ids: one query); absent ids have none."""
    if not isinstance(ids, QuerySet):
        ids = sorted(set(ids))
        if not ids:
            return {}
    rows = (Follow.objects.filter(target_type=target_type, target_id__in=ids).values("target_id")
            .annotate(n=Count("id")).values_list("target_id", "n"))
    return dict(rows)


def most_followed(target_type: str, ids: Iterable[int] | QuerySet[Any], n: int = 10) -> list[tuple[int, int]]:
    """The ``n`` targets among ``ids`` with most followers, as (id, followers), most first (ties: lower id first).

    ``ids`` may be a queryset of ids (``Case.objects.filter(status__in=OPEN, ...).values("pk")``): the database
    joins it to the follows, so only followed targets are ever counted.
    """
    if not isinstance(ids, QuerySet):
        ids = sorted(set(ids))
        if not ids:
            return []
    rows = (Follow.objects.filter(target_type=target_type, target_id__in=ids).values("target_id")
            .annotate(n=Count("id")).order_by("-n", "target_id").values_list("target_id", "n")[:n])
    return list(rows)


def followed_ids(user: Any, target_type: str) -> list[int]:
    """The ids of one type the person follows (宝山圈's 我关注的 filters its items by them)."""
    if not getattr(user, "is_authenticated", False):
        return []
    return list(Follow.objects.filter(user=user, target_type=target_type).values_list("target_id", flat=True))


def _visible(user: User, rows: list[Any], registry: dict[str, kinds.Kind]) -> list[tuple[Any, Any, kinds.Kind]]:
    """The rows whose target the person may still view, with the target: one query per kind, none per row."""
    ids: dict[str, list[int]] = {}
    for r in rows:
        ids.setdefault(r.target_type, []).append(r.target_id)
    objects = {t: registry[t].load(v) for t, v in ids.items() if t in registry}
    cache: dict[Any, Any] = {}
    out = []
    for r in rows:
        kind = registry.get(r.target_type)
        obj = objects.get(r.target_type, {}).get(r.target_id) if kind else None
        if kind is not None and obj is not None and kind.can_view(user, obj, cache):
            out.append((r, obj, kind))
    return out


def _entry(user: User, row: Any, obj: Any, kind: kinds.Kind, new_steps: int = 0) -> Entry:
    title, status, place, url = kind.describe(user, obj)
    return Entry(target_type=row.target_type, target_id=row.target_id, kind_label=str(kind.label), title=title,
                 status=status, place=place, url=url, at=row.created_at,
                 last_step_at=getattr(row, "last_step_at", None), new_steps=new_steps)


def following(user: User) -> list[Entry]:
    """我的关注: what the person follows and may still view; items with unread steps first, then the latest
    step, then newest followed. ``new_steps`` counts their unread 信箱 notices about the item."""
    rows = list(Follow.objects.filter(user=user).order_by("-created_at", "-id"))
    seen = _visible(user, rows, kinds.FOLLOWABLE)
    described = [(r, o, k, k.describe(user, o)[3]) for r, o, k in seen]
    unread = dict(Message.objects.filter(recipient=user, read_at__isnull=True, kind=Message.Kind.SYSTEM,
                                         link__in=sorted({u for *_x, u in described}))
                  .values("link").annotate(n=Count("id")).values_list("link", "n")) if described else {}
    entries = [_entry(user, r, o, k, unread.get(url, 0)) for r, o, k, url in described]
    entries.sort(key=lambda e: (e.new_steps > 0, max(e.last_step_at or e.at, e.at), e.at), reverse=True)
    return entries


def favourites(user: User) -> list[Entry]:
    """我的收藏: what the person favourited and may still view, newest first."""
    rows = list(Favourite.objects.filter(user=user).order_by("-created_at", "-id"))
    return [_entry(user, r, o, k) for r, o, k in _visible(user, rows, kinds.FAVOURITABLE)]
