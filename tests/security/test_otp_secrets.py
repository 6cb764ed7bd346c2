"""MLPS: second-factor secrets are not stored in clear (TOTP keys encrypted, recovery codes hashed).

Reads the raw tables to prove it; enrols through the real pages; checks that devices and codes
stored in clear before migration accounts 0010 still work after it (SQLite and PostgreSQL).
"""

from __future__ import annotations

import base64
import re

import pytest
from django.core.management import call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.test import Client
from django.urls import reverse
from django_otp.oath import totp

from shequtong.accounts import mfa
from shequtong.accounts.models import EncryptedTOTPDevice, RecoveryCodeDevice, recovery_code_hash
from shequtong.accounts.roles import Role
from shequtong.common import crypto

from ..factories import PASSWORD, make_tree, make_with_role


@pytest.fixture(autouse=True)
def _mfa_on(settings):
    settings.MFA_REQUIRED_FOR_STAFF = True


def log_in(client: Client, user) -> None:
    assert client.post(reverse("accounts:login"), {"username": user.username, "password": PASSWORD}).status_code == 302


def raw(sql: str, params: list | None = None) -> list[tuple]:
    with connection.cursor() as cur:
        cur.execute(sql, params or [])
        return cur.fetchall()


@pytest.mark.django_db
def test_enrolment_stores_the_secret_encrypted_and_the_recovery_codes_hashed(client):
    staff = make_with_role(Role.COMMITTEE_SECRETARY, make_tree().comm_a1)
    log_in(client, staff)
    setup = client.get(reverse("accounts:otp_setup")).content.decode()
    device = EncryptedTOTPDevice.objects.get(user=staff, confirmed=False)
    secret_hex = device.key
    secret_b32 = base64.b32encode(bytes.fromhex(secret_hex)).decode().rstrip("=")
    assert secret_b32[:4] in setup  # the page shows the secret (grouped by four) to type into the app
    code = f"{totp(device.bin_key):06d}"
    done = client.post(reverse("accounts:otp_setup"), {"token": code}).content.decode()
    codes = re.findall(r"<li><code>([^<]+)</code>", done)
    assert len(codes) == 10

    ((stored,),) = raw("SELECT key FROM accounts_encryptedtotpdevice WHERE user_id = %s", [staff.pk])
    assert isinstance(stored, (bytes, memoryview))
    assert secret_hex.encode() not in bytes(stored) and bytes.fromhex(secret_hex) not in bytes(stored)
    assert crypto.decrypt(stored) == secret_hex
    assert raw("SELECT COUNT(*) FROM otp_totp_totpdevice") == [(0,)]  # django-otp's clear table stays empty
    tokens = [t for (t,) in raw("SELECT t.token FROM otp_static_statictoken t JOIN otp_static_staticdevice d "
                                "ON d.id = t.device_id WHERE d.user_id = %s", [staff.pk])]
    assert len(tokens) == 10 and not set(tokens) & {c.strip() for c in codes}
    assert set(tokens) == {recovery_code_hash(c) for c in codes}

    # Both still work: a recovery code (typed in capitals with a space) in a new session.
    other = Client()
    log_in(other, staff)
    typed = codes[3].upper()[:4] + " " + codes[3].upper()[4:]
    assert other.post(reverse("accounts:otp_verify"), {"token": typed}).status_code == 302
    assert other.get(reverse("web:home")).status_code == 200


@pytest.mark.django_db
def test_the_demo_second_factor_still_works(client):
    from io import StringIO

    from shequtong.demo.otp import DEMO_TOTP_KEY_HEX, current_code, enrol_demo_staff

    staff = make_with_role(Role.COMMITTEE_SECRETARY, make_tree().comm_a1, username="demo-secretary")
    assert enrol_demo_staff(["demo-secretary"]) == 1
    ((stored,),) = raw("SELECT key FROM accounts_encryptedtotpdevice WHERE user_id = %s", [staff.pk])
    assert DEMO_TOTP_KEY_HEX.encode() not in bytes(stored)
    out = StringIO()
    call_command("demo_otp", stdout=out)
    assert current_code() in out.getvalue()
    log_in(client, staff)
    assert client.post(reverse("accounts:otp_verify"), {"token": current_code()}).status_code == 302
    assert client.get(reverse("web:home")).status_code == 200


