"""Prometheus metrics (issue 20 item 5), served at /metrics to the monitoring system only.

Per process, counted by `MetricsMiddleware`: requests by view, method and
status, and their latency by view. Under gunicorn every worker process counts
its own; with PROMETHEUS_MULTIPROC_DIR set (deploy/gunicorn.conf.py does) the
values live in files there and /metrics adds them up across processes.

Read from the database when scraped (`PlatformCollector`), so every process
answers the same: the outbox backlog and the age of its oldest row, dead rows,
each scheduled job's runs and failures (cases.overdue_scan is the overdue
reminder), the worker heartbeat's age, and on PostgreSQL the connections to
our database by state and the server's limit; with a psycopg pool (DB_POOL=1)
its size and waiters. A failing query makes `shequtong_scrape_error` 1 instead
of failing the scrape.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable, Iterator
from typing import Any

from django.db import connection
from django.db.models import Count, Min
from django.http import HttpRequest, HttpResponse
from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.registry import REGISTRY, Collector

from shequtong.common import clock
from shequtong.notifications.models import Outbox, ScheduledJob, WorkerHeartbeat

logger = logging.getLogger("shequtong.metrics")

REQUESTS = Counter("shequtong_http_requests_total", "HTTP requests answered, by view, method and status",
                   ["view", "method", "status"])
LATENCY = Histogram("shequtong_http_request_duration_seconds", "Time to answer a request, by view",
                    ["view", "method"],
                    buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0))


def view_label(request: HttpRequest) -> str:
    """The URL pattern's name (a bounded set), never the path: ids in paths would explode the series."""
    match = getattr(request, "resolver_match", None)
    if match is None:
        return "unmatched"
    return match.view_name or match._func_path


class MetricsMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        started = time.perf_counter()
        response = self.get_response(request)
        view = view_label(request)
        if view != "ops:metrics":
            method = request.method if request.method in {"GET", "POST", "HEAD", "PUT", "PATCH", "DELETE"} else "OTHER"
            REQUESTS.labels(view, method, str(response.status_code)).inc()
            LATENCY.labels(view, method).observe(time.perf_counter() - started)
        return response


class PlatformCollector(Collector):
    """Gauges and counters read from the database at scrape time (shared by every process)."""

    def collect(self) -> Iterator[Metric]:
        error = GaugeMetricFamily("shequtong_scrape_error", "1 when a part of the database metrics could not be read",
                                  labels=["part"])
        for part, fn in (("outbox", self._outbox), ("jobs", self._jobs), ("worker", self._worker),
                         ("database", self._database)):
            try:
                yield from fn()
                error.add_metric([part], 0)
            except Exception:  # a broken part must not hide the others
                logger.exception("metrics: could not read %s", part)
                error.add_metric([part], 1)
        yield error

    def _outbox(self) -> Iterator[Metric]:
        now = clock.now()
        backlog = GaugeMetricFamily("shequtong_outbox_backlog", "Outbox rows waiting for delivery, by kind",
                                    labels=["kind"])
        age = GaugeMetricFamily("shequtong_outbox_oldest_age_seconds",
                                "Age of the oldest outbox row waiting for delivery (0 when none)")
        dead = GaugeMetricFamily("shequtong_outbox_dead", "Outbox rows given up, by kind", labels=["kind"])
        oldest = None
        for row in Outbox.objects.filter(status=Outbox.Status.PENDING).values("kind").annotate(
                n=Count("id"), first=Min("created_at")).order_by("kind"):
            backlog.add_metric([row["kind"]], row["n"])
            oldest = row["first"] if oldest is None or row["first"] < oldest else oldest
        age.add_metric([], (now - oldest).total_seconds() if oldest else 0.0)
        for row in Outbox.objects.filter(status=Outbox.Status.DEAD).values("kind").annotate(
                n=Count("id")).order_by("kind"):
            dead.add_metric([row["kind"]], row["n"])
        yield from (backlog, age, dead)

    def _jobs(self) -> Iterator[Metric]:
        runs = CounterMetricFamily("shequtong_job_runs", "Runs of each scheduled job (cases.overdue_scan: overdue reminders)",
                                   labels=["job"])
        failures = CounterMetricFamily("shequtong_job_failures", "Runs of each scheduled job that raised", labels=["job"])
        last = GaugeMetricFamily("shequtong_job_last_run_timestamp_seconds", "When each job last ran (Unix time)",
                                 labels=["job"])
        last_ok = GaugeMetricFamily("shequtong_job_last_run_ok", "1 if the job's last run succeeded", labels=["job"])
        for job in ScheduledJob.objects.order_by("name"):
            runs.add_metric([job.name], job.runs)
            failures.add_metric([job.name], job.failures)
            if job.last_run_at:
                last.add_metric([job.name], job.last_run_at.timestamp())
                last_ok.add_metric([job.name], 0 if job.last_error else 1)
        yield from (runs, failures, last, last_ok)

    def _worker(self) -> Iterator[Metric]:
        now = clock.now()
        age = GaugeMetricFamily("shequtong_worker_heartbeat_age_seconds",
                                "Seconds since each worker process last beat", labels=["worker"])
        alive = GaugeMetricFamily("shequtong_workers", "Worker processes that beat within the max age")
        from django.conf import settings

        count = 0
        for beat in WorkerHeartbeat.objects.order_by("worker"):
            seconds = max(0.0, (now - beat.beat_at).total_seconds())
            age.add_metric([beat.worker], seconds)
            count += seconds <= settings.WORKER_HEARTBEAT_MAX_AGE_SECONDS
        alive.add_metric([], count)
        yield from (age, alive)

    def _database(self) -> Iterator[Metric]:
        connections_ = GaugeMetricFamily("shequtong_db_connections",
                                         "Connections to our database by state (PostgreSQL pg_stat_activity)",
                                         labels=["state"])
        if connection.vendor == "postgresql":
            with connection.cursor() as cur:
                cur.execute("SELECT coalesce(state, 'unknown'), count(*) FROM pg_stat_activity "
                            "WHERE datname = current_database() GROUP BY 1 ORDER BY 1")
                for state, n in cur.fetchall():
                    connections_.add_metric([state], n)
                cur.execute("SELECT setting::int FROM pg_settings WHERE name = 'max_connections'")
                limit = cur.fetchone()[0]
            yield connections_
            yield GaugeMetricFamily("shequtong_db_max_connections", "The server's max_connections", value=limit)
        pool = getattr(connection, "pool", None)
        if pool is not None:
            stats: dict[str, Any] = pool.get_stats()
            for key, doc in (("pool_size", "Connections in this process's pool"),
                             ("pool_available", "Idle connections in this process's pool"),
                             ("requests_waiting", "Requests waiting for a pooled connection")):
                yield GaugeMetricFamily(f"shequtong_db_{key}", doc, value=stats.get(key, 0), labels=None)


_platform = CollectorRegistry(auto_describe=False)
_platform.register(PlatformCollector())


def exposition() -> bytes:
    """The text exposition: this process's (or, multi-process, every process's) counters, then the database's."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        processes = CollectorRegistry()
        MultiProcessCollector(processes)
        return generate_latest(processes) + generate_latest(_platform)
    return generate_latest(REGISTRY) + generate_latest(_platform)
