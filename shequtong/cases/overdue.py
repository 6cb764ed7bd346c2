"""The four overdue conditions (逾期, CT-3/CT-6), defined once for lists, markers and reminders.

- 24小时未回应: nobody from the committee has responded 24 hours after the case was recorded;
- 1-3个月未解决, 3-6个月未解决, 超过6个月未解决: not yet resolved, by age.

A month is 30 days here: the rule has to be the same on every page and in
every reminder, and calendar months would make "1-3 months" differ by a
few days depending on when a case was raised.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from shequtong.common import clock

RESPONSE_LIMIT = dt.timedelta(hours=24)
MONTH = dt.timedelta(days=30)
OPEN = _OPEN = ("new", "accepted", "in_progress", "escalated")


class Overdue(models.TextChoices):
    NO_RESPONSE_24H = "no_response_24h", _("24小时未回应")
    UNRESOLVED_1_3M = "unresolved_1_3m", _("1-3个月未解决")
    UNRESOLVED_3_6M = "unresolved_3_6m", _("3-6个月未解决")
    UNRESOLVED_6M = "unresolved_6m", _("超过6个月未解决")


# Age windows (inclusive lower bound, exclusive upper bound) of the unresolved buckets.
_AGE_WINDOWS: dict[str, tuple[dt.timedelta, dt.timedelta | None]] = {
    Overdue.UNRESOLVED_1_3M: (1 * MONTH, 3 * MONTH),
    Overdue.UNRESOLVED_3_6M: (3 * MONTH, 6 * MONTH),
    Overdue.UNRESOLVED_6M: (6 * MONTH, None),
}


# Every age a bucket is bounded by: a bucket's filter compares created_at with ``now`` minus these.
AGES: tuple[dt.timedelta, ...] = (RESPONSE_LIMIT, 1 * MONTH, 3 * MONTH, 6 * MONTH)


def cutoffs(now: dt.datetime | None = None) -> list[dt.datetime]:
    """``now`` minus each of ``AGES``: the instants the buckets' filters compare with (a prepared query's values)."""
    now = now or clock.now()
    return [now - age for age in AGES]


def q(bucket: str, now: dt.datetime | None = None, prefix: str = "", *,
      at: Sequence[dt.datetime] | None = None) -> Q:
    """A filter for cases in `bucket` at `now` (prefix for a related lookup, e.g. "case__").

    ``at``: ``cutoffs(now)`` computed by the caller, for a builder that must not read the clock.
    """
    before = dict(zip(AGES, at if at is not None else cutoffs(now), strict=True))
    open_q = Q(**{f"{prefix}status__in": _OPEN})
    if bucket == Overdue.NO_RESPONSE_24H:
        return open_q & Q(**{f"{prefix}first_response_at__isnull": True, f"{prefix}created_at__lte": before[RESPONSE_LIMIT]})
    low, high = _AGE_WINDOWS[bucket]
    cond = open_q & Q(**{f"{prefix}created_at__lte": before[low]})
    if high is not None:
        cond &= Q(**{f"{prefix}created_at__gt": before[high]})
    return cond


def any_q(now: dt.datetime | None = None) -> Q:
    """Cases in at least one overdue bucket.

    The three unresolved buckets together are "open and older than a month", so this is the
    24-hour bucket or that: the same cases as the union of the four filters, in a form that
    PostgreSQL answers from the open-case index (case_open) alone.
    """
    now = now or clock.now()
    return Q(status__in=_OPEN) & (
        Q(first_response_at__isnull=True, created_at__lte=now - RESPONSE_LIMIT) | Q(created_at__lte=now - MONTH))


def buckets_of(case: Any, now: dt.datetime | None = None) -> list[str]:
    """The buckets a case is in now (the markers shown in every list), without a query."""
    if case.status not in _OPEN:
        return []
    now = now or clock.now()
    age = now - case.created_at
    out = []
    if case.first_response_at is None and age >= RESPONSE_LIMIT:
        out.append(Overdue.NO_RESPONSE_24H.value)
    for bucket, (low, high) in _AGE_WINDOWS.items():
        if age >= low and (high is None or age < high):
            out.append(str(bucket))
    return out
