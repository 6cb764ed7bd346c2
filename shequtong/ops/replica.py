"""Observer reads from the hot standby (NF-5, issue 20 item 7).

With DATABASE_REPLICA_URL set, settings adds a `replica` database (a
PostgreSQL streaming replica, read-only) and this router. 观察者 pages are
reads over the whole district, the heaviest queries there are, and a few
seconds of replication lag do not matter to them: `ObserverReadsMiddleware`
marks an observer's GET/HEAD request, and the router sends that request's
reads to the replica.

Everything else reads the primary: writes, every other version's requests,
and any read inside a transaction (a service checking before it writes, the
audit log taking the chain's last hash) even during an observer's request,
so nothing is ever decided on a lagging copy. Without a replica configured
the router does nothing.
"""

from __future__ import annotations

import contextvars
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from django.conf import settings
from django.db import connections
from django.http import HttpRequest, HttpResponse

REPLICA = "replica"
_reads_from_replica: contextvars.ContextVar[bool] = contextvars.ContextVar("reads_from_replica", default=False)


def replica_configured() -> bool:
    return REPLICA in settings.DATABASES


@contextmanager
def observer_reads() -> Iterator[None]:
    """Reads inside this block (outside any transaction) go to the replica, when one is configured."""
    token = _reads_from_replica.set(True)
    try:
        yield
    finally:
        _reads_from_replica.reset(token)


class ReplicaRouter:
    def db_for_read(self, model: Any, **hints: Any) -> str | None:
        if _reads_from_replica.get() and replica_configured() and not connections["default"].in_atomic_block:
            return REPLICA
        return None

    def db_for_write(self, model: Any, **hints: Any) -> str:
        return "default"

    def allow_relation(self, obj1: Any, obj2: Any, **hints: Any) -> bool:
        return True  # the replica holds the same rows as the primary

    def allow_migrate(self, db: str, app_label: str, **hints: Any) -> bool:
        return db == "default"


class ObserverReadsMiddleware:
    """After authentication: an observer's GET or HEAD reads from the replica."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.method in ("GET", "HEAD") and replica_configured() and _is_observer(request):
            with observer_reads():
                return self.get_response(request)
        return self.get_response(request)


def _is_observer(request: HttpRequest) -> bool:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return False
    from shequtong.accounts import scope
    from shequtong.accounts.roles import Version

    return scope.current_version(user) == Version.OBSERVER
