"""30-minute idle timeout: the session expiry slides with activity.

Saving the session on every request costs a write per request; refreshing
at most once a minute keeps the idle rule to within a minute for 1/N of the
writes.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse

_KEY = "_touched"


class IdleTimeoutMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        session = getattr(request, "session", None)
        user = getattr(request, "user", None)
        if session is not None and user is not None and user.is_authenticated:
            now = int(time.time())
            if now - int(session.get(_KEY, 0)) >= 60:
                session[_KEY] = now
                session.set_expiry(settings.SESSION_COOKIE_AGE)
        return response
