"""Roles and scope (PC-3): grants inherit down the tree; nobody acts above their scope."""

import pytest

from shequtong.accounts import scope, selectors, services
from shequtong.accounts.models import AuditEvent, RoleGrant
from shequtong.accounts.roles import Role
from shequtong.common.errors import NotFound, PermissionRefused, ValidationFailed
from shequtong.places.models import Community

from ..factories import grant, make_user, make_with_role

pytestmark = pytest.mark.django_db


def test_subdistrict_grant_covers_its_communities_only(tree):
    observer = make_with_role(Role.SUBDISTRICT_OBSERVER, tree.sub_a)
    s = scope.scope_for(observer, "observe")
    assert set(s.communities()) == {tree.comm_a1, tree.comm_a2}
    assert s.covers_community(tree.comm_a2)
    assert not s.covers_community(tree.comm_b1)


def test_district_grant_covers_everything(tree):
    observer = make_with_role(Role.DISTRICT_OBSERVER)
    assert set(scope.scope_for(observer, "observe").communities()) == set(Community.objects.all())


def test_no_grant_means_empty_scope(tree):
    user = make_user()
    s = scope.scope_for(user, "observe")
    assert s.is_empty and list(s.communities()) == []


def test_scope_filter_on_a_queryset_with_a_community_field(tree):
    observer = make_with_role(Role.SUBDISTRICT_OBSERVER, tree.sub_b)
    res_a = make_with_role(Role.RESIDENT, tree.comm_a1)
    res_b = make_with_role(Role.RESIDENT, tree.comm_b1)
    grants = scope.scope_for(observer, "observe").filter(RoleGrant.objects.filter(role=Role.RESIDENT))
    assert {g.user for g in grants} == {res_b}
    assert res_a not in {g.user for g in grants}


def test_secretary_grants_inside_their_community(tree):
    secretary = make_with_role(Role.COMMITTEE_SECRETARY, tree.comm_a1)
    target = make_user()
    g = services.grant_role(actor=secretary, user=target, role=Role.COMMITTEE_STAFF, community=tree.comm_a1)
    assert g.community == tree.comm_a1 and g.subdistrict == tree.sub_a
    assert scope.has_capability(target, "committee")
    assert AuditEvent.objects.filter(action="role_grant", actor=secretary).exists()


def test_secretary_cannot_grant_in_another_community(tree):
    secretary = make_with_role(Role.COMMITTEE_SECRETARY, tree.comm_a1)
    with pytest.raises(PermissionRefused):
        services.grant_role(actor=secretary, user=make_user(), role=Role.COMMITTEE_STAFF, community=tree.comm_b1)
    assert not RoleGrant.objects.filter(community=tree.comm_b1).exists()


def test_secretary_cannot_grant_above_their_level(tree):
    secretary = make_with_role(Role.COMMITTEE_SECRETARY, tree.comm_a1)
    with pytest.raises(PermissionRefused):
        services.grant_role(actor=secretary, user=make_user(), role=Role.SUBDISTRICT_OBSERVER, subdistrict=tree.sub_a)
    with pytest.raises(PermissionRefused):
        services.grant_role(actor=secretary, user=make_user(), role=Role.COMMITTEE_SECRETARY, community=tree.comm_a1)


def test_subdistrict_admin_grants_in_their_subdistrict_not_elsewhere(tree):
    observer = make_with_role(Role.SUBDISTRICT_OBSERVER, tree.sub_a)
    services.grant_role(actor=observer, user=make_user(), role=Role.COMMITTEE_SECRETARY, community=tree.comm_a2)
    with pytest.raises(PermissionRefused):
        services.grant_role(actor=observer, user=make_user(), role=Role.COMMITTEE_SECRETARY, community=tree.comm_b1)
    with pytest.raises(PermissionRefused):
        services.grant_role(actor=observer, user=make_user(), role=Role.DISTRICT_OBSERVER)


def test_district_admin_grants_everywhere(tree):
    admin = make_with_role(Role.SYSADMIN)
    services.grant_role(actor=admin, user=make_user(), role=Role.SUBDISTRICT_OBSERVER, subdistrict=tree.sub_b)
    services.grant_role(actor=admin, user=make_user(), role=Role.DISTRICT_OBSERVER)


