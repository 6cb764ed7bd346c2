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
