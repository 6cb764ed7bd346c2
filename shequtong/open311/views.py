"""Our Open311 GeoReport v2 server (public, read-only) and the grid's signed result callback."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.urls import reverse
from django.utils.dateparse import parse_datetime
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from shequtong.common import access, clock
from shequtong.common.errors import DomainError

from . import georeport, selectors, services

DEFAULT_DAYS = 90
MAX_REQUESTS = 1000


def _respond(fmt: str, data: Any, *, root: str = "", item: str = "", status: int = 200) -> HttpResponse:
    if fmt == "xml":
        body = georeport.to_xml(root, item, data) if isinstance(data, list) else georeport.object_to_xml(root, data)
        response = HttpResponse(body, content_type="text/xml; charset=utf-8", status=status)
    else:
        response = JsonResponse(data, safe=False, status=status, json_dumps_params={"ensure_ascii": False})
    response["Access-Control-Allow-Origin"] = "*"
    return response


def _error(fmt: str, status: int, description: str) -> HttpResponse:
    return _respond(fmt, georeport.error(status, description), root="errors", item="error", status=status)


def _jurisdiction_ok(request: HttpRequest) -> bool:
    wanted = request.GET.get("jurisdiction_id", "")
    return not wanted or wanted == settings.OPEN311_JURISDICTION_ID


@access.public
@require_GET
def discovery(request: HttpRequest, fmt: str) -> HttpResponse:
    base = request.build_absolute_uri(reverse("open311:services", kwargs={"fmt": "json"})).rsplit("/", 1)[0]
    data = {
        "changeset": "2026-01-01T00:00:00+08:00",
        "contact": settings.OPEN311_CONTACT,
        "key_service": "",
        "endpoints": [{
            "specification": georeport.SPECIFICATION, "url": base, "changeset": "2026-01-01T00:00:00+08:00",
            "type": "production", "formats": ["application/json", "text/xml"],
        }],
    }
    return _respond(fmt, data, root="discovery")


@access.public
@require_GET
def service_list(request: HttpRequest, fmt: str) -> HttpResponse:
    if not _jurisdiction_ok(request):
        return _error(fmt, 404, "jurisdiction_id not found")
    return _respond(fmt, georeport.services(), root="services", item="service")


@access.public
@require_GET
def service_definition(request: HttpRequest, fmt: str, service_code: str) -> HttpResponse:
    """A service's definition; ours take no extra attributes, so ``attributes`` is empty (not a 404)."""
    if not _jurisdiction_ok(request):
        return _error(fmt, 404, "jurisdiction_id not found")
    data = georeport.service_definition(service_code)
    if data is None:
        return _error(fmt, 404, "service_code not found")
    return _respond(fmt, data, root="service_definition")


def _date(value: str) -> dt.datetime | None:
    if not value:
        return None
    parsed = parse_datetime(value.replace(" ", "+"))
    if parsed is None:
        raise ValueError(value)
    return parsed


@access.public
@require_GET
def request_list(request: HttpRequest, fmt: str) -> HttpResponse:
    if not _jurisdiction_ok(request):
        return _error(fmt, 404, "jurisdiction_id not found")
    ids = [i for i in request.GET.get("service_request_id", "").split(",") if i.strip()]
    if ids:
        if not all(i.strip().isdigit() for i in ids):
            return _error(fmt, 400, "service_request_id must be numeric")
        cases = selectors.public_cases().filter(pk__in=[int(i) for i in ids[:MAX_REQUESTS]])
    else:
        try:
            start = _date(request.GET.get("start_date", ""))
            end = _date(request.GET.get("end_date", ""))
        except ValueError:
            return _error(fmt, 400, "start_date/end_date must be W3C datetimes")
        if start is None:
            start = (end or clock.now()) - dt.timedelta(days=DEFAULT_DAYS)
        status = request.GET.get("status", "")
        if status and status not in ("open", "closed"):
            return _error(fmt, 400, "status must be open or closed")
        codes = [c for c in request.GET.get("service_code", "").split(",") if c]
        cases = selectors.public_cases(start=start, end=end, status=status, service_codes=codes)
    rows = [georeport.request_of(c) for c in cases[:MAX_REQUESTS]]
    return _respond(fmt, rows, root="service_requests", item="request")


@access.public
@require_GET
def request_detail(request: HttpRequest, fmt: str, request_id: str) -> HttpResponse:
    if not _jurisdiction_ok(request):
        return _error(fmt, 404, "jurisdiction_id not found")
    case = selectors.public_case(request_id)
    if case is None:
        return _error(fmt, 404, "service_request_id not found")
    return _respond(fmt, [georeport.request_of(case)], root="service_requests", item="request")


@access.public
@csrf_exempt  # the grid is not a browser: the Standard Webhooks signature authenticates it
@require_POST
def grid_callback(request: HttpRequest) -> HttpResponse:
    """The grid pushes a result here (signed); 2xx tells it to stop retrying."""
    headers = {k.lower(): v for k, v in request.headers.items()}
    # Not common.perform: the caller is a machine, answered in the webhook's own JSON
    # (Open311Error codes), with 401 for a bad signature so the grid stops retrying it.
    try:
        outcome = services.receive_callback(headers=headers, body=request.body)
    except DomainError as exc:
        status = {403: 401}.get(exc.status, exc.status)
        return JsonResponse({"code": exc.code, "message": exc.message}, status=status,
                            json_dumps_params={"ensure_ascii": False})
    return HttpResponse(json.dumps({"code": outcome}), content_type="application/json", status=200)
