"""Cascading pickers for the tree (public data: the names of places)."""

from __future__ import annotations

from django.http import HttpRequest, JsonResponse

from shequtong.common import access

from . import selectors


def _int(value: str | None) -> int | None:
    return int(value) if value and value.isdigit() else None


@access.public
def communities(request: HttpRequest) -> JsonResponse:
    sub = _int(request.GET.get("subdistrict"))
    items = list(selectors.communities_of(sub).values("id", "name")) if sub else []
    return JsonResponse(items, safe=False)


@access.public
def estates(request: HttpRequest) -> JsonResponse:
    comm = _int(request.GET.get("community"))
    items = list(selectors.estates_of(comm).values("id", "name")) if comm else []
    return JsonResponse(items, safe=False)
