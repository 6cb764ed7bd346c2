"""The background worker: delivers the outbox and runs periodic jobs.

    manage.py worker            # run until stopped (SIGTERM/SIGINT finish the current pass)
    manage.py worker --once     # one pass: due outbox rows, then due jobs (cron, tests)
"""

from __future__ import annotations

import logging
import signal
import time
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import DatabaseError, close_old_connections, connections

from shequtong.notifications import heartbeat, outbox, scheduler

logger = logging.getLogger("shequtong.worker")


class Command(BaseCommand):
    help = "Deliver the outbox (grid escalations, reminders) and run scheduled jobs (overdue scan, grid polling)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--once", action="store_true", help="run one pass and exit")
        parser.add_argument("--sleep", type=float, default=None, help="seconds between passes when idle")

    def handle(self, *args: Any, **opts: Any) -> None:
        sleep = opts["sleep"] if opts["sleep"] is not None else settings.WORKER_IDLE_SECONDS
        stopping = False

        def stop(signum: int, frame: Any) -> None:
            nonlocal stopping
            stopping = True

        if not opts["once"]:
            signal.signal(signal.SIGTERM, stop)
            signal.signal(signal.SIGINT, stop)
            self.stdout.write(f"worker started; jobs: {', '.join(sorted(scheduler.jobs())) or '-'}")
        heart = heartbeat.Heart()
        while True:
            try:
                heart.beat()
                delivered = outbox.deliver_due()
                ran = scheduler.run_due()
            except DatabaseError as exc:
                # The database went away (restart, failover, a killed connection): drop the broken
                # connections and try again after the idle sleep. A row claimed when it happened keeps
                # its lease and is delivered again after it (the grid deduplicates on the key).
                if opts["once"]:
                    raise
                logger.warning("database unavailable (%s); retrying in %ss", exc, sleep)
                for conn in connections.all(initialized_only=True):
                    conn.close_if_unusable_or_obsolete()
                    if not conn.is_usable():
                        conn.close()
                time.sleep(sleep)
                continue
            if delivered or ran or opts["once"]:
                self.stdout.write(f"delivered {delivered}; jobs run: {', '.join(ran) or '-'}")
            if opts["once"] or stopping:
                if stopping:
                    heart.stop()  # a clean stop is not a dead worker: its row goes at once
                return
            if not delivered:
                time.sleep(sleep)
            # Between passes, as a request would: drop connections that broke or aged out.
            close_old_connections()
