"""Every URL declares who may open it (STYLE.md: "Every URL declares who may open it").

A view is decorated with one of `public`, `login`, `capability(...)` or
`version(...)`. `AccessRuleMiddleware` enforces the rule before the view runs
and refuses (fail-closed) any view that declares nothing; the test
tests/web/test_url_access.py walks the URL conf and fails for a URL without a
rule. Object-level checks (is this case in my jurisdiction?) live in selectors.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import ImproperlyConfigured, PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.utils.functional import LazyObject, empty

ATTR = "access_rule"
# URL namespaces that bring their own access control: Django's admin (staff
# only) and the ninja API (every operation declares its auth; tested in
# tests/api/test_api_auth.py).
SELF_GUARDED_NAMESPACES = {"admin", "api"}

# Who holds which capability is accounts' answer (accounts.scope.has_capability).
# common sits below accounts and does not import it: AccountsConfig.ready()
# hands the answer in through set_capability_check. Until then a capability
# check raises instead of answering.
_capability_check: dict[str, Callable[[Any, str], bool]] = {}


def set_capability_check(check: Callable[[Any, str], bool]) -> None:
    _capability_check["check"] = check


def has_capability(user: Any, capability: str) -> bool:
    """Does `user` hold `capability` anywhere (accounts.scope decides)?"""
    check = _capability_check.get("check")
    if check is None:
        raise ImproperlyConfigured("no capability check registered: is shequtong.accounts installed?")
    return check(user, capability)


@dataclass(frozen=True)
class AccessRule:
    public: bool = False
    capabilities: tuple[str, ...] = ()
    description: str = ""
    # A machine feed (cityops): allowed only to a request its feed token authenticated.
    feed: str = ""

    def allows(self, request: HttpRequest) -> bool:
        if self.public:
            return True
        if self.feed:
            return getattr(request, "feed_token", None) is not None
        user = request.user
        if not user.is_authenticated:
            return False
        if not self.capabilities:
            return True
        return any(has_capability(user, cap) for cap in self.capabilities)


def _mark(rule: AccessRule) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    def decorator(view: Callable[..., Any]) -> Callable[..., Any]:
        setattr(view, ATTR, rule)
        return view

    return decorator


def public(view: Callable[..., Any]) -> Callable[..., Any]:
    """Anyone, logged in or not (login, registration, health check)."""
    return _mark(AccessRule(public=True, description="public"))(view)


def login(view: Callable[..., Any]) -> Callable[..., Any]:
    """Any logged-in user; the view's selectors restrict what they see."""
    return _mark(AccessRule(description="login"))(view)


def capability(*caps: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """A logged-in user holding at least one of these capabilities somewhere.

    Which places the capability covers is answered by accounts.scope.
    """
    return _mark(AccessRule(capabilities=tuple(caps), description="capability:" + ",".join(caps)))


def feed(name: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """A machine feed: only a feed token of `name` (the API operation's own auth sets it) opens it."""
    return _mark(AccessRule(feed=name, description=f"feed:{name}"))


def rule_of(view: Callable[..., Any]) -> AccessRule | None:
    rule = getattr(view, ATTR, None)
    if rule is None and hasattr(view, "view_class"):
        rule = getattr(view.view_class, ATTR, None)
    return rule


class AccessRuleMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(self, request: HttpRequest, view_func: Callable[..., Any], view_args: Any, view_kwargs: Any) -> HttpResponse | None:
        match = request.resolver_match
        if match is not None and set(match.namespaces) & SELF_GUARDED_NAMESPACES:
            return None
        if request.path.startswith(settings.STATIC_URL):
            return None
        rule = rule_of(view_func)
        if rule is None:
            # Fail closed: a view that declares nothing is open to no one.
            raise PermissionDenied("no access rule declared")
        if rule.allows(request):
            _unwrap_user(request)
            return None
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        raise PermissionDenied


def _unwrap_user(request: HttpRequest) -> None:
    """Once the rule has loaded the user, ``request.user`` is the user itself, not Django's lazy proxy.

    AuthenticationMiddleware gives a ``SimpleLazyObject``: each attribute read through it raises and
    catches an AttributeError on its way to the user, and a page read ``request.user.…``
    200–270 times (views, services given ``request.user``, templates). A public view never loaded the
    user and keeps the proxy, so it still costs no session read.
    """
    user = request.__dict__.get("user")
    if isinstance(user, LazyObject):
        wrapped = user._wrapped  # type: ignore[attr-defined]
        if wrapped is not empty:
            request.user = wrapped
