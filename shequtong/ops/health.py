"""Readiness (/readyz): can this process serve, and is the platform around it working?

Liveness is /healthz (web): the process answers, nothing else is touched, and
it is never shed, so a busy process is not restarted for being busy.
Readiness checks, each with a short timeout:

- database: `SELECT 1` on the primary (and on the read replica when one is configured);
- redis: `PING` when REDIS_URL is set (without Redis the check is skipped and says so);
- worker: the freshest worker heartbeat is younger than WORKER_HEARTBEAT_MAX_AGE_SECONDS.

Any failure answers 503 with the list; the body names checks and their state,
never a host name, an address or an error text that could help an attacker.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass

from django.conf import settings
from django.db import connections

from shequtong.notifications import heartbeat

logger = logging.getLogger("shequtong.health")


@dataclass
class Check:
    name: str
    ok: bool
    detail: str
    ms: float


def _timed(name: str, fn) -> Check:  # type: ignore[no-untyped-def]
    started = time.perf_counter()
    try:
        ok, detail = fn()
    except Exception as exc:
        logger.warning("readiness check %s failed: %s", name, exc.__class__.__name__, exc_info=True)
        ok, detail = False, "unavailable"
    return Check(name, ok, detail, round((time.perf_counter() - started) * 1000, 1))


def _database(alias: str) -> tuple[bool, str]:
    with connections[alias].cursor() as cur:
        cur.execute("SELECT 1")
        cur.fetchone()
    return True, "ok"


def _redis() -> tuple[bool, str]:
    if not settings.REDIS_URL:
        return True, "not configured"
    import redis

    timeout = float(getattr(settings, "HEALTH_TIMEOUT_SECONDS", 1.0))
    client = redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=timeout, socket_timeout=timeout)
    try:
        return bool(client.ping()), "ok"
    finally:
        client.close()


def _worker() -> tuple[bool, str]:
    age = heartbeat.age_seconds()
    if age is None:
        return False, "no heartbeat"
    if age > settings.WORKER_HEARTBEAT_MAX_AGE_SECONDS:
        return False, f"last beat {age:.0f}s ago"
    return True, f"last beat {age:.0f}s ago"


def run_checks() -> list[Check]:
    checks = [_timed("database", lambda: _database("default"))]
    if "replica" in settings.DATABASES:
        checks.append(_timed("replica", lambda: _database("replica")))
    checks.append(_timed("redis", _redis))
    checks.append(_timed("worker", _worker))
    return checks
