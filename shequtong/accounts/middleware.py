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
from django.utils.cache import add_never_cache_headers, patch_vary_headers

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


class NoStoreMiddleware:
    """`Cache-Control: no-store` on every answer to a signed-in user and on every API answer.

    Pages and API answers for a signed-in user carry personal data (names, addresses, letters,
    a token shown once); no browser, proxy or shared-computer back button may keep them
    (issue 12 item 12). Public pages of an anonymous visitor stay cacheable; static files are
    answered by WhiteNoise above this middleware and never reach it.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        user = getattr(request, "user", None)
        signed_in = user is not None and user.is_authenticated
        if signed_in or request.path.startswith("/api/"):
            add_never_cache_headers(response)
            patch_vary_headers(response, ("Cookie",))
        return response
