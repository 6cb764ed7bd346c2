"""Live group chats: Server-Sent Events fanned out through Redis pub/sub, polling otherwise.

The event only says "group N has a new message M"; the page then fetches
new messages through the same scoped `?after=` endpoint that polling uses,
so permissions and rendering live in one place. Without REDIS_URL (the
embedded mode) nothing is published and pages poll every few seconds. With
it, and when served under ASGI (Django would buffer an async stream to its
end under WSGI), pages hold an EventSource and poll rarely, as a safety net.
In production the pages are served under WSGI and a second process under ASGI
serves only the stream URLs, which nginx routes to it (deploy/: `live`,
shequtong-live.service); LIVE_PROCESS tells the WSGI process to offer them.
"""

from __future__ import annotations

import logging
import time
from collections.abc import AsyncIterator, Callable
from functools import lru_cache
from typing import Any

from django.conf import settings
from django.http import HttpRequest

log = logging.getLogger(__name__)

# Keep a stream short so a worker is never held for long; EventSource reconnects.
STREAM_SECONDS = 55
KEEPALIVE_SECONDS = 15


def enabled() -> bool:
    return bool(getattr(settings, "REDIS_URL", ""))


def served(request: HttpRequest) -> bool:
    """Whether this process may answer a stream: Redis, and ASGI (WSGI would buffer it to its end)."""
    from django.core.handlers.asgi import ASGIRequest

    return enabled() and isinstance(request, ASGIRequest)


def offered(request: HttpRequest) -> bool:
    """Whether a page offers its stream URL: this process serves streams, or the live process does.

    settings.LIVE_PROCESS says nginx routes the stream URLs to a separate ASGI process
    (docs/operations.md "Live updates"), so a page rendered under WSGI can offer them.
    """
    return served(request) or (enabled() and bool(getattr(settings, "LIVE_PROCESS", False)))


def channel(group_id: int) -> str:
    return f"shequtong:chats:group:{group_id}"


@lru_cache(maxsize=1)
def _client(url: str) -> Any:
    import redis

    return redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2)


def publish(group_id: int, message_id: int) -> None:
    """Tell listeners of a group about a new message; a Redis outage only costs liveness."""
    if not enabled():
        return
    try:
        _client(settings.REDIS_URL).publish(channel(group_id), str(message_id))
    except Exception:  # noqa: BLE001 - pollers still deliver the message
        log.warning("could not publish chat event for group %s", group_id, exc_info=True)


async def events(group_id: int, *, seconds: float = STREAM_SECONDS) -> AsyncIterator[bytes]:
    """The SSE body for one group: a `message` event per new message, comments as keep-alives."""
    async for chunk in relay([channel(group_id)], seconds=seconds, data=lambda raw: str(int(raw))):
        yield chunk


async def relay(channels: list[str], *, seconds: float = STREAM_SECONDS,
                data: Callable[[str], str] = lambda raw: raw) -> AsyncIterator[bytes]:
    """Server-Sent Events from Redis pub/sub: a `message` event for each message on any of `channels`
    (its data from ``data(payload)``), a keep-alive comment when quiet, closed after `seconds`."""
    import redis.asyncio as aioredis

    client = aioredis.Redis.from_url(settings.REDIS_URL)
    pubsub = client.pubsub()
    try:
        await pubsub.subscribe(*channels)
        yield b"retry: 3000\n\n"
        deadline = time.monotonic() + seconds
        quiet_since = time.monotonic()
        while time.monotonic() < deadline:
            item = await pubsub.get_message(ignore_subscribe_messages=True, timeout=1.0)
            if item and item.get("type") == "message":
                raw = item["data"].decode() if isinstance(item["data"], bytes) else str(item["data"])
                yield f"event: message\ndata: {data(raw)}\n\n".encode()
                quiet_since = time.monotonic()
            elif time.monotonic() - quiet_since >= KEEPALIVE_SECONDS:
                yield b": keep-alive\n\n"
                quiet_since = time.monotonic()
    finally:
        await pubsub.unsubscribe()
        await pubsub.aclose()
        await client.aclose()
