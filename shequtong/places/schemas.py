"""API output shapes for places."""

from __future__ import annotations

from ninja import Schema


class PlaceOut(Schema):
    id: int
    name: str
    kind: str | None = None
