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
