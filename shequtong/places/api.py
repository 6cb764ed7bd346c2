"""/api/v1/places: the jurisdiction tree (names of places are public)."""

from __future__ import annotations

from django.http import HttpRequest
from ninja import Router

from shequtong.common import access
from shequtong.common.inputs import Id

from . import selectors
from .schemas import PlaceOut

router = Router(tags=["places"])


@router.get("/subdistricts", response=list[PlaceOut], auth=None)
@access.public
def subdistricts(request: HttpRequest) -> list[PlaceOut]:
    return [PlaceOut(id=s.pk, name=s.name, kind=s.kind) for s in selectors.subdistricts()]


@router.get("/subdistricts/{subdistrict_id}/communities", response=list[PlaceOut], auth=None)
@access.public
def communities(request: HttpRequest, subdistrict_id: Id) -> list[PlaceOut]:
    return [PlaceOut(id=c.pk, name=c.name, kind=c.kind) for c in selectors.communities_of(subdistrict_id)]


@router.get("/communities/{community_id}/estates", response=list[PlaceOut], auth=None)
@access.public
def estates(request: HttpRequest, community_id: Id) -> list[PlaceOut]:
    return [PlaceOut(id=e.pk, name=e.name) for e in selectors.estates_of(community_id)]
