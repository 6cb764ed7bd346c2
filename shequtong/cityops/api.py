"""/api/v1/cityops: the city operations centre's feeds (CO-1..CO-4), versioned, read-only.

Only a feed token opens them (``Authorization: Bearer sqf_…``, cityops/auth.py): a person's
session or API token gets 401, and a feed token gets 401 everywhere else in the API. A token
bound to a subdistrict reads that subdistrict only. Answers carry an ETag (304 on a match) and
``Cache-Control: private, max-age=CITYOPS_CACHE_SECONDS``; the server keeps each computed answer
that long too, so a wall of screens polling every few seconds costs one computation per period.
The contract of each answer is a JSON Schema in cityops/schemas/ (docs/cityops.md).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from ninja import Router

from shequtong.common import access, clock
from shequtong.common.errors import PermissionRefused, ValidationFailed

from . import feeds
from .auth import feed_auth
from .models import FeedSnapshot

router = Router(tags=["cityops"], auth=[feed_auth])
MAX_DAYS = 366


def feed_response(request: HttpRequest, body: bytes, etag: str) -> HttpResponse:
    if request.headers.get("If-None-Match") == etag:
        response = HttpResponse(status=304)
    else:
        response = HttpResponse(body, content_type="application/json; charset=utf-8")
    response["ETag"] = etag
    response["Cache-Control"] = f"private, max-age={settings.CITYOPS_CACHE_SECONDS}"
    return response


def computed(name: str, days: int, subdistrict_id: int | None) -> tuple[bytes, str]:
    """The feed's JSON and its ETag: from the cache, else the worker's snapshot while it is fresh, else computed.

    Whatever is found is kept in the cache for CITYOPS_CACHE_SECONDS, so the feed is computed (or
    its snapshot read) at most once per cache period.
    """
    key = f"cityops:{feeds.VERSION}:{name}:{days}:{subdistrict_id or 0}"
    hit = cache.get(key)
    if hit is not None:
        return hit
    fresh = clock.now() - dt.timedelta(seconds=settings.CITYOPS_SNAPSHOT_MAX_AGE_SECONDS)
    snapshot = (FeedSnapshot.objects.filter(feed=name, days=days, subdistrict_id=subdistrict_id or 0,
                                            computed_at__gte=fresh).values_list("body", "etag").first())
    answer = (snapshot[0].encode(), snapshot[1]) if snapshot else feeds.answer(name, days, subdistrict_id)
    cache.set(key, answer, settings.CITYOPS_CACHE_SECONDS)
    return answer


def _answer(request: HttpRequest, name: str, days: int, subdistrict: int | None) -> HttpResponse:
    if not 1 <= days <= MAX_DAYS:
        raise ValidationFailed(f"统计天数应在1到{MAX_DAYS}之间", field="days")
    bound = request.feed_token.subdistrict_id  # type: ignore[attr-defined]
    if bound and subdistrict not in (None, bound):
        raise PermissionRefused("该令牌只能读取本街镇的数据")
    body, etag = computed(name, days, bound or subdistrict)
    return feed_response(request, body, etag)


@router.get("/letters", response={200: dict[str, Any]}, summary="人民信箱（CO-1）")
@access.feed("cityops")
def letters(request: HttpRequest, days: int = 30, subdistrict: int | None = None) -> HttpResponse:
    return _answer(request, "letters", days, subdistrict)


@router.get("/cases", response={200: dict[str, Any]}, summary="问题跟踪（CO-2）")
@access.feed("cityops")
def cases(request: HttpRequest, days: int = 30, subdistrict: int | None = None) -> HttpResponse:
    return _answer(request, "cases", days, subdistrict)


@router.get("/overview", response={200: dict[str, Any]}, summary="治慧中心（CO-3）")
@access.feed("cityops")
def overview(request: HttpRequest, days: int = 30, subdistrict: int | None = None) -> HttpResponse:
    return _answer(request, "overview", days, subdistrict)


@router.get("/epidemic", response={200: dict[str, Any]}, summary="疫情防控（CO-4）")
@access.feed("cityops")
def epidemic(request: HttpRequest, days: int = 30, subdistrict: int | None = None) -> HttpResponse:
    return _answer(request, "epidemic", days, subdistrict)
