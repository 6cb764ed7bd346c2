"""Entry tiles that apps contribute to the shell (home grid, 管理, 观察, 我的).

An app registers its entries in its AppConfig.ready(), so adding a feature
never means editing another app's template:

    registry.register(registry.Tile(
        section="manage", label="问题提醒", url_name="cases:list",
        capability="committee", icon="warn", count=lambda user: ...))

`count` (optional) returns a badge number for the user; it must be cheap
(read a rollup or an indexed count).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from . import reversing
from .access import has_capability

SECTIONS = ("resident_home", "committee_home", "manage", "observer_home", "observe", "data", "me", "admin")


@dataclass(frozen=True)
class Tile:
    section: str
    label: str
    url_name: str
    capability: str | None = None
    icon: str = "dot"
    order: int = 100
    count: Callable[[Any], int] | None = None
    url_kwargs: dict[str, Any] = field(default_factory=dict)
    # Only show in urban (居委) or rural (村委) communities; None = both.
    community_kind: str | None = None
    # Shown only when this says so for the user (e.g. 我的报名 only to villagers).
    shown: Callable[[Any], bool] | None = None
    # A query string the tile opens with: a badge counts what the page then lists (问题提醒 → ?status=overdue).
    query: str = ""


_TILES: list[Tile] = []


def register(tile: Tile) -> None:
    if tile.section not in SECTIONS:
        raise ValueError(f"unknown section {tile.section}")
    if any(t.section == tile.section and t.url_name == tile.url_name and t.label == tile.label for t in _TILES):
        return
    _TILES.append(tile)


def tiles_for(section: str, user: Any, *, community_kind: str | None = None) -> list[dict[str, Any]]:
    """``user`` is an accounts.User; common sits below accounts and names no type of it."""
    out = []
    for tile in sorted((t for t in _TILES if t.section == section), key=lambda t: (t.order, t.label)):
        if tile.capability and not has_capability(user, tile.capability):
            continue
        if tile.community_kind and community_kind and tile.community_kind != community_kind:
            continue
        if tile.shown is not None and not tile.shown(user):
            continue
        out.append({
            "label": tile.label,
            "url": reversing.reverse(tile.url_name, kwargs=tile.url_kwargs or None) + (f"?{tile.query}" if tile.query else ""),
            "icon": tile.icon,
            "count": tile.count(user) if tile.count else None,
        })
    return out
