"""The demo district has the specification's shape (PC-1) and the demo logins."""

import pytest
from django.core.management import call_command

from shequtong.accounts import scope
from shequtong.accounts.models import RoleGrant, User
from shequtong.accounts.roles import Role
from shequtong.common.idcard import parse_id_number
from shequtong.places.models import Community, CommunityStats, Estate, Subdistrict

pytestmark = pytest.mark.django_db

DEMO = {
    "demo-resident": "resident", "demo-villager": "resident", "demo-staff": "committee",
    "demo-secretary": "committee", "demo-subdistrict": "observer", "demo-district": "observer",
    "demo-rural-admin": "observer", "demo-org": "committee", "demo-center": "observer",
    "demo-police": "committee", "demo-doctor": "committee", "demo-property": "committee",
}


def test_seed_demo_builds_the_district(client):
    call_command("seed_demo", residents=200)
    assert Subdistrict.objects.count() == 13
    assert Community.objects.filter(kind="urban").count() == 465
    assert Community.objects.filter(kind="rural").count() == 103
    assert Estate.objects.count() == 788
    assert {s.name for s in Subdistrict.objects.all()} >= {"友谊路街道", "罗泾镇", "宝山工业园区"}
    # Synthetic residents have checksum-valid ID numbers and rollups match the grants.
    for user in User.objects.filter(username__startswith="r")[:50]:
        parse_id_number(user.id_number)
    assert sum(CommunityStats.objects.values_list("residents", flat=True)) == RoleGrant.objects.filter(role=Role.RESIDENT).count()
    for username, version in DEMO.items():
        user = User.objects.get(username=username)
        assert scope.current_version(user) == version, username
        response = client.post("/accounts/login/", {"username": username, "password": "Demo@2026"})
        assert response.status_code == 302, username
        assert client.get("/").status_code == 200
        client.post("/accounts/logout/")
    resident = User.objects.get(username="demo-resident")
    assert scope.home_community(resident).subdistrict.name == "友谊路街道"
    assert scope.home_community(User.objects.get(username="demo-villager")).kind == "rural"
    secretary = User.objects.get(username="demo-secretary")
    assert scope.work_community(secretary) == scope.home_community(resident)
    # Login by phone works for demo accounts too.
    assert client.post("/accounts/login/", {"username": resident.phone, "password": "Demo@2026"}).status_code == 302


def test_seed_demo_refuses_a_loaded_database_unless_if_empty():
    call_command("seed_demo", residents=0)
    call_command("seed_demo", residents=0, if_empty=True)
    from django.core.management.base import CommandError

    with pytest.raises(CommandError):
        call_command("seed_demo", residents=0)


def test_demo_staff_log_in_with_the_published_second_factor(client, settings):
    """`make run` turns the second factor on: demo staff pass it with the secret demo_logins prints."""
    from io import StringIO

    from shequtong.demo.otp import DEMO_TOTP_SECRET, current_code

    settings.MFA_REQUIRED_FOR_STAFF = True
    call_command("seed_demo", residents=0)
    out = StringIO()
    call_command("demo_logins", stdout=out)
    assert DEMO_TOTP_SECRET in out.getvalue() and "demo_otp" in out.getvalue()

    assert client.post("/accounts/login/", {"username": "demo-secretary", "password": "Demo@2026"}).status_code == 302
    assert client.get("/")["Location"].startswith("/accounts/otp/")
    code = StringIO()
    call_command("demo_otp", stdout=code)
    assert code.getvalue().strip() == current_code()
    assert client.post("/accounts/otp/", {"token": current_code()}).status_code == 302
    assert client.get("/").status_code == 200

    # Residents have no second factor.
    client.logout()
    client.post("/accounts/login/", {"username": "demo-resident", "password": "Demo@2026"})
    assert client.get("/").status_code == 200
