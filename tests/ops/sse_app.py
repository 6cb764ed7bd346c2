"""A tiny ASGI app for tests/ops/test_live_proxy.py: a Server-Sent Events stream that names its path,
then waits before it ends, so a client sees whether nginx passes the first event on at once."""

from __future__ import annotations

import asyncio
from typing import Any

HOLD_SECONDS = 4.0


async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    if scope["type"] == "lifespan":
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await send({"type": "lifespan.shutdown.complete"})
                return
    if scope["type"] != "http":
        return
    headers = {k.decode().lower(): v.decode() for k, v in scope["headers"]}
    await send({"type": "http.response.start", "status": 200,
                "headers": [(b"content-type", b"text/event-stream"), (b"cache-control", b"no-cache")]})
    first = f"data: {scope['path']} {headers.get('x-request-id', '-')} {headers.get('x-forwarded-for', '-')}\n\n"
    await send({"type": "http.response.body", "body": first.encode(), "more_body": True})
    await asyncio.sleep(HOLD_SECONDS)
    await send({"type": "http.response.body", "body": b"data: end\n\n", "more_body": False})
