"""Redis gone: the cache answers as a miss instead of failing the request (issue 12 fault tests).

A real redis-server on a free loopback port when one is installed, killed mid-test;
otherwise a port where nothing listens.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import time

import pytest

from shequtong.common import redis_cache


def _free_port() -> int:
    for port in range(9150, 9250):
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) != 0:
                return port
    raise RuntimeError("no free port")


@pytest.fixture
def redis_port():  # type: ignore[no-untyped-def]
    port = _free_port()
    exe = shutil.which("redis-server")
    proc = None
    if exe:
        proc = subprocess.Popen([exe, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],  # noqa: S603
                                stdout=subprocess.DEVNULL)
        for _ in range(50):
            with socket.socket() as s:
                if s.connect_ex(("127.0.0.1", port)) == 0:
                    break
            time.sleep(0.1)
    yield port, proc
    if proc is not None and proc.poll() is None:
        proc.kill()
        proc.wait()


def test_a_cache_without_redis_serves_misses_and_keeps_going(redis_port, settings):
    port, proc = redis_port
    settings.REDIS_RETRY_SECONDS = 60
    redis_cache.breaker.open_until = 0.0
    cache = redis_cache.RedisCache(f"redis://127.0.0.1:{port}/0", {
        "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5}})
    if proc is not None:
        cache.set("k", "v", 30)
        assert cache.get("k") == "v"
        proc.kill()
        proc.wait()
    assert cache.get("k", "fallback") == "fallback"
    assert not redis_cache.breaker.allows()  # tripped: the next calls do not even try
    cache.set("k", "v2", 30)
    cache.delete("k")
    assert cache.get_many(["a", "b"]) == {}
    assert cache.add("x", 1) is False
    with pytest.raises(ValueError, match="not found"):
        cache.incr("n")
    redis_cache.breaker.open_until = 0.0
