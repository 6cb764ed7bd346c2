"""MLPS: personal data encrypted under keys that carry an id, rotated without downtime."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.db import connection

from shequtong.accounts import services as account_services
from shequtong.accounts.models import User
from shequtong.common import crypto

from ..factories import make_user

pytestmark = pytest.mark.django_db

K1, K2, K3 = crypto.generate_key(), crypto.generate_key(), crypto.generate_key()


def raw_columns(user: User) -> tuple[bytes, bytes]:
    with connection.cursor() as cur:
        cur.execute("SELECT id_number, phone FROM accounts_user WHERE id = %s", [user.pk])
        id_number, phone = cur.fetchone()
    return bytes(id_number), bytes(phone)


def test_ciphertexts_carry_the_key_id(settings):
    settings.FIELD_ENCRYPTION_KEYS = f"1:{K1},7:{K2}"
    settings.FIELD_ENCRYPTION_KEY_ID = 7
    blob = crypto.encrypt("13812345678")
    assert crypto.key_id_of(blob) == 7
    assert crypto.decrypt(blob) == "13812345678"


def test_unknown_key_id_is_refused_not_guessed(settings):
    settings.FIELD_ENCRYPTION_KEYS = f"1:{K1},2:{K2}"
    settings.FIELD_ENCRYPTION_KEY_ID = 2
    blob = crypto.encrypt("x")
    settings.FIELD_ENCRYPTION_KEYS = f"1:{K1}"
    settings.FIELD_ENCRYPTION_KEY_ID = 1
    with pytest.raises(ValueError, match="no key with id 2"):
        crypto.decrypt(blob)


def test_legacy_version_1_values_read_with_key_1():
    import os

    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    nonce = os.urandom(12)
    legacy = b"\x01" + nonce + AESGCM(crypto._key("FIELD_ENCRYPTION_KEY")).encrypt(nonce, b"310113199001011234", None)
    assert crypto.decrypt(legacy) == "310113199001011234"
    assert crypto.key_id_of(legacy) == 1


def test_rotation_from_key_1_to_key_2_rewrites_every_value(settings):
    settings.FIELD_ENCRYPTION_KEY = K1
    user = make_user("rotated")
    id_number, phone = user.id_number, user.phone
    old_id, old_phone = raw_columns(user)
    assert crypto.key_id_of(old_id) == 1 and crypto.key_id_of(old_phone) == 1

    # Step 1 and 2 of the rotation: key 2 joins the keyring and becomes the write key;
    # values under key 1 still read (no downtime) before the command has run.
    settings.FIELD_ENCRYPTION_KEYS = f"2:{K2}"
    settings.FIELD_ENCRYPTION_KEY_ID = 2
    assert User.objects.get(pk=user.pk).phone == phone

    call_command("rotate_field_key", "--batch", "1")

    new_id, new_phone = raw_columns(user)
    assert crypto.key_id_of(new_id) == 2 and crypto.key_id_of(new_phone) == 2
    # The old ciphertexts are gone from the table, not kept beside the new ones.
    with connection.cursor() as cur:
        cur.execute("SELECT COUNT(*) FROM accounts_user WHERE id_number = %s OR phone = %s", [old_id, old_phone])
        assert cur.fetchone()[0] == 0

    # Step 4: key 1 leaves the keyring (id 1 now names an unrelated key): everything still reads.
    settings.FIELD_ENCRYPTION_KEY = K3
    fresh = User.objects.get(pk=user.pk)
    assert (fresh.id_number, fresh.phone) == (id_number, phone)
    # Blind indexes use their own key: look-ups by phone and ID number still find the user.
    assert User.objects.get(phone_index=account_services.phone_index(phone)).pk == user.pk
    assert User.objects.get(id_number_index=account_services.id_number_index(id_number)).pk == user.pk


def test_rotation_covers_every_encrypted_column_and_reports_done(settings, capsys):
    from shequtong.common.management.commands.rotate_field_key import encrypted_columns, remaining

    tables = {model._meta.db_table: {f.column for f in fields} for model, fields in encrypted_columns()}
    assert tables["accounts_user"] == {"real_name", "id_number", "phone"}
    assert tables["visits_visit"] == {"person_name", "person_address"}
    assert tables["accounts_encryptedtotpdevice"] == {"key"}

    settings.FIELD_ENCRYPTION_KEY = K1
    make_user("one")
    make_user("two")
    settings.FIELD_ENCRYPTION_KEYS = f"2:{K2}"
    settings.FIELD_ENCRYPTION_KEY_ID = 2
    assert remaining() == 6  # real name, ID number and phone of each
    call_command("rotate_field_key", "--dry-run")
    assert remaining() == 6
    call_command("rotate_field_key")
    assert remaining() == 0
    assert "rotation complete" in capsys.readouterr().out


def test_a_value_changed_during_rotation_is_not_overwritten(settings, monkeypatch):
    """Compare-and-swap: the command rewrites a row only if it still holds what was read."""
    from shequtong.common.management.commands import rotate_field_key as cmd

    settings.FIELD_ENCRYPTION_KEY = K1
    user = make_user("busy")
    old_phone = user.phone
    settings.FIELD_ENCRYPTION_KEYS = f"2:{K2}"
    settings.FIELD_ENCRYPTION_KEY_ID = 2
    real = crypto.reencrypt

    def reencrypt_while_user_saves(blob):  # the user saves a new phone between read and write
        if crypto.decrypt(blob) == old_phone:
            User.objects.filter(pk=user.pk).update(phone="13900000001")
        return real(blob)

    monkeypatch.setattr(cmd.crypto, "reencrypt", reencrypt_while_user_saves)
    report = cmd.rotate(batch=10)
    assert User.objects.get(pk=user.pk).phone == "13900000001"
    assert report["accounts_user (real_name, id_number, phone)"]["left"] >= 1
