"""Every URL declares who may open it (STYLE.md), and the rule is enforced."""

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from shequtong.accounts.roles import Role
from shequtong.common.access import SELF_GUARDED_NAMESPACES, rule_of

from ..factories import make_user, make_with_role


def walk(patterns, namespaces=()):
    for p in patterns:
        if isinstance(p, URLResolver):
            ns = (*namespaces, p.namespace) if p.namespace else namespaces
            yield from walk(p.url_patterns, ns)
        elif isinstance(p, URLPattern):
            yield namespaces, p


def test_every_url_declares_an_access_rule():
    missing = []
    count = 0
    for namespaces, pattern in walk(get_resolver().url_patterns):
        if set(namespaces) & SELF_GUARDED_NAMESPACES:
            continue
        count += 1
        if rule_of(pattern.callback) is None:
            missing.append(f"{':'.join(namespaces)}:{pattern.name} ({pattern.pattern})")
    assert count > 10
    assert not missing, f"URLs without an access rule: {missing}"


@pytest.mark.django_db
def test_a_view_without_a_rule_is_refused(rf):
    from django.core.exceptions import PermissionDenied
    from django.http import HttpResponse

    from shequtong.common.access import AccessRuleMiddleware

    def bare(request):
        return HttpResponse("secret")

    request = rf.get("/x")
    request.user = make_user()
    request.resolver_match = None
    with pytest.raises(PermissionDenied):
        AccessRuleMiddleware(lambda r: HttpResponse())(request) and AccessRuleMiddleware(bare).process_view(request, bare, (), {})


@pytest.mark.django_db
def test_anonymous_users_are_sent_to_login(client):
    response = client.get("/manage/")
    assert response.status_code == 302 and response.url.startswith(reverse("accounts:login"))


@pytest.mark.django_db
def test_capability_pages_refuse_users_without_it(client, tree):
    resident = make_with_role(Role.RESIDENT, tree.comm_a1)
    client.force_login(resident)
    for name in ("web:observe", "web:data", "accounts:reviews", "accounts:grants"):
        assert client.get(reverse(name)).status_code == 403, name


def _declared_rules():  # type: ignore[no-untyped-def]
    """{row key without its [A]/[B]: the access rule its view or operation declares}."""
    from shequtong.api.rules import operations
    from shequtong.api.v1 import api

    from . import authorisation_matrix as table

    by_name = {}
    for namespaces, pattern in walk(get_resolver().url_patterns):
        if set(namespaces) & SELF_GUARDED_NAMESPACES:
            continue
        by_name[f"{':'.join(namespaces)}:{pattern.name}"] = rule_of(pattern.callback)
    for prefix, router in api._routers:
        for method, path, op in operations(router):
            by_name[f"{method} /api/v1/{prefix.strip('/')}{path}"] = rule_of(op.view_func)
    rules = {}
    for key in table.TABLE:
        bare = key.split("[")[0]
        page = bare.split(" ", 1)[1]
        rules[key] = by_name.get(bare, by_name.get(page))
    return rules



# Public pages whose success sends a signed-out visitor to the login page on purpose (not a refusal):
# the 长辈模式 switch on the login page sets its cookie and returns there (issue 14).
RETURNS_TO_LOGIN = frozenset({"POST accounts:elder_mode"})


@pytest.mark.django_db
def test_the_declared_rules_hold_in_the_authorisation_matrix(cast):
    """The matrix (test_authorisation_matrix.py) checks the table against what the code answers;
    this checks the table against what each URL and operation declares: anonymous callers are
    sent to log in (pages) or get 401 (API) unless the rule is public, and a caller without any
    of a rule's capabilities gets 403, whatever the object."""
    from shequtong.accounts import scope

    from . import authorisation_matrix as table

    wrong = []
    for key, rule in _declared_rules().items():
        if key.split()[1].startswith("api:"):
            continue  # django-ninja's own schema and docs pages (public in the table)
        assert rule is not None, f"{key}: no declared rule found"
        api = " /api/" in key
        anonymous = table.expected(key, "anonymous")
        if rule.public:
            # (A public page may still refuse for its own reason: the grid callback's signature answers 401.)
            if anonymous == (401 if api else "login") and key not in RETURNS_TO_LOGIN:
                wrong.append(f"{key}: public, yet anonymous gets {anonymous}")
            continue
        if anonymous != (401 if api else "login"):
            wrong.append(f"{key}: {rule.description}, yet anonymous gets {anonymous}")
        for name, user in cast.members().items():
            if user is None or not rule.capabilities:
                continue
            if not any(scope.has_capability(user, c) for c in rule.capabilities) and table.expected(key, name) != 403:
                wrong.append(f"{key}: {rule.description}, yet {name} (without it) gets {table.expected(key, name)}")
    assert not wrong, "\n".join(wrong)


@pytest.mark.django_db
def test_a_signed_in_view_gets_the_user_itself_and_a_public_one_loads_nobody(rf):
    """After the rule has loaded the user, request.user is the user, not Django's lazy proxy
    (every read through the proxy raised and caught an AttributeError); a public view's stays lazy."""
    from django.http import HttpResponse
    from django.utils.functional import SimpleLazyObject

    from shequtong.common import access

    user = make_user()
    loads = []

    def lazy_user(request):
        request.user = SimpleLazyObject(lambda: loads.append(1) or user)

    @access.login
    def signed_in(request):
        return HttpResponse()

    @access.public
    def open_to_all(request):
        return HttpResponse()

    middleware = access.AccessRuleMiddleware(lambda r: HttpResponse())
    request = rf.get("/")
    lazy_user(request)
    assert middleware.process_view(request, signed_in, (), {}) is None
    assert type(request.user) is type(user) and request.user == user and loads == [1]
    request = rf.get("/")
    lazy_user(request)
    assert middleware.process_view(request, open_to_all, (), {}) is None
    assert isinstance(request.user, SimpleLazyObject) and loads == [1]
