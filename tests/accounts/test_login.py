"""Login by username or phone; lockout after 5 failures (NF-4); idle timeout; audit."""

import pytest
from django.urls import reverse

from shequtong.accounts.models import AuditEvent
from shequtong.accounts.roles import Role

from ..factories import PASSWORD, make_with_role

pytestmark = pytest.mark.django_db


def login(client, username, password):
    return client.post(reverse("accounts:login"), {"username": username, "password": password})


def test_login_by_username_and_by_phone(client, tree):
    user = make_with_role(Role.RESIDENT, tree.comm_a1)
    assert login(client, user.username, PASSWORD).status_code == 302
    client.logout()
    assert login(client, user.phone, PASSWORD).status_code == 302
    assert AuditEvent.objects.filter(action="login", actor=user).count() == 2


def test_wrong_password_shows_chinese_error(client, tree):
    user = make_with_role(Role.RESIDENT, tree.comm_a1)
    response = login(client, user.username, "nope")
    assert response.status_code == 200
    assert "用户名/手机号或密码不正确" in response.content.decode()
    assert AuditEvent.objects.filter(action="login_failed").exists()


def test_sixth_wrong_password_locks_the_account(client, tree):
    user = make_with_role(Role.RESIDENT, tree.comm_a1)
    for i in range(5):  # alternate username and phone: one counter per account
        assert login(client, user.username if i % 2 else user.phone, "wrong-password").status_code == 200
    sixth = login(client, user.username, "wrong-password")
    assert sixth.status_code == 429
    assert "账户已锁定" in sixth.content.decode()
    # Now even the right password is refused, by phone too: the account is locked.
    assert login(client, user.username, PASSWORD).status_code == 429
    assert login(client, user.phone, PASSWORD).status_code == 429
    assert "_auth_user_id" not in client.session


def test_session_has_a_30_minute_idle_timeout(client, tree, settings):
    user = make_with_role(Role.RESIDENT, tree.comm_a1)
    login(client, user.username, PASSWORD)
    client.get("/")
    assert settings.SESSION_COOKIE_AGE == 1800
    assert 1700 < client.session.get_expiry_age() <= 1800


def test_passwords_are_hashed_with_argon2_in_production(settings):
    from django.conf import settings as live

    hashers = [h for h in live.PASSWORD_HASHERS if "MD5" not in h]
    assert hashers[0].endswith("Argon2PasswordHasher")


def test_staff_password_needs_three_character_classes():
    from django.contrib.auth.password_validation import validate_password
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError, match="至少3类"):
        validate_password("alllowercase1")
    with pytest.raises(ValidationError):
        validate_password("Ab1!")  # too short
    validate_password("Demo@2026")
