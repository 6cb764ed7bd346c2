"""Refuse fast instead of queueing to death (issue 11, docs/operations.md "Load shedding").

The front proxy (deploy/nginx/shequtong.conf) stamps every request with
``X-Request-Start: t=<epoch seconds.millis>`` when it accepts it and itself
answers 503 once its concurrency cap to the app is reached. A request that
still waited in the app server's backlog longer than ``SHED_QUEUE_MS`` is
answered here, before sessions, the database or a template are touched:
503 with ``Retry-After`` and a page that says 人多，请稍后再试 and retries by
itself. The client has probably given up on a request that old, and serving
it would only make the next one older too.

The answer is built once per process: shedding must cost next to nothing,
or it stops working exactly when it is needed.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse

BUSY_MESSAGE = "人多，请稍后再试"
HEADER = "HTTP_X_REQUEST_START"
# Never shed the probes that tell the load balancer whether this process is alive.
EXEMPT_PATHS = ("/healthz", "/readyz", "/metrics")

_PAGE = """<!doctype html>
<html lang="zh-Hans"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="refresh" content="{retry}">
<title>{message}</title>
<link rel="stylesheet" href="{static}css/busy.css">
</head><body class="busy-page"><main class="busy" role="alert">
<h1>{message}</h1>
<p>访问的人较多，页面将在 {retry} 秒后自动重试。</p>
<p><a href="">立即重试</a></p>
</main></body></html>
"""


def queued_ms(request: HttpRequest, now: float | None = None) -> float | None:
    """How long the proxy says this request waited before the app saw it; None without the header."""
    raw = request.META.get(HEADER, "")
    if not raw:
        return None
    value = raw[2:] if raw.startswith("t=") else raw
    try:
        started = float(value)
    except ValueError:
        return None
    if started > 1e11:  # microseconds (HAProxy, Apache) rather than seconds.milliseconds (nginx $msec)
        started /= 1e6
    return max(0.0, ((time.time() if now is None else now) - started) * 1000)


def busy_response(request: HttpRequest, retry_after: int) -> HttpResponse:
    if request.path.startswith("/api/"):
        body = json.dumps({"code": "busy", "message": BUSY_MESSAGE, "field": None}, ensure_ascii=False)
        response = HttpResponse(body, status=503, content_type="application/json")
    else:
        page = _PAGE.format(retry=retry_after, message=BUSY_MESSAGE, static=settings.STATIC_URL)
        response = HttpResponse(page, status=503, content_type="text/html; charset=utf-8")
    response["Retry-After"] = str(retry_after)
    response["Cache-Control"] = "no-store"
    # The CSP middleware never sees this answer: give it the same strict policy.
    response["Content-Security-Policy"] = "default-src 'self'; object-src 'none'; base-uri 'none'"
    return response


class LoadSheddingMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.limit_ms = float(getattr(settings, "SHED_QUEUE_MS", 0) or 0)
        self.retry_after = int(getattr(settings, "SHED_RETRY_AFTER", 3))

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if self.limit_ms > 0 and not request.path.startswith(EXEMPT_PATHS):
            waited = queued_ms(request)
            if waited is not None and waited > self.limit_ms:
                return busy_response(request, self.retry_after)
        return self.get_response(request)
