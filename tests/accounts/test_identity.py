"""The identity cache (accounts/identity.py): fewer queries, never stale after a change, no clear personal data."""

from __future__ import annotations

import pickle

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext, override_settings
from django.urls import reverse

from shequtong.accounts import identity, services
from shequtong.accounts.models import RoleGrant
from shequtong.accounts.roles import Role

from ..factories import make_with_role

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("cached")]


@pytest.fixture
def cached():  # type: ignore[no-untyped-def]
    with override_settings(IDENTITY_CACHE_SECONDS=300):
        yield


def _queries(client, url):  # type: ignore[no-untyped-def]
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    return response, [q["sql"] for q in ctx.captured_queries]


def _identity_queries(sqls: list[str]) -> list[str]:
    return [s for s in sqls if 'FROM "accounts_user"' in s or 'FROM "accounts_rolegrant"' in s]


def test_second_request_reads_user_and_grants_from_the_cache(client, tree):
    staff = make_with_role(Role.COMMITTEE_STAFF, tree.comm_a1)
    client.force_login(staff)
    first, sqls1 = _queries(client, reverse("cases:list"))
    second, sqls2 = _queries(client, reverse("cases:list"))
    assert first.status_code == second.status_code == 200
    assert len(_identity_queries(sqls1)) == 2  # the user row and the grants
    assert _identity_queries(sqls2) == []
    assert second.wsgi_request.user.pk == staff.pk


def test_a_revoked_grant_takes_effect_on_the_next_request(client, tree):
    admin = make_with_role(Role.SYSADMIN)
    staff = make_with_role(Role.COMMITTEE_STAFF, tree.comm_a1)
    client.force_login(staff)
    assert client.get(reverse("cases:list")).status_code == 200  # cached now
    grant = RoleGrant.objects.get(user=staff, role=Role.COMMITTEE_STAFF)
    services.revoke_role(actor=admin, grant_id=grant.pk)
    assert client.get(reverse("cases:list")).status_code == 403


def test_a_grant_changed_behind_the_services_back_still_invalidates(client, tree):
    staff = make_with_role(Role.COMMITTEE_STAFF, tree.comm_a1)
    client.force_login(staff)
    assert client.get(reverse("cases:list")).status_code == 200
    RoleGrant.objects.filter(user=staff).delete()  # per-object post_delete signals
    assert client.get(reverse("cases:list")).status_code == 403


def test_deactivating_a_user_ends_their_cached_session(client, tree):
    staff = make_with_role(Role.COMMITTEE_STAFF, tree.comm_a1)
    client.force_login(staff)
    assert client.get(reverse("cases:list")).status_code == 200
    staff.is_active = False
    staff.save()
    response = client.get(reverse("cases:list"))
    assert response.status_code == 302 and reverse("accounts:login") in response["Location"]


def test_a_password_change_ends_other_sessions(client, tree):
    from django.test import Client

    staff = make_with_role(Role.COMMITTEE_STAFF, tree.comm_a1)
    other = Client()
    other.force_login(staff)
    assert other.get(reverse("cases:list")).status_code == 200
    staff.set_password("Another#Pass2026")
    staff.save()
    response = other.get(reverse("cases:list"))
    assert response.status_code == 302


def test_the_cache_holds_no_clear_id_number_or_phone(client, tree):
    staff = make_with_role(Role.COMMITTEE_STAFF, tree.comm_a1)
    id_number, phone = staff.id_number, staff.phone
    client.force_login(staff)
    client.get(reverse("cases:list"))
    raw = pickle.dumps(cache.get(identity._key(staff.pk)))
    assert id_number.encode() not in raw and phone.encode() not in raw
    # Reading them still works: deferred fields load from the database.
    user = identity.load(staff.pk)
    assert user is not None and user.phone == phone


def test_without_a_shared_cache_nothing_is_cached(client, tree):
    staff = make_with_role(Role.COMMITTEE_STAFF, tree.comm_a1)
    client.force_login(staff)
    with override_settings(IDENTITY_CACHE_SECONDS=0):
        client.get(reverse("cases:list"))
        assert cache.get(identity._key(staff.pk)) is None
        _, sqls = _queries(client, reverse("cases:list"))
        assert len(_identity_queries(sqls)) == 2
