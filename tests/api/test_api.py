"""/api/v1: auth by default, one error format, scoped tokens, jurisdiction."""

import json

import pytest

from shequtong.accounts import services
from shequtong.accounts.roles import Role
from shequtong.api.v1 import api

from ..conftest import last_sms_code
from ..factories import make_user, make_with_role

pytestmark = pytest.mark.django_db

# Operations that are deliberately public (registration and place names).
PUBLIC_OPERATIONS = {
    "POST /accounts/sms-codes", "POST /accounts/register", "POST /accounts/captchas",
    "GET /places/subdistricts", "GET /places/subdistricts/{subdistrict_id}/communities",
    "GET /places/communities/{community_id}/estates",
}


def _operations():
    for prefix, router in api._routers:
        for path, path_view in router.path_operations.items():
            for op in path_view.operations:
                for method in op.methods:
                    yield method, "/" + (prefix.strip("/") + path).strip("/"), op


def test_every_operation_requires_auth_unless_listed_public(client):
    """Anonymous requests to every non-public operation get 401 (a real request each)."""
    public = set()
    checked = 0
    for method, path, op in _operations():
        key = f"{method} {path}"
        if op.auth_param is None:
            public.add(key)
            continue
        url = "/api/v1" + path.replace("{", "").replace("}", "")
        for name in ("subdistrict_id", "community_id", "membership_id", "grant_id"):
            url = url.replace(name, "1")
        response = client.generic(method, url, "{}", content_type="application/json")
        assert response.status_code == 401, key
        checked += 1
    assert checked >= 8
    assert public == PUBLIC_OPERATIONS


def test_anonymous_gets_401_in_the_error_format(client):
    response = client.get("/api/v1/accounts/me")
    assert response.status_code == 401
    assert response.json() == {"code": "unauthorized", "message": "请先登录或提供有效的访问令牌", "field": None}


def test_session_auth_and_masked_me(client, tree):
    user = make_with_role(Role.RESIDENT, tree.comm_a1)
    client.force_login(user)
    data = client.get("/api/v1/accounts/me").json()
    assert data["masked_phone"] == user.masked_phone
    assert user.phone not in json.dumps(data)
    assert data["versions"] == ["resident"]


def test_register_via_api_refuses_bad_checksum_with_code(client, tree):
    client.post("/api/v1/accounts/sms-codes", {"phone": "13912345678"}, content_type="application/json")
    response = client.post("/api/v1/accounts/register", {
        "username": "apiuser", "real_name": "王小红", "id_number": "110105194912310021", "phone": "13912345678",
        "sms_code": last_sms_code(), "password": "Good#pass1",
    }, content_type="application/json")
    assert response.status_code == 400
    assert response.json()["code"] == "invalid" and response.json()["field"] == "id_number"


def test_bearer_token_read_scope_cannot_write(client, tree):
    secretary = make_with_role(Role.COMMITTEE_SECRETARY, tree.comm_a1)
    _, key = services.create_api_token(actor=secretary, name="integration", token_scope="read")
    headers = {"HTTP_AUTHORIZATION": f"Bearer {key}"}
    assert client.get("/api/v1/accounts/reviews", **headers).status_code == 200
    m = services.request_membership(actor=make_user(), community_id=tree.comm_a1.pk)
    response = client.post(f"/api/v1/accounts/reviews/{m.pk}", {"approve": True}, content_type="application/json", **headers)
    assert response.status_code == 401
    m.refresh_from_db()
    assert m.status == "pending"


def test_write_token_reviews_inside_scope_only(client, tree):
    secretary = make_with_role(Role.COMMITTEE_SECRETARY, tree.comm_a1)
    _, key = services.create_api_token(actor=secretary, name="integration", token_scope="write")
    headers = {"HTTP_AUTHORIZATION": f"Bearer {key}"}
    mine = services.request_membership(actor=make_user(), community_id=tree.comm_a1.pk)
    theirs = services.request_membership(actor=make_user(), community_id=tree.comm_b1.pk)
    listed = client.get("/api/v1/accounts/reviews", **headers).json()
    assert [r["id"] for r in listed] == [mine.pk]
    response = client.post(f"/api/v1/accounts/reviews/{theirs.pk}", {"approve": True}, content_type="application/json", **headers)
    assert response.status_code == 404 and response.json()["code"] == "not_found"
    ok = client.post(f"/api/v1/accounts/reviews/{mine.pk}", {"approve": True}, content_type="application/json", **headers)
    assert ok.status_code == 200 and ok.json()["status"] == "approved"


def test_grant_outside_scope_via_api_is_forbidden(client, tree):
    secretary = make_with_role(Role.COMMITTEE_SECRETARY, tree.comm_a1)
    target = make_user()
    client.force_login(secretary)
    response = client.post("/api/v1/accounts/grants", {"user": target.username, "role": "committee_staff",
                                                       "community_id": tree.comm_b1.pk}, content_type="application/json")
    assert response.status_code == 403 and response.json()["code"] == "forbidden"
    assert not target.role_grants.exists()


def test_validation_errors_use_the_format(client, tree):
    user = make_with_role(Role.RESIDENT, tree.comm_a1)
    client.force_login(user)
    response = client.post("/api/v1/accounts/memberships", {"community_id": "abc"}, content_type="application/json")
    assert response.status_code == 422 and response.json()["code"] == "invalid"


def test_openapi_docs_are_served(client):
    assert client.get("/api/v1/openapi.json").status_code == 200
