"""30-minute idle timeout (the session expiry slides with activity) and the staff security gate.

Saving the session on every request costs a write per request; refreshing
at most once a minute keeps the idle rule to within a minute for 1/N of the
writes.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.urls import reverse
from django.utils.cache import add_never_cache_headers, patch_vary_headers
from django.utils.http import http_date

from shequtong.common import access

from .errors import AccountError
from .sessions import TOUCHED

_KEY = TOUCHED  # the refresh's own key: accounts/sessions.py writes a save of only this to the cache
# What django.utils.cache.add_never_cache_headers writes on a response without caching headers.
_NEVER_CACHE = "max-age=0, no-cache, no-store, must-revalidate, private"


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
            if "Cache-Control" in response or "Expires" in response or "Vary" in response:
                add_never_cache_headers(response)
                patch_vary_headers(response, ("Cookie",))
            else:  # most answers: the same headers, without parsing and patching what is not there (~45 µs)
                response.headers["Expires"] = http_date()
                response.headers["Cache-Control"] = _NEVER_CACHE
                response.headers["Vary"] = "Cookie"
        return response


# Pages a staff session may open before it has passed the second factor / changed its password.
_MFA_OPEN = frozenset({"accounts:otp_verify", "accounts:otp_setup", "accounts:logout"})
_PASSWORD_OPEN = _MFA_OPEN | {"accounts:password_change"}


class StaffSecurityMiddleware:
    """MLPS: a staff session reaches nothing but the second-factor and password pages until it
    has passed TOTP (MFA_REQUIRED_FOR_STAFF) and its password is younger than
    STAFF_PASSWORD_MAX_AGE_DAYS (accounts/mfa.py). Public pages stay open; API calls made
    with the session get 403 with a code instead of a redirect.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(self, request: HttpRequest, view_func: Callable[..., Any], view_args: Any, view_kwargs: Any) -> HttpResponse | None:
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return None
        rule = access.rule_of(view_func)
        if rule is not None and rule.public:
            return None
        match = request.resolver_match
        name = match.view_name if match is not None else ""
        from . import mfa

        if name not in _MFA_OPEN and mfa.mfa_required(user) and not mfa.session_verified(request, user):
            has_device = mfa.totp_device(user) is not None
            return self._refuse(request, "accounts:otp_verify" if has_device else "accounts:otp_setup",
                                AccountError.MFA_REQUIRED, "请先完成动态口令验证")
        if name not in _PASSWORD_OPEN and mfa.password_expired(user):
            return self._refuse(request, "accounts:password_change", AccountError.PASSWORD_EXPIRED,
                                "首次登录或密码被重置，请先设置新密码" if getattr(user, "must_change_password", False)
                                else "密码已超过有效期，请先修改密码")
        return None

    @staticmethod
    def _refuse(request: HttpRequest, page: str, code: str, message: str) -> HttpResponse:
        match = request.resolver_match
        if match is not None and "api" in match.namespaces:
            return JsonResponse({"code": str(code), "message": message, "field": None}, status=403)
        target = reverse(page)
        if request.method == "GET":
            target += "?" + urlencode({"next": request.get_full_path()})
        if request.headers.get("HX-Request"):
            response = HttpResponse(status=204)
            response["HX-Redirect"] = target
            return response
        return HttpResponseRedirect(target)
