"""The cases our Open311 server publishes (public, read-only): a conservative, configured set.

Published: cases with a problem category whose source is in
settings.OPEN311_PUBLISHED_SOURCES (by default letters, 身边事 tags, visits
and patrol cases), except cases recorded from a group-chat message, whatever
their source: a 小区群 is a private conversation among neighbours. Cases
from an @居委 press ("mention") are left out by default for the same reason:
they quote a reply written for the community, not for the internet. Who
raised a case is never published (georeport.request_of).
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db.models import QuerySet

from shequtong.cases.models import OPEN_STATUSES, Case, Source
from shequtong.cases.services import mention_origin


def published_sources() -> list[str]:
    return [s for s in getattr(settings, "OPEN311_PUBLISHED_SOURCES", ()) if s in Source.values]


def private_origin_types() -> list[str]:
    """Origins whose text was a private conversation: never published."""
    return [mention_origin("group_message")]


def _published() -> QuerySet[Case]:
    # A case from an @ mention has no category until the committee sets one: it is not
    # a service request of any type yet.
    return (
        Case.objects.exclude(category="")
        .filter(source__in=published_sources())
        .exclude(origin_type__in=private_origin_types())
        .select_related("community__subdistrict")
    )


def public_cases(*, start: dt.datetime | None = None, end: dt.datetime | None = None, status: str = "",
                 service_codes: list[str] | None = None) -> QuerySet[Case]:
    qs = _published().order_by("-created_at", "-id")
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


def public_case(request_id: str) -> Case | None:
    if not request_id.isdigit():
        return None
    return _published().filter(pk=int(request_id)).first()
