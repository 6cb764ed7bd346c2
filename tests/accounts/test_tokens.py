"""API tokens (issue 12 item 4): listed, revocable, short-lived, cannot mint tokens, revoked with the password."""

import datetime as dt

import pytest
from django.urls import reverse

from shequtong.accounts import services
from shequtong.accounts.models import ApiToken, AuditEvent
from shequtong.common import clock
from shequtong.common.errors import ValidationFailed

from ..factories import make_user

pytestmark = pytest.mark.django_db
JSON = "application/json"


def bearer(key):
    return {"HTTP_AUTHORIZATION": f"Bearer {key}"}


def test_default_lifetime_is_30_days_and_at_most_90():
    user = make_user()
    token, _ = services.create_api_token(actor=user, name="t")
    assert dt.timedelta(days=29) < token.expires_at - clock.now() <= dt.timedelta(days=30)
    with pytest.raises(ValidationFailed):
        services.create_api_token(actor=user, name="t", days=91)
    with pytest.raises(ValidationFailed):
        services.create_api_token(actor=user, name="t", days=0)


def test_tokens_are_listed_and_revoked_through_the_api(client):
    user = make_user()
    client.force_login(user)
    created = client.post("/api/v1/accounts/tokens", {"name": "对接", "scope": "read", "days": 7}, content_type=JSON)
    assert created.status_code == 201
    key = created.json()["key"]
    listed = client.get("/api/v1/accounts/tokens").json()
    assert [t["name"] for t in listed] == ["对接"] and "key" not in listed[0]
    assert listed[0]["prefix"] == key[4:12]
    assert client.get("/api/v1/accounts/me", **bearer(key)).status_code == 200
    assert client.delete(f"/api/v1/accounts/tokens/{listed[0]['id']}").status_code == 204
    client.logout()
    assert client.get("/api/v1/accounts/me", **bearer(key)).status_code == 401
    assert AuditEvent.objects.filter(action="api_token", detail__op="revoke").exists()


def test_someone_elses_token_is_not_found():
    owner, other = make_user(), make_user()
    token, _ = services.create_api_token(actor=owner, name="t")
    from shequtong.common.errors import NotFound

    with pytest.raises(NotFound):
        services.revoke_api_token(actor=other, token_id=token.pk)
    token.refresh_from_db()
    assert token.revoked_at is None


def test_a_token_cannot_mint_tokens(client):
    user = make_user()
    _, key = services.create_api_token(actor=user, name="t", token_scope="write")
    response = client.post("/api/v1/accounts/tokens", {"name": "more", "scope": "write"}, content_type=JSON, **bearer(key))
    assert response.status_code == 403
    assert ApiToken.objects.count() == 1


def test_password_change_revokes_every_token():
    user = make_user()
    _, key = services.create_api_token(actor=user, name="t")
    user.set_password("An0ther#Secret")
    user.save()
    assert not ApiToken.objects.filter(revoked_at__isnull=True).exists()


def test_deactivation_revokes_every_token():
    user = make_user()
    services.create_api_token(actor=user, name="t")
    user.is_active = False
    user.save(update_fields=["is_active"])
    assert not ApiToken.objects.filter(revoked_at__isnull=True).exists()


def test_unrelated_saves_keep_tokens():
    user = make_user()
    services.create_api_token(actor=user, name="t")
    user.elder_mode = True
    user.save()
    assert ApiToken.objects.filter(revoked_at__isnull=True).count() == 1


def test_token_page_in_me_lists_creates_and_revokes(client):
    user = make_user()
    client.force_login(user)
    page = client.get(reverse("accounts:tokens"))
    assert page.status_code == 200 and "接口令牌" in page.content.decode()
    created = client.post(reverse("accounts:tokens"), {"name": "报表", "scope": "read", "days": "30"})
    assert created.status_code == 200
    token = ApiToken.objects.get(user=user)
    assert "sqt_" in created.content.decode()  # the key, shown once
    assert created["Cache-Control"].startswith("no-store") or "no-store" in created["Cache-Control"]
    again = client.get(reverse("accounts:tokens")).content.decode()
    assert "报表" in again and "sqt_" not in again
    client.post(reverse("accounts:token_revoke", args=[token.pk]))
    token.refresh_from_db()
    assert token.revoked_at is not None


def test_token_creation_records_the_client_ip(client, settings):
    settings.TRUSTED_PROXIES = ["127.0.0.1"]
    client.force_login(make_user())
    client.post("/api/v1/accounts/tokens", {"name": "t"}, content_type=JSON,
                REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="203.0.113.7")
    assert AuditEvent.objects.get(action="api_token").ip == "203.0.113.7"
