"""Run the grid simulator: the district grid system's Open311 API on loopback (development, demos).

    manage.py grid_simulator --port 8311 --delay 30
    manage.py grid_simulator --callback-url http://127.0.0.1:8000/open311/grid/callback

Point the platform at it with GRID_GATEWAY=shequtong.integrations.open311_client.Open311GridGateway
and GRID_OPEN311_URL=http://127.0.0.1:8311/open311/v2 (any path prefix is accepted).
"""

from __future__ import annotations

import signal
import threading
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from shequtong.integrations.grid_simulator import GridSimulator

LOOPBACK = {"127.0.0.1", "localhost", "::1"}


class Command(BaseCommand):
    help = "Serve a simulated grid system (Open311 GeoReport v2 + updates + signed callbacks) on loopback."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--host", default="127.0.0.1", help="loopback address to bind (default 127.0.0.1)")
        parser.add_argument("--port", type=int, default=8311)
        parser.add_argument("--delay", type=float, default=30.0,
                            help="seconds a request spends in each state (open, in_progress) before it moves on")
        parser.add_argument("--api-key", default=None, help="required api_key (default: GRID_OPEN311_API_KEY)")
        parser.add_argument("--jurisdiction", default=None, help="required jurisdiction_id (default: GRID_OPEN311_JURISDICTION)")
        parser.add_argument("--callback-url", default="", help="push signed state changes to this URL")
        parser.add_argument("--answer-delay", type=float, default=0.0,
                            help="seconds between accepting a POST and answering it (fault tests: a client killed meanwhile)")
        parser.add_argument("--callback-secret", default=None, help="signing secret (default: GRID_WEBHOOK_SECRET)")

    def handle(self, *args: Any, **opts: Any) -> None:
        if opts["host"] not in LOOPBACK:
            raise CommandError("the simulator only binds to loopback addresses")
        sim = GridSimulator(
            delay=opts["delay"],
            api_key=settings.GRID_OPEN311_API_KEY if opts["api_key"] is None else opts["api_key"],
            jurisdiction_id=settings.GRID_OPEN311_JURISDICTION if opts["jurisdiction"] is None else opts["jurisdiction"],
            callback_url=opts["callback_url"],
            callback_secret=settings.GRID_WEBHOOK_SECRET if opts["callback_secret"] is None else opts["callback_secret"],
            answer_delay=opts["answer_delay"],
        )
        port = sim.start(opts["host"], opts["port"])
        self.stdout.write(f"grid simulator on http://{opts['host']}:{port}/open311/v2 (delay {opts['delay']}s"
                          + (f", callbacks to {sim.callback_url}" if sim.callback_url else "") + "); Ctrl-C stops it")
        done = threading.Event()
        signal.signal(signal.SIGTERM, lambda *_: done.set())
        try:
            done.wait()
        except KeyboardInterrupt:
            pass
        finally:
            sim.stop()
            self.stdout.write(f"stopped; {len(sim.requests)} requests received")
