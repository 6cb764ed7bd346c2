"""Periodic jobs run by the worker (overdue scan, grid polling, …).

Apps register a job in AppConfig.ready(); how often it runs comes from
settings.WORKER_SCHEDULE (seconds), so operators tune it without code. The
next run time is kept in the database: several worker processes never run
the same job twice for one slot.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import F

from shequtong.common import clock

from .models import ScheduledJob

logger = logging.getLogger("shequtong.scheduler")

_JOBS: dict[str, Callable[[], object]] = {}


def register(name: str, fn: Callable[[], object]) -> None:
    _JOBS[name] = fn


def jobs() -> dict[str, Callable[[], object]]:
    return dict(_JOBS)


def interval(name: str) -> timedelta:
    return timedelta(seconds=settings.WORKER_SCHEDULE.get(name, settings.WORKER_DEFAULT_INTERVAL_SECONDS))


def _take_slot(name: str) -> bool:
    """Reserve the current slot of a job if it is due (moves next_run_at forward)."""
    now = clock.now()
    with transaction.atomic():
        job, created = ScheduledJob.objects.get_or_create(name=name, defaults={"next_run_at": now})
        if not created:
            job = ScheduledJob.objects.select_for_update().get(pk=job.pk)
        if job.next_run_at > now:
            return False
        job.next_run_at = now + interval(name)
        job.save(update_fields=["next_run_at"])
    return True


def run_due() -> list[str]:
    """Run every job whose time has come; return the names run."""
    ran = []
    for name, fn in sorted(_JOBS.items()):
        if not _take_slot(name):
            continue
        error = ""
        try:
            fn()
        except Exception as exc:  # one failing job must not stop the others
            logger.exception("scheduled job %s failed", name)
            error = f"{exc.__class__.__name__}: {exc}"
        ScheduledJob.objects.filter(name=name).update(
            last_run_at=clock.now(), last_error=error[:2000], runs=F("runs") + 1,
            failures=F("failures") + (1 if error else 0))
        ran.append(name)
    return ran
