"""Django's Redis cache, keeping one client object per connection pool.

Django's ``RedisCacheClient.get_client`` builds a new ``redis.Redis`` for every
cache call, and each build copies redis-py's table of ~170 response callbacks:
with the session and the identity read from the cache on every request that
was a measurable share of a small page (docs/performance.md). A ``redis.Redis``
is safe to share between threads (each command takes a connection from the
pool), so one per pool is enough.

Redis gone must not take the site down (issue 12, bench/faults.py): every
cache call that cannot reach Redis answers as a miss (reads return the
default, writes and deletes do nothing) and logs a warning, and for
``REDIS_RETRY_SECONDS`` after such an error no call tries Redis at all, so a
dead server costs one short connect timeout per process per period, not one
per call. What the cache holds is rebuilt from the database (cached_db
sessions, identities, rollups), so the app keeps serving, slower.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.cache.backends.redis import RedisCache as DjangoRedisCache
from django.core.cache.backends.redis import RedisCacheClient as DjangoRedisCacheClient


class RedisCacheClient(DjangoRedisCacheClient):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._clients: dict[int, Any] = {}

    def get_client(self, key: Any = None, *, write: bool = False) -> Any:
        pool = self._get_connection_pool(write)  # type: ignore[attr-defined]
        client = self._clients.get(id(pool))
        if client is None:
            client = self._clients[id(pool)] = self._client(connection_pool=pool)  # type: ignore[attr-defined]
        return client


logger = logging.getLogger("shequtong.cache")


class _Breaker:
    """After a Redis error, skip Redis for a while (one per process)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.open_until = 0.0

    def allows(self) -> bool:
        return time.monotonic() >= self.open_until

    def trip(self, exc: Exception) -> None:
        with self._lock:
            if self.allows():
                logger.warning("Redis unavailable (%s): serving without the cache for %ss", exc,
                               settings.REDIS_RETRY_SECONDS)
            self.open_until = time.monotonic() + settings.REDIS_RETRY_SECONDS


breaker = _Breaker()


def _redis_errors() -> tuple[type[Exception], ...]:
    import redis

    return (redis.exceptions.ConnectionError, redis.exceptions.TimeoutError, OSError)


def _failing_open(name: str, miss: Callable[..., Any]) -> Callable[..., Any]:
    parent = getattr(DjangoRedisCache, name)

    def method(self: RedisCache, *args: Any, **kwargs: Any) -> Any:
        if not breaker.allows():
            return miss(*args, **kwargs)
        try:
            return parent(self, *args, **kwargs)
        except _redis_errors() as exc:
            breaker.trip(exc)
            return miss(*args, **kwargs)

    method.__name__ = name
    return method


def _default(key: Any, default: Any = None, version: Any = None) -> Any:
    return default


def _incr(key: Any, delta: int = 1, version: Any = None) -> int:
    raise ValueError(f"Key '{key}' not found (the cache is unavailable)")


class RedisCache(DjangoRedisCache):
    def __init__(self, server: Any, params: dict[str, Any]) -> None:
        super().__init__(server, params)
        self._class = RedisCacheClient

    def bump_versions(self, keys: list[str], seed: int) -> None:
        """For each key: seed it with ``seed`` if missing, then add one; all keys in one round trip.

        common/versioned.py's touch, which Django's ``add`` + ``incr`` (an EXISTS and an INCRBY)
        made three round trips per key. MULTI/EXEC: no eviction can fall between the seed and the add.
        """
        if not keys or not breaker.allows():
            return
        client = self._cache.get_client(write=True)  # type: ignore[attr-defined]
        try:
            with client.pipeline(transaction=True) as pipe:
                for key in keys:
                    name = self.make_and_validate_key(key)
                    pipe.set(name, seed, nx=True)
                    pipe.incr(name)
                pipe.execute()
        except _redis_errors() as exc:
            breaker.trip(exc)

    get = _failing_open("get", _default)
    set = _failing_open("set", lambda *a, **k: None)
    add = _failing_open("add", lambda *a, **k: False)
    touch = _failing_open("touch", lambda *a, **k: False)
    delete = _failing_open("delete", lambda *a, **k: False)
    get_many = _failing_open("get_many", lambda *a, **k: {})
    set_many = _failing_open("set_many", lambda keys, *a, **k: list(keys))
    delete_many = _failing_open("delete_many", lambda *a, **k: None)
    has_key = _failing_open("has_key", lambda *a, **k: False)
    incr = _failing_open("incr", _incr)
    clear = _failing_open("clear", lambda *a, **k: False)