def test_role_level_must_fit_the_place(tree):
    admin = make_with_role(Role.SYSADMIN)
    with pytest.raises(ValidationFailed):
        services.grant_role(actor=admin, user=make_user(), role=Role.COMMITTEE_STAFF, subdistrict=tree.sub_a)
    with pytest.raises(ValidationFailed):
        services.grant_role(actor=admin, user=make_user(), role=Role.SUBDISTRICT_OBSERVER, community=tree.comm_a1)


def test_revoke_inside_scope_only(tree):
    secretary_a = make_with_role(Role.COMMITTEE_SECRETARY, tree.comm_a1)
    secretary_b = make_with_role(Role.COMMITTEE_SECRETARY, tree.comm_b1)
    staff = make_user()
    g = grant(staff, Role.COMMITTEE_STAFF, tree.comm_a1)
    with pytest.raises(NotFound):
        services.revoke_role(actor=secretary_b, grant_id=g.pk)
    assert RoleGrant.objects.filter(pk=g.pk).exists()
    services.revoke_role(actor=secretary_a, grant_id=g.pk)
    assert not RoleGrant.objects.filter(pk=g.pk).exists()
    assert AuditEvent.objects.filter(action="role_revoke").exists()


def test_grants_list_is_scoped(tree):
    secretary = make_with_role(Role.COMMITTEE_SECRETARY, tree.comm_a1)
    mine = grant(make_user(), Role.COMMITTEE_STAFF, tree.comm_a1)
    theirs = grant(make_user(), Role.COMMITTEE_STAFF, tree.comm_b1)
    listed = set(selectors.grants_manageable_by(secretary))
    assert mine in listed and theirs not in listed


def test_versions_and_switching(tree):
    user = make_with_role(Role.RESIDENT, tree.comm_a1)
    grant(user, Role.COMMITTEE_STAFF, tree.comm_a1)
    grant(user, Role.PARTY_MEMBER, tree.comm_a1)
    assert scope.versions_of(user) == ["resident", "committee"]
    assert scope.current_version(user) == "committee"  # work version first
    services.switch_version(actor=user, version="resident")
    assert scope.current_version(user) == "resident"
    with pytest.raises(PermissionRefused):
        services.switch_version(actor=user, version="observer")


def test_reveal_is_logged_and_scoped(tree):
    resident = make_with_role(Role.RESIDENT, tree.comm_a1)
    secretary_a = make_with_role(Role.COMMITTEE_SECRETARY, tree.comm_a1)
    secretary_b = make_with_role(Role.COMMITTEE_SECRETARY, tree.comm_b1)
    data = services.reveal_personal_data(actor=secretary_a, subject_id=resident.pk)
    assert data["id_number"] == resident.id_number
    assert AuditEvent.objects.filter(action="reveal", actor=secretary_a, target_id=str(resident.pk)).exists()
    with pytest.raises(NotFound):
        services.reveal_personal_data(actor=secretary_b, subject_id=resident.pk)
    assert not AuditEvent.objects.filter(action="reveal", actor=secretary_b).exists()


def test_audit_log_is_append_only(tree):
    from django.db import DatabaseError, connection, transaction

    user = make_user()
    event = services.audit.record("login", actor=user)
    with pytest.raises(RuntimeError):
        event.save()
    with pytest.raises(RuntimeError):
        event.delete()
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cur:
        cur.execute("UPDATE accounts_auditevent SET action = 'export' WHERE id = %s", [event.pk])


def test_an_everything_scope_stays_everything_when_or_ed_with_an_empty_one(tree):
    """``Q(x) | Q()`` is ``Q(x)`` in Django: the scope's Q for 'everything' must not be an empty Q."""
    observer = make_with_role(Role.DISTRICT_OBSERVER)
    make_with_role(Role.RESIDENT, tree.comm_a1)
    make_with_role(Role.RESIDENT, tree.comm_b1)
    nobody = scope.scope_for(make_user(), "observe").q("community")
    everything = scope.scope_for(observer, "observe").q("community")
    every_grant = set(RoleGrant.objects.all())
    assert set(RoleGrant.objects.filter(nobody | everything)) == every_grant
    assert set(RoleGrant.objects.filter(everything | nobody)) == every_grant
    assert "WHERE" not in str(RoleGrant.objects.filter(everything).query)
