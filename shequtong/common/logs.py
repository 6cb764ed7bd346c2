"""Structured logs (issue 20 item 5): one JSON object a line, each carrying the request id.

`RequestIdMiddleware` (first in MIDDLEWARE) takes the id nginx assigned
(`X-Request-ID`, nginx's `$request_id`) when it looks like one, or makes one,
keeps it in a context variable for the request's duration, echoes it in the
answer's `X-Request-ID` header and writes one access line per request
(`shequtong.request`: method, path, view, status, duration, user id). Every
log record made meanwhile, by any logger, gets `request_id` through
`RequestIdFilter`, so a support call quoting the id finds every line of that
request (and the Sentry event, tagged with the same id).

`LOG_FORMAT=json` (the default in production) selects `JsonFormatter`;
`plain` keeps the one-line text format for a developer's console. Query
strings are never logged: search boxes and filters may hold names or phones.
"""

from __future__ import annotations

import contextvars
import json
import logging
import re
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from django.http import HttpRequest, HttpResponse

REQUEST_ID_HEADER = "X-Request-ID"
_VALID_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")
_request_id: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="")

access_log = logging.getLogger("shequtong.request")

# Attributes every LogRecord has; anything else was passed in `extra=` and is written as a field.
_STANDARD = set(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {"message", "asctime", "request_id"}


def current_request_id() -> str:
    return _request_id.get()


class RequestIdFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if not getattr(record, "request_id", ""):
            record.request_id = _request_id.get()
        return True


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, tz=UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        request_id = getattr(record, "request_id", "") or _request_id.get()
        if request_id:
            entry["request_id"] = request_id
        for key, value in vars(record).items():
            if key not in _STANDARD and not key.startswith("_"):
                entry[key] = value if isinstance(value, str | int | float | bool | type(None)) else str(value)
        if record.exc_info:
            entry["exc_info"] = self.formatException(record.exc_info)
        if record.stack_info:
            entry["stack_info"] = self.formatStack(record.stack_info)
        return json.dumps(entry, ensure_ascii=False)


def _incoming_id(request: HttpRequest) -> str:
    raw = request.META.get("HTTP_X_REQUEST_ID", "")
    return raw if _VALID_ID.match(raw) else uuid.uuid4().hex


class RequestIdMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request_id = _incoming_id(request)
        token = _request_id.set(request_id)
        request.request_id = request_id  # type: ignore[attr-defined]
        started = time.perf_counter()
        try:
            response = self.get_response(request)
            response[REQUEST_ID_HEADER] = request_id
            match = getattr(request, "resolver_match", None)
            user = getattr(request, "user", None)
            access_log.info(
                "%s %s %s", request.method, request.path, response.status_code,
                extra={"method": request.method, "path": request.path, "status": response.status_code,
                       "view": match.view_name if match else "",
                       "duration_ms": round((time.perf_counter() - started) * 1000, 1),
                       "user_id": user.pk if user is not None and user.is_authenticated else None},
            )
            return response
        finally:
            _request_id.reset(token)
