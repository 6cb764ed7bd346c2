"""Issue 12 items 10 and 12: no clear personal data outside encrypted columns; production configuration."""

import os
import subprocess
import sys

import pytest
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.urls import reverse

from shequtong.accounts.models import AuditEvent, User
from shequtong.accounts.roles import Role

from ..factories import make_user, make_with_role

pytestmark = pytest.mark.django_db


# --- item 10 -------------------------------------------------------------------

def test_reveal_shows_clear_values_in_the_response_only_never_in_the_session(client):
    from django.contrib.sessions.models import Session

    user = make_user()
    client.force_login(user)
    response = client.post(reverse("accounts:reveal_mine"))
    body = response.content.decode()
    assert response.status_code == 200
    assert user.id_number in body and user.phone in body
    assert "no-store" in response["Cache-Control"]
    stored = "".join(str(s.get_decoded()) for s in Session.objects.all()) + str(dict(client.session))
    assert user.id_number not in stored and user.phone not in stored
    # The next page shows the masked values again.
    again = client.get(reverse("accounts:me")).content.decode()
    assert user.id_number not in again


def test_lockout_table_and_audit_never_hold_a_typed_phone_or_id_number(client, tree):
    from axes.models import AccessAttempt

    typed = ["13800001111", "110105194912310021", " Someone "]
    for name in typed:
        client.post(reverse("accounts:login"), {"username": name, "password": "wrong-Pass1"})
    stored = " ".join(AccessAttempt.objects.values_list("username", flat=True))
    stored += " ".join(str(d) for d in AuditEvent.objects.filter(action="login_failed").values_list("detail", flat=True))
    for name in typed:
        assert name.strip() not in stored
    assert AccessAttempt.objects.count() == 3


def test_a_known_account_is_still_counted_under_its_username(client, tree):
    from axes.models import AccessAttempt

    user = make_with_role(Role.RESIDENT, tree.comm_a1)
    client.post(reverse("accounts:login"), {"username": user.phone, "password": "wrong-Pass1"})
    client.post(reverse("accounts:login"), {"username": user.username.upper(), "password": "wrong-Pass1"})
    stored = list(AccessAttempt.objects.values_list("username", flat=True))
    assert user.username in stored  # the phone attempt counts against the account
    assert user.username.upper() not in stored  # another name: kept only as a keyed hash


# --- item 12 -------------------------------------------------------------------

@pytest.mark.parametrize("password", ["Baoshan@2026", "Shanghai2026", "shequtong#2025", "Woaini@520"])
def test_local_common_passwords_are_refused(password):
    with pytest.raises(ValidationError):
        validate_password(password)


def test_a_password_like_the_username_is_refused():
    user = User(username="zhangsan_88", real_name="张三")
    with pytest.raises(ValidationError):
        validate_password("Zhangsan_88!", user=user)


def test_a_good_password_passes():
    validate_password("Tq7#vandal-lake", user=User(username="zhangsan_88"))


def test_signed_in_pages_and_api_answers_are_no_store(client):
    client.force_login(make_user())
    assert "no-store" in client.get(reverse("accounts:me"))["Cache-Control"]
    assert "no-store" in client.get("/api/v1/accounts/me")["Cache-Control"]


@pytest.mark.parametrize("present", [{}, {"Cache-Control": "max-age=60, public"}, {"Vary": "Accept-Language"},
                                     {"Expires": "Thu, 01 Jan 2026 00:00:00 GMT"}])
def test_no_store_headers_are_django_s_whatever_the_answer_had(rf, present, monkeypatch):
    """NoStoreMiddleware writes the headers itself on a plain answer: the same as Django's functions."""
    from django.http import HttpResponse
    from django.utils import cache as django_cache

    from shequtong.accounts import middleware

    monkeypatch.setattr(django_cache.time, "time", lambda: 1_790_000_000.0)
    monkeypatch.setattr(middleware, "http_date", lambda epoch_seconds=None: django_cache.http_date(1_790_000_000.0))
    expected = HttpResponse(headers=present)
    django_cache.add_never_cache_headers(expected)
    django_cache.patch_vary_headers(expected, ("Cookie",))
    request = rf.get("/")
    request.user = make_user()
    response = middleware.NoStoreMiddleware(lambda r: HttpResponse(headers=present))(request)
    assert dict(response.headers) == dict(expected.headers)


def test_production_settings_turn_on_https_controls():
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "PYTEST"))}
    env.update({"SHEQUTONG_NO_DOTENV": "1", "DJANGO_SECRET_KEY": "x" * 50, "FIELD_ENCRYPTION_KEY": "a" * 44,
                "BLIND_INDEX_KEY": "b" * 44, "SHEQUTONG_TESTING": "0", "DJANGO_DEBUG": "0"})
    code = ("import shequtong.settings as s; print(s.SECURE_SSL_REDIRECT, s.SECURE_HSTS_SECONDS >= 31536000, "
            "s.SECURE_PROXY_SSL_HEADER, s.SESSION_COOKIE_SECURE, s.PRODUCTION)")
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True).stdout  # noqa: S603
    assert out.split() == ["True", "True", "('HTTP_X_FORWARDED_PROTO',", "'https')", "True", "True"]
