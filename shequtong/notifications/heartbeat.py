"""The worker's heartbeat: each `manage.py worker` process refreshes its row while it runs.

The readiness endpoint (/readyz) and the metrics (shequtong_worker_heartbeat_age_seconds)
read it: without a fresh beat nothing leaves the platform (outbox) and no reminder is sent.
"""

from __future__ import annotations

import os
import socket
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import F

from shequtong.common import clock

from .models import WorkerHeartbeat


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"[:120]


class Heart:
    """Beats at most every WORKER_HEARTBEAT_SECONDS (one UPDATE), whatever the pass rate."""

    def __init__(self, name: str | None = None) -> None:
        self.name = name or worker_name()
        self.started_at = clock.now()
        self._last: datetime | None = None

    def beat(self, *, force: bool = False) -> bool:
        now = clock.now()
        if not force and self._last and (now - self._last).total_seconds() < settings.WORKER_HEARTBEAT_SECONDS:
            return False
        updated = WorkerHeartbeat.objects.filter(worker=self.name).update(beat_at=now, beats=F("beats") + 1)
        if not updated:
            WorkerHeartbeat.objects.update_or_create(
                worker=self.name, defaults={"started_at": self.started_at, "beat_at": now, "beats": 1})
            # Rows of workers gone for a day are forgotten (a restarted worker has a new pid).
            WorkerHeartbeat.objects.filter(beat_at__lt=now - timedelta(days=1)).delete()
        self._last = now
        return True

    def stop(self) -> None:
        WorkerHeartbeat.objects.filter(worker=self.name).delete()


def freshest() -> WorkerHeartbeat | None:
    return WorkerHeartbeat.objects.order_by("-beat_at").first()


def age_seconds(now: datetime | None = None) -> float | None:
    """Seconds since the most recent beat of any worker; None if no worker ever beat."""
    last = freshest()
    if last is None:
        return None
    return max(0.0, ((now or clock.now()) - last.beat_at).total_seconds())
