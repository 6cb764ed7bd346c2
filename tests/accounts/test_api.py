"""/api/v1/accounts: member reviews and role grants declare the pages' capabilities."""

import pytest

from shequtong.accounts import services
from shequtong.accounts.models import Membership, RoleGrant
from shequtong.accounts.roles import Role

from ..factories import grant, make_user, make_with_role

pytestmark = pytest.mark.django_db
JSON = "application/json"


def test_reviews_need_the_review_capability_like_the_page(client, tree):
    m = services.request_membership(actor=make_user(), community_id=tree.comm_a1.pk)
    client.force_login(make_with_role(Role.RESIDENT, tree.comm_a1))
    assert client.get("/api/v1/accounts/reviews").status_code == 403
    response = client.post(f"/api/v1/accounts/reviews/{m.pk}", {"approve": True}, content_type=JSON)
    assert response.status_code == 403 and response.json()["code"] == "forbidden"
    m.refresh_from_db()
    assert m.status == Membership.Status.PENDING


def test_grants_need_the_grant_capability_like_the_page(client, tree):
    g = grant(make_user(), Role.COMMITTEE_STAFF, tree.comm_a1)
    client.force_login(make_with_role(Role.COMMITTEE_STAFF, tree.comm_a1))
    assert client.get("/api/v1/accounts/grants").status_code == 403
    assert client.delete(f"/api/v1/accounts/grants/{g.pk}").status_code == 403
    response = client.post("/api/v1/accounts/grants", {"user": make_user().username, "role": "committee_staff",
                                                       "community_id": tree.comm_a1.pk}, content_type=JSON)
    assert response.status_code == 403
    assert RoleGrant.objects.filter(pk=g.pk).exists()


def test_revoking_a_grant_outside_the_scope_is_not_found(client, tree):
    g = grant(make_user(), Role.COMMITTEE_STAFF, tree.comm_a1)
    client.force_login(make_with_role(Role.COMMITTEE_SECRETARY, tree.comm_b1))
    response = client.delete(f"/api/v1/accounts/grants/{g.pk}")
    assert response.status_code == 404 and response.json()["code"] == "not_found"
    assert RoleGrant.objects.filter(pk=g.pk).exists()


def test_joining_through_the_api_checks_the_estate(client, tree):
    client.force_login(make_user())
    response = client.post("/api/v1/accounts/memberships", {"community_id": tree.comm_a1.pk,
                                                            "estate_id": tree.estate(tree.comm_b1).pk}, content_type=JSON)
    assert response.status_code == 400 and response.json()["field"] == "estate"
    response = client.post("/api/v1/accounts/memberships", {"community_id": 999999}, content_type=JSON)
    assert response.status_code == 400 and response.json()["field"] == "community_id"
    assert not Membership.objects.exists()
