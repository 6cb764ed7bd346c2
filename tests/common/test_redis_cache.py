"""The Redis cache backend keeps one client per pool and behaves as Django's."""

from __future__ import annotations

import os

import pytest
import redis

from shequtong.common.redis_cache import RedisCache

# A database of its own per pytest-xdist worker (the Makefile's XDIST runs at most four): the fixture
# empties it (FLUSHDB). Not 13, which tests/ops/test_observability.py writes its heartbeat to.
WORKER = int(os.environ.get("PYTEST_XDIST_WORKER", "gw0").removeprefix("gw"))
URL = f"redis://127.0.0.1:6379/{(15, 14, 12, 11)[WORKER % 4]}"


@pytest.fixture
def backend():  # type: ignore[no-untyped-def]
    try:
        redis.Redis.from_url(URL).ping()
    except redis.ConnectionError:
        pytest.skip("Redis is not running on 127.0.0.1:6379")
    cache = RedisCache(URL, {"KEY_PREFIX": "test-redis-cache"})
    yield cache
    cache.clear()


def test_one_client_per_pool(backend):
    client = backend._cache
    assert client.get_client() is client.get_client()
    assert client.get_client(write=True) is client.get_client()  # one server: one pool


def test_values_round_trip(backend):
    backend.set("k", {"a": [1, 2]}, 30)
    assert backend.get("k") == {"a": [1, 2]}
    backend.delete("n")
    assert backend.add("n", 1) is True
    assert backend.add("n", 5) is False  # add never overwrites
    assert backend.incr("n", 1) == 2
    backend.delete("k")
    assert backend.get("k") is None


def test_bump_versions_seeds_a_missing_key_and_moves_every_key_on_in_one_round_trip(backend):
    backend.delete_many(["v:a", "v:b"])
    backend.set("v:b", 7, None)
    client = backend._cache.get_client(write=True)
    sent: list[object] = []
    execute = redis.client.Pipeline.execute

    def counting(self, *a, **k):  # type: ignore[no-untyped-def]
        sent.append(self)
        return execute(self, *a, **k)

    redis.client.Pipeline.execute = counting
    try:
        backend.bump_versions(["v:a", "v:b"], 1000)
    finally:
        redis.client.Pipeline.execute = execute
    assert len(sent) == 1
    assert backend.get("v:a") == 1001  # seeded, then moved on
    assert backend.get("v:b") == 8  # existing: moved on, never reseeded
    assert client.ttl(backend.make_and_validate_key("v:a")) == -1  # versions never expire
