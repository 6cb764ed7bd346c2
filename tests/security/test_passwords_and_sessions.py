"""MLPS: password complexity, the 90-day change for staff, lockout and the 30-minute idle timeout."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.urls import reverse

from shequtong.accounts.models import AuditEvent, User
from shequtong.accounts.roles import Role

from ..factories import PASSWORD, make_tree, make_with_role

pytestmark = pytest.mark.django_db


# --- Complexity -----------------------------------------------------------------

@pytest.mark.parametrize("weak", ["Ab1!", "abcdefgh", "abcd1234", "ABCDEFGH1", "password", "12345678"])
def test_weak_passwords_are_refused(weak):
    with pytest.raises(ValidationError):
        validate_password(weak)


@pytest.mark.parametrize("good", ["Good#pass1", "river-2026-Tong", "Hjkmnp7q"])
def test_passwords_of_eight_with_three_classes_pass(good):
    validate_password(good)


# --- 90-day change for staff ----------------------------------------------------

def test_set_password_records_when(client):
    user = make_with_role(Role.RESIDENT, make_tree().comm_a1)
    assert user.password_changed_at is not None


@pytest.mark.parametrize("role", [Role.COMMITTEE_STAFF, Role.SUBDISTRICT_OBSERVER, Role.SYSADMIN])
def test_staff_must_change_a_password_older_than_90_days(client, role):
    tree = make_tree()
    place = {Role.COMMITTEE_STAFF: tree.comm_a1, Role.SUBDISTRICT_OBSERVER: tree.sub_a}.get(role)
    staff = make_with_role(role, place)
    with time_machine.travel(dt.datetime.now(dt.UTC) + dt.timedelta(days=89), tick=False):
        client.force_login(staff)
        assert client.get(reverse("web:home")).status_code == 200
    with time_machine.travel(dt.datetime.now(dt.UTC) + dt.timedelta(days=91), tick=False):
        client.force_login(staff)
        response = client.get(reverse("web:home"))
        assert response.status_code == 302 and response["Location"].startswith(reverse("accounts:password_change"))
        page = client.get(reverse("accounts:password_change"))
        assert "密码已到期" in page.content.decode()

        same = client.post(reverse("accounts:password_change"), {
            "old_password": PASSWORD, "new_password1": PASSWORD, "new_password2": PASSWORD})
        assert "新密码不能与原密码相同" in same.content.decode()
        weak = client.post(reverse("accounts:password_change"), {
            "old_password": PASSWORD, "new_password1": "abcdefgh", "new_password2": "abcdefgh"})
        assert weak.status_code == 200 and "至少3类" in weak.content.decode()

        done = client.post(reverse("accounts:password_change"), {
            "old_password": PASSWORD, "new_password1": "Fresh#pass2026", "new_password2": "Fresh#pass2026"})
        assert done.status_code == 302
        # Still signed in (the session hash follows the new password), and free to go on.
        assert client.get(reverse("web:home")).status_code == 200
        assert AuditEvent.objects.filter(actor=staff, action="password_change").exists()
    assert User.objects.get(pk=staff.pk).check_password("Fresh#pass2026")


def test_residents_are_never_forced_to_change_their_password(client):
    resident = make_with_role(Role.RESIDENT, make_tree().comm_a1)
    with time_machine.travel(dt.datetime.now(dt.UTC) + dt.timedelta(days=400), tick=False):
        client.force_login(resident)
        assert client.get(reverse("web:home")).status_code == 200


def test_the_api_answers_password_expired_with_a_code(client):
    staff = make_with_role(Role.COMMITTEE_STAFF, make_tree().comm_a1)
    with time_machine.travel(dt.datetime.now(dt.UTC) + dt.timedelta(days=120), tick=False):
        client.force_login(staff)
        response = client.get("/api/v1/accounts/me")
        assert response.status_code == 403 and response.json()["code"] == "password_expired"


# --- Lockout (django-axes) --------------------------------------------------------

def test_the_sixth_wrong_password_locks_the_account_for_30_minutes(client, settings):
    settings.AXES_ENABLED = True
    user = make_with_role(Role.COMMITTEE_STAFF, make_tree().comm_a1)
    for _ in range(5):
        r = client.post(reverse("accounts:login"), {"username": user.username, "password": "Wrong#pass1"})
        assert r.status_code == 200 and "用户名/手机号或密码不正确" in r.content.decode()
    locked = client.post(reverse("accounts:login"), {"username": user.username, "password": "Wrong#pass1"})
    assert locked.status_code == 429 and "账户已被锁定" in locked.content.decode()
    # Even the right password is refused while locked ...
    again = client.post(reverse("accounts:login"), {"username": user.username, "password": PASSWORD})
    assert again.status_code == 429
    # ... and accepted after the 30-minute cool-off.
    with time_machine.travel(dt.datetime.now(dt.UTC) + dt.timedelta(minutes=31), tick=False):
        ok = client.post(reverse("accounts:login"), {"username": user.username, "password": PASSWORD})
        assert ok.status_code == 302
    assert AuditEvent.objects.filter(action="login_failed").count() >= 5


# --- Idle timeout -------------------------------------------------------------------

def test_a_session_idle_for_30_minutes_is_over(client):
    user = make_with_role(Role.RESIDENT, make_tree().comm_a1)
    start = dt.datetime.now(dt.UTC)
    with time_machine.travel(start, tick=False):
        client.post(reverse("accounts:login"), {"username": user.username, "password": PASSWORD})
        assert client.get(reverse("accounts:me")).status_code == 200
    with time_machine.travel(start + dt.timedelta(minutes=29), tick=False):
        assert client.get(reverse("accounts:me")).status_code == 200  # activity slides the expiry
    with time_machine.travel(start + dt.timedelta(minutes=29 + 31), tick=False):
        response = client.get(reverse("accounts:me"))
        assert response.status_code == 302 and response["Location"].startswith(reverse("accounts:login"))
