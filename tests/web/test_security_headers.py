"""NF-4 baseline visible on every response: CSP, framing, CSRF on forms, API docs offline."""

import pytest

pytestmark = pytest.mark.django_db


def test_content_security_policy_forbids_inline_and_foreign_scripts(client):
    response = client.get("/accounts/login/")
    csp = response["Content-Security-Policy"]
    assert "script-src 'self'" in csp
    assert "unsafe-inline" not in csp
    assert "frame-ancestors 'none'" in csp
    assert response["X-Frame-Options"] == "DENY"


def test_pages_carry_no_inline_script(client):
    html = client.get("/accounts/login/").content.decode()
    assert "<script>" not in html
    assert 'name="csrfmiddlewaretoken"' in html


def test_login_post_without_csrf_token_is_refused():
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    response = strict.post("/accounts/login/", {"username": "x", "password": "y"})
    assert response.status_code == 403


def test_api_docs_are_served_from_local_static_files(client):
    html = client.get("/api/v1/docs").content.decode()
    assert "ninja/swagger-ui-bundle.js" in html
    assert "cdn" not in html.lower()


def test_the_kept_policy_is_django_csp_s_own(client, settings):
    """common/csp.py builds the header once: it must be exactly what django-csp builds per response."""
    from csp.utils import build_policy

    assert client.get("/accounts/login/")["Content-Security-Policy"] == build_policy()
    settings.CONTENT_SECURITY_POLICY = {"DIRECTIVES": {"default-src": ["'self'"], "img-src": ["'self'", "data:"]}}
    changed = client.get("/accounts/login/")["Content-Security-Policy"]
    assert changed == build_policy()  # django-csp's directive order follows a set: compare with its own
    assert sorted(changed.split("; ")) == ["default-src 'self'", "img-src 'self' data:"]
    settings.CONTENT_SECURITY_POLICY_REPORT_ONLY = {"DIRECTIVES": {"default-src": ["'none'"]},
                                                    "EXCLUDE_URL_PREFIXES": ["/healthz"]}
    response = client.get("/accounts/login/")
    assert response["Content-Security-Policy-Report-Only"] == "default-src 'none'"
    assert "Content-Security-Policy-Report-Only" not in client.get("/healthz")


@pytest.mark.parametrize("configured_nonce", [False, True])
def test_a_view_s_own_policy_and_a_nonce_still_go_through_django_csp(rf, settings, configured_nonce):
    """A decorated view, or a template using a nonce, gets exactly the header django-csp alone gives."""
    from csp.constants import NONCE
    from csp.decorators import csp_update
    from csp.middleware import CSPMiddleware as DjangoCSPMiddleware
    from django.http import HttpResponse

    from shequtong.common.csp import CSPMiddleware

    if configured_nonce:
        settings.CONTENT_SECURITY_POLICY = {"DIRECTIVES": {"default-src": ["'self'"], "script-src": ["'self'", NONCE]}}

    @csp_update({"img-src": ["https://tiles.example"]})
    def with_tiles(request):
        return HttpResponse("ok")

    def with_nonce(request):
        return HttpResponse(f"<script nonce='{request.csp_nonce}'></script>")

    def plain(request):
        return HttpResponse("ok")

    def header(middleware_class, view):
        request = rf.get("/")
        middleware = middleware_class(view)
        middleware.process_request(request)
        policy = middleware.process_response(request, view(request))["Content-Security-Policy"]
        return policy.replace(getattr(request, "_csp_nonce", None) or "-", "N")

    for view in (with_tiles, with_nonce, plain):
        assert header(CSPMiddleware, view) == header(DjangoCSPMiddleware, view)
    assert "https://tiles.example" in header(CSPMiddleware, with_tiles)
    assert ("'nonce-N'" in header(CSPMiddleware, with_nonce)) is configured_nonce
