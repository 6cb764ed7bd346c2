"""accounts.policies: who may act on a join request and on a role grant (the one rule)."""

import pytest

from shequtong.accounts import services
from shequtong.accounts.models import Membership, RoleGrant
from shequtong.accounts.policies import access_grant, access_membership
from shequtong.accounts.roles import Role
from shequtong.common.errors import NotFound, ValidationFailed

from ..factories import grant, make_user, make_with_role

pytestmark = pytest.mark.django_db


def _refusal(fn, actor, pk):  # type: ignore[no-untyped-def]
    with pytest.raises(NotFound) as exc:
        fn(actor, pk)
    return exc.value.code, exc.value.message, exc.value.status


# --- join requests -------------------------------------------------------------------------------

def test_membership_inside_the_scope_comes_with_its_access(tree):
    applicant = make_user()
    m = services.request_membership(actor=applicant, community_id=tree.comm_a1.pk)
    for reviewer in (make_with_role(Role.COMMITTEE_SECRETARY, tree.comm_a1), make_with_role(Role.COMMITTEE_STAFF, tree.comm_a1)):
        membership, access = access_membership(reviewer, m.pk)
        assert membership == m and access.is_reviewer and access.can_review and not access.is_applicant
    _, own = access_membership(applicant, m.pk)
    assert own.is_applicant and own.can_view and not own.can_review


def test_membership_outside_the_scope_and_missing_are_the_same_not_found(tree):
    m = services.request_membership(actor=make_user(), community_id=tree.comm_a1.pk)
    missing = Membership.objects.order_by("-pk").first().pk + 1000
    outsiders = (make_with_role(Role.COMMITTEE_SECRETARY, tree.comm_b1), make_with_role(Role.COMMITTEE_STAFF, tree.comm_a2),
                 make_with_role(Role.RESIDENT, tree.comm_a1), make_user())
    refusals = {_refusal(access_membership, user, m.pk) for user in outsiders}
    secretary = make_with_role(Role.COMMITTEE_SECRETARY, tree.comm_a1)
    assert refusals == {_refusal(access_membership, secretary, missing)} == {
        ("not_found", "该申请不存在或不在您的管辖范围内", 404)}


def test_a_reviewed_membership_is_not_reviewed_again(tree):
    secretary = make_with_role(Role.COMMITTEE_SECRETARY, tree.comm_a1)
    m = services.request_membership(actor=make_user(), community_id=tree.comm_a1.pk)
    services.review_membership(actor=secretary, membership_id=m.pk, approve=True)
    _, access = access_membership(secretary, m.pk)
    assert access.can_view and not access.can_review


def test_the_applicant_does_not_review_their_own_request(tree):
    applicant = make_user()
    m = services.request_membership(actor=applicant, community_id=tree.comm_a1.pk)
    with pytest.raises(NotFound):
        services.review_membership(actor=applicant, membership_id=m.pk, approve=True)
    m.refresh_from_db()
    assert m.status == Membership.Status.PENDING


# --- role grants --------------------------------------------------------------------------------

def test_grant_inside_the_scope_comes_with_its_access(tree):
    g = grant(make_user(), Role.COMMITTEE_STAFF, tree.comm_a1)
    for manager in (make_with_role(Role.COMMITTEE_SECRETARY, tree.comm_a1), make_with_role(Role.SUBDISTRICT_OBSERVER, tree.sub_a),
                    make_with_role(Role.SYSADMIN)):
        found, access = access_grant(manager, g.pk)
        assert found == g and access.can_manage and access.can_revoke and not access.is_holder


def test_grant_outside_the_scope_and_missing_are_the_same_not_found(tree):
    g = grant(make_user(), Role.COMMITTEE_STAFF, tree.comm_a1)
    missing = RoleGrant.objects.order_by("-pk").first().pk + 1000
    outsiders = (make_with_role(Role.COMMITTEE_SECRETARY, tree.comm_b1), make_with_role(Role.SUBDISTRICT_OBSERVER, tree.sub_b),
                 make_with_role(Role.COMMITTEE_STAFF, tree.comm_a1), make_with_role(Role.RESIDENT, tree.comm_a1))
    refusals = {_refusal(access_grant, user, g.pk) for user in outsiders}
    secretary = make_with_role(Role.COMMITTEE_SECRETARY, tree.comm_a1)
    assert refusals == {_refusal(access_grant, secretary, missing)} == {
        ("not_found", "该授权不存在或不在您的管辖范围内", 404)}


def test_a_secretary_manages_the_roles_below_theirs_only(tree):
    secretary = make_with_role(Role.COMMITTEE_SECRETARY, tree.comm_a1)
    peer = grant(make_user(), Role.COMMITTEE_SECRETARY, tree.comm_a1)
    with pytest.raises(NotFound):
        access_grant(secretary, peer.pk)


def test_an_administrator_keeps_their_own_administrator_role(tree):
    admin = make_with_role(Role.SYSADMIN)
    own = RoleGrant.objects.get(user=admin, role=Role.SYSADMIN)
    _, access = access_grant(admin, own.pk)
    assert access.is_holder and access.can_manage and not access.can_revoke
    with pytest.raises(ValidationFailed):
        services.revoke_role(actor=admin, grant_id=own.pk)
    assert RoleGrant.objects.filter(pk=own.pk).exists()
