"""The cases our Open311 server publishes: every case with a problem category (public, read-only)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import QuerySet


def public_cases(*, start: dt.datetime | None = None, end: dt.datetime | None = None, status: str = "",
                 service_codes: list[str] | None = None) -> QuerySet[Any]:
    from shequtong.cases.models import OPEN_STATUSES, Case

    # A case from an @ mention has no category until the committee sets one: it is not
    # a service request of any type yet.
    qs = Case.objects.exclude(category="").select_related("community__subdistrict").order_by("-created_at", "-id")
    if start is not None:
        qs = qs.filter(created_at__gte=start)
    if end is not None:
        qs = qs.filter(created_at__lte=end)
    if status == "open":
        qs = qs.filter(status__in=OPEN_STATUSES)
    elif status == "closed":
        qs = qs.exclude(status__in=OPEN_STATUSES)
    if service_codes:
        qs = qs.filter(category__in=service_codes)
    return qs


def public_case(request_id: str) -> Any:
    from shequtong.cases.models import Case

    if not request_id.isdigit():
        return None
    return Case.objects.exclude(category="").select_related("community__subdistrict").filter(pk=int(request_id)).first()
