"""MLPS: staff and administrators sign in with a second factor (TOTP); residents do not."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_static.models import StaticToken

from shequtong.accounts.models import AuditEvent
from shequtong.accounts.models import EncryptedTOTPDevice as TOTPDevice
from shequtong.accounts.roles import Role

from ..factories import PASSWORD, make_tree, make_user, make_with_role

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _mfa_on(settings):
    settings.MFA_REQUIRED_FOR_STAFF = True


def code_for(device: TOTPDevice, *, offset: int = 0) -> str:
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits, drift=offset):06d}"


def log_in(client, user) -> None:
    response = client.post(reverse("accounts:login"), {"username": user.username, "password": PASSWORD})
    assert response.status_code == 302


def test_the_setting_is_on_outside_the_test_suite():
    import os
    import subprocess
    import sys

    env = {**os.environ, "DJANGO_DEBUG": "1", "SHEQUTONG_TESTING": "0", "SHEQUTONG_NO_DOTENV": "1"}
    env.pop("MFA_REQUIRED_FOR_STAFF", None)
    out = subprocess.run(  # noqa: S603
        [sys.executable, "-c", "from shequtong import settings; print(settings.MFA_REQUIRED_FOR_STAFF)"],
        env=env, capture_output=True, text=True, check=True,
    ).stdout
    assert out.strip() == "True"


def test_a_resident_needs_no_second_factor(client):
    tree = make_tree()
    resident = make_with_role(Role.RESIDENT, tree.comm_a1)
    log_in(client, resident)
    assert client.get(reverse("web:home")).status_code == 200


@pytest.mark.parametrize("role", [Role.COMMITTEE_STAFF, Role.COMMITTEE_SECRETARY, Role.DISTRICT_OBSERVER, Role.SYSADMIN])
def test_staff_without_a_device_must_enrol_before_anything_else(client, role):
    tree = make_tree()
    place = tree.comm_a1 if role in {Role.COMMITTEE_STAFF, Role.COMMITTEE_SECRETARY} else None
    staff = make_with_role(role, place)
    log_in(client, staff)
    response = client.get(reverse("web:home"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("accounts:otp_setup"))
    # The API answers with a code instead of a redirect.
    api = client.get("/api/v1/accounts/me")
    assert api.status_code == 403 and api.json()["code"] == "mfa_required"


def test_enrolment_shows_a_local_qr_code_and_the_secret_then_recovery_codes(client):
    staff = make_with_role(Role.COMMITTEE_STAFF, make_tree().comm_a1)
    log_in(client, staff)
    page = client.get(reverse("accounts:otp_setup"))
    html = page.content.decode()
    assert page.status_code == 200 and "<svg" in html and "绑定动态口令" in html
    assert "http" not in html.split('data-testid="otp-qr"')[1].split("</div>")[0].replace("http://www.w3.org", "")
    device = TOTPDevice.objects.get(user=staff, confirmed=False)
    secret = re.search(r'data-testid="otp-secret">([A-Z2-7 ]+)<', html).group(1)
    import base64

    assert base64.b32decode(secret.replace(" ", "") + "=" * (-len(secret.replace(" ", "")) % 8)) == device.bin_key

    wrong = client.post(reverse("accounts:otp_setup"), {"token": "000000" if code_for(device) != "000000" else "111111"})
    assert wrong.status_code == 200 and "动态口令不正确" in wrong.content.decode()

    done = client.post(reverse("accounts:otp_setup"), {"token": code_for(device)})
    codes = re.findall(r"<li><code>([a-z0-9]+)</code></li>", done.content.decode())
    assert len(codes) == 10 and "恢复码" in done.content.decode()
    device.refresh_from_db()
    assert device.confirmed
    assert client.get(reverse("web:home")).status_code == 200  # the session is verified
    assert AuditEvent.objects.filter(actor=staff, action="mfa_enrol").exists()


def enrolled_staff(tree=None):
    staff = make_with_role(Role.COMMITTEE_SECRETARY, (tree or make_tree()).comm_a1)
    device = TOTPDevice.objects.create(user=staff, name="动态口令", confirmed=True)
    return staff, device


def test_enrolled_staff_are_asked_for_a_code_at_login(client):
    staff, device = enrolled_staff()
    log_in(client, staff)
    response = client.get(reverse("web:home"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("accounts:otp_verify"))
    # Enrolling a new device over the old one needs the old one first.
    assert client.get(reverse("accounts:otp_setup"))["Location"] == reverse("accounts:otp_verify")

    bad = client.post(reverse("accounts:otp_verify"), {"token": "12345"})
    assert "动态口令不正确" in bad.content.decode()
    assert AuditEvent.objects.filter(actor=staff, action="mfa_failed").exists()
    device.refresh_from_db()
    device.throttle_reset()  # the failure above throttles the next attempt for a second

    ok = client.post(reverse("accounts:otp_verify") + "?next=/accounts/me/", {"token": code_for(device), "next": "/accounts/me/"})
    assert ok.status_code == 302 and ok["Location"] == "/accounts/me/"
    assert client.get(reverse("web:home")).status_code == 200
    event = AuditEvent.objects.get(actor=staff, action="mfa_verify")
    assert event.detail == {"method": "totp"}


def test_a_code_cannot_be_replayed_in_another_session(client):
    from django.test import Client

    staff, device = enrolled_staff()
    code = code_for(device)
    log_in(client, staff)
    assert client.post(reverse("accounts:otp_verify"), {"token": code}).status_code == 302
    other = Client()
    log_in(other, staff)
    again = other.post(reverse("accounts:otp_verify"), {"token": code})
    assert again.status_code == 200 and "动态口令不正确" in again.content.decode()


def test_a_recovery_code_works_once(client):
    from django.test import Client

    staff, _ = enrolled_staff()
    log_in(client, staff)
    client.post(reverse("accounts:otp_verify"), {"token": "x"})  # throttles TOTP; recovery codes have their own counter
    from shequtong.accounts import mfa

    codes = mfa.regenerate_recovery_codes(actor=staff)
    assert StaticToken.objects.filter(device__user=staff).count() == 10
    other = Client()
    log_in(other, staff)
    assert other.post(reverse("accounts:otp_verify"), {"token": codes[0]}).status_code == 302
    assert other.get(reverse("web:home")).status_code == 200
    assert StaticToken.objects.filter(device__user=staff).count() == 9
    third = Client()
    log_in(third, staff)
    assert third.post(reverse("accounts:otp_verify"), {"token": codes[0]}).status_code == 200


def test_recovery_codes_can_be_renewed_from_a_verified_session(client):
    staff, device = enrolled_staff()
    log_in(client, staff)
    client.post(reverse("accounts:otp_verify"), {"token": code_for(device)})
    page = client.post(reverse("accounts:otp_recovery_codes"))
    assert len(re.findall(r"<li><code>", page.content.decode())) == 10


def test_logout_stays_open_to_an_unverified_session(client):
    staff, _ = enrolled_staff()
    log_in(client, staff)
    assert client.post(reverse("accounts:logout"))["Location"] == reverse("accounts:login")


def test_django_admin_users_need_the_second_factor_too(client):
    admin = make_user("root", is_staff=True, is_superuser=True)
    log_in(client, admin)
    assert client.get("/django-admin/")["Location"].startswith(reverse("accounts:otp_setup"))


def test_me_offers_password_change_to_all_and_second_factor_tools_to_staff(client):
    tree = make_tree()
    resident = make_with_role(Role.RESIDENT, tree.comm_a1)
    client.force_login(resident)
    page = client.get(reverse("accounts:me")).content.decode()
    assert reverse("accounts:password_change") in page and reverse("accounts:otp_setup") not in page

    staff, device = enrolled_staff(tree)
    client.force_login(staff)
    client.post(reverse("accounts:otp_verify"), {"token": code_for(device)})
    page = client.get(reverse("accounts:me")).content.decode()
    assert reverse("accounts:otp_setup") in page and reverse("accounts:otp_recovery_codes") in page


def test_a_removed_device_ends_the_verified_session_at_once(client):
    """The 'passed TOTP' answer is kept per session (mfa.session_verified); deleting the device drops it."""
    staff, device = enrolled_staff()
    log_in(client, staff)
    client.post(reverse("accounts:otp_verify"), {"token": code_for(device), "next": "/"})
    assert client.get(reverse("web:home")).status_code == 200
    assert client.get(reverse("web:home")).status_code == 200  # answered from the kept value
    device.delete()
    response = client.get(reverse("web:home"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("accounts:otp_setup"))