@pytest.mark.django_db
def test_key_rotation_re_encrypts_totp_secrets(settings):
    k1, k2 = crypto.generate_key(), crypto.generate_key()
    settings.FIELD_ENCRYPTION_KEY = k1
    staff = make_with_role(Role.COMMITTEE_STAFF, make_tree().comm_a1)
    device = EncryptedTOTPDevice.objects.create(user=staff, name=mfa.TOTP_NAME, confirmed=True)
    secret = device.key
    assert re.fullmatch(r"[0-9a-f]{40}", secret)
    settings.FIELD_ENCRYPTION_KEYS = f"2:{k2}"
    settings.FIELD_ENCRYPTION_KEY_ID = 2
    call_command("rotate_field_key")
    ((stored,),) = raw("SELECT key FROM accounts_encryptedtotpdevice WHERE id = %s", [device.pk])
    assert crypto.key_id_of(stored) == 2
    settings.FIELD_ENCRYPTION_KEY = crypto.generate_key()  # key 1 gone
    assert EncryptedTOTPDevice.objects.get(pk=device.pk).key == secret


BEFORE = [("accounts", "0009_drop_clear_real_name")]
AFTER = [("accounts", "0010_otp_secrets_encrypted")]


@pytest.mark.long
@pytest.mark.django_db(transaction=True)
def test_devices_enrolled_before_the_migration_keep_working():
    tree = make_tree()
    staff = make_with_role(Role.COMMITTEE_SECRETARY, tree.comm_a1)
    MigrationExecutor(connection).migrate(BEFORE)
    try:
        otp = [("otp_totp", "0003_add_timestamps"), ("otp_static", "0003_add_timestamps")]
        state = MigrationExecutor(connection).loader.project_state(BEFORE + otp).apps
        OldTOTP = state.get_model("otp_totp", "TOTPDevice")
        OldStatic = state.get_model("otp_static", "StaticDevice")
        OldToken = state.get_model("otp_static", "StaticToken")
        secret_hex = "3132333435363738393031323334353637383930"
        OldTOTP.objects.create(user_id=staff.pk, name="动态口令", confirmed=True, key=secret_hex, last_t=-1)
        static = OldStatic.objects.create(user_id=staff.pk, name="恢复码", confirmed=True)
        OldToken.objects.create(device=static, token="abcd2345")
        OldToken.objects.create(device=static, token="efgh6723")

        MigrationExecutor(connection).migrate(AFTER)

        assert raw("SELECT COUNT(*) FROM otp_totp_totpdevice") == [(0,)]
        ((stored,),) = raw("SELECT key FROM accounts_encryptedtotpdevice WHERE user_id = %s", [staff.pk])
        assert secret_hex.encode() not in bytes(stored) and crypto.decrypt(stored) == secret_hex
        tokens = {t for (t,) in raw("SELECT token FROM otp_static_statictoken")}
        assert tokens == {recovery_code_hash("abcd2345"), recovery_code_hash("efgh6723")}
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())  # signing in below uses today's columns

        client = Client()
        log_in(client, staff)
        code = f"{totp(bytes.fromhex(secret_hex)):06d}"
        assert client.post(reverse("accounts:otp_verify"), {"token": code}).status_code == 302
        assert client.get(reverse("web:home")).status_code == 200
        second = Client()
        log_in(second, staff)
        assert second.post(reverse("accounts:otp_verify"), {"token": "efgh6723"}).status_code == 302
        assert RecoveryCodeDevice.objects.get(user=staff).token_set.count() == 1
    finally:
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())
