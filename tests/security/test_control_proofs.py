"""Controls of docs/security.md that had no test of their own: each proved here."""

from __future__ import annotations

import base64
import datetime as dt
import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

from shequtong.accounts import services, throttle
from shequtong.accounts.models import ApiToken
from shequtong.accounts.roles import Role
from shequtong.common import clock

from ..factories import make_tree, make_with_role

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.django_db
def test_a_token_without_an_expiry_or_past_it_is_refused(client):
    user = make_with_role(Role.COMMITTEE_STAFF, make_tree().comm_a1)
    token, key = services.create_api_token(actor=user, name="集成")
    auth = {"HTTP_AUTHORIZATION": f"Bearer {key}"}
    assert client.get("/api/v1/accounts/me", **auth).status_code == 200
    # A token from before lifetimes existed (no expiry) is refused, not taken as "forever".
    ApiToken.objects.filter(pk=token.pk).update(expires_at=None)
    assert client.get("/api/v1/accounts/me", **auth).status_code == 401
    ApiToken.objects.filter(pk=token.pk).update(expires_at=clock.now() - dt.timedelta(seconds=1))
    assert client.get("/api/v1/accounts/me", **auth).status_code == 401


def test_throttle_counters_are_keyed_by_a_keyed_hash_not_the_phone_or_address():
    for name in ("sms-phone:13912340003", "login-ip:203.0.113.44"):
        key, _ = throttle._key(name, 3600)
        value = name.split(":", 1)[1]
        assert value not in key and value.replace(".", "") not in key
        assert re.fullmatch(r"throttle:[0-9a-f]{32}:\d+", key)
    # Counting still works through the hashed keys.
    assert throttle.hit("sms-phone:13912340003", 3600) == 1
    assert throttle.hit("sms-phone:13912340003", 3600) == 2
    assert throttle.count("sms-phone:13912340003", 3600) == 2


def test_the_deploy_check_leaves_only_the_hsts_preload_warning():
    def key() -> str:
        return base64.b64encode(os.urandom(32)).decode()

    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "PYTEST"))}
    env.update({"SHEQUTONG_NO_DOTENV": "1", "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
                "FIELD_ENCRYPTION_KEY": key(), "BLIND_INDEX_KEY": key(), "AUDIT_CHAIN_KEY": key(),
                "SHEQUTONG_TESTING": "0", "DJANGO_DEBUG": "0"})
    done = subprocess.run([sys.executable, "manage.py", "check", "--deploy"], cwd=ROOT, env=env,  # noqa: S603
                          capture_output=True, text=True, check=False)
    found = set(re.findall(r"\(([a-z0-9_]+\.[A-Z]\d+)\)", done.stdout + done.stderr))
    assert found == {"security.W021"}, done.stdout + done.stderr


@pytest.mark.django_db
def test_every_api_operation_declares_the_error_answers_it_can_give(client):
    from shequtong.api import errors

    schema = client.get("/api/v1/openapi.json").json()
    operations = [(path, method, op) for path, item in schema["paths"].items() for method, op in item.items()]
    assert len(operations) > 50
    for path, method, op in operations:
        declared = {int(code) for code in op["responses"]}
        expected = set(errors.ERROR_STATUSES) - ({401} if not op.get("security") else set())
        assert expected <= declared, (method, path, expected - declared)
        for code in expected:
            ref = op["responses"][str(code)]["content"]["application/json"]["schema"]["$ref"]
            assert ref == "#/components/schemas/ErrorOut"
