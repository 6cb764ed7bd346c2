"""The one clock: overdue rules and timestamps read time here, so tests can freeze it."""

from __future__ import annotations

import datetime as dt
from typing import Any, TypeVar

from django.db.models import QuerySet
from django.utils import timezone

Q_ = TypeVar("Q_", bound=QuerySet[Any])


def now() -> dt.datetime:
    return timezone.now()


def today() -> dt.date:
    return timezone.localdate(now())


def file_stamp() -> str:
    """The date and time in an export's file name: local time (Asia/Shanghai), as people read it."""
    return timezone.localtime(now()).strftime("%Y%m%d-%H%M")


def day_start(day: dt.date) -> dt.datetime:
    """Local midnight at the start of `day`."""
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def within_days(qs: Q_, date_from: dt.date | None, date_to: dt.date | None, field: str = "created_at") -> Q_:
    """Rows whose `field` falls on the days from `date_from` to `date_to`, both included (either may be open)."""
    if date_from:
        qs = qs.filter(**{f"{field}__gte": day_start(date_from)})
    if date_to:
        qs = qs.filter(**{f"{field}__lt": day_start(date_to + dt.timedelta(days=1))})
    return qs
