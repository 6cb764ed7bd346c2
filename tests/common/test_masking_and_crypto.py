import pytest

from shequtong.common import crypto
from shequtong.common.masking import mask_id_number, mask_name, mask_phone


@pytest.mark.parametrize(("name", "masked"), [("张晓明", "张*明"), ("李四", "李*"), ("欧阳娜娜", "欧**娜"), ("", "")])
def test_mask_name(name, masked):
    assert mask_name(name) == masked


def test_mask_phone_and_id():
    assert mask_phone("13812345678") == "138****5678"
    assert mask_id_number("310113199001011234") == "3101**********1234"


def test_encryption_round_trip_and_randomised_nonce():
    a = crypto.encrypt("310113199001011234")
    b = crypto.encrypt("310113199001011234")
    assert a != b  # fresh nonce every time
    assert b"310113" not in a
    assert crypto.decrypt(a) == "310113199001011234"


def test_tampered_ciphertext_is_rejected():
    blob = bytearray(crypto.encrypt("13812345678"))
    blob[-1] ^= 0x01
    with pytest.raises(Exception):  # noqa: B017, PT011 - cryptography's InvalidTag
        crypto.decrypt(bytes(blob))


def test_blind_index_is_deterministic_and_purpose_separated():
    assert crypto.blind_index("13812345678", purpose="phone") == crypto.blind_index(" 13812345678 ", purpose="phone")
    assert crypto.blind_index("13812345678", purpose="phone") != crypto.blind_index("13812345678", purpose="id_number")


def test_production_refuses_to_run_without_keys(settings):
    from django.core.exceptions import ImproperlyConfigured

    crypto._key.cache_clear()
    settings.PRODUCTION = True
    settings.FIELD_ENCRYPTION_KEY = ""
    try:
        with pytest.raises(ImproperlyConfigured):
            crypto.encrypt("x")
    finally:
        crypto._key.cache_clear()


def test_production_settings_module_refuses_to_start_without_keys():
    """Importing settings with DEBUG off and no keys fails at start-up."""
    import os
    import subprocess
    import sys

    env = {k: v for k, v in os.environ.items() if k not in {"FIELD_ENCRYPTION_KEY", "BLIND_INDEX_KEY", "SHEQUTONG_TESTING"}}
    env.update({"DJANGO_DEBUG": "0", "DJANGO_SECRET_KEY": "x" * 50, "DJANGO_SETTINGS_MODULE": "shequtong.settings",
                "SHEQUTONG_NO_DOTENV": "1"})
    proc = subprocess.run(  # noqa: S603
        [sys.executable, "-c", "import django; django.setup()"], env=env, capture_output=True, text=True, check=False,
    )
    assert proc.returncode != 0
    assert "FIELD_ENCRYPTION_KEY" in proc.stderr


def test_mask_text_masks_numbers_written_in_free_text():
    from shequtong.common.masking import mask_text

    text = "已办结，联系人13812345678，身份证310113199001011234，电话021-56781234"
    masked = mask_text(text)
    assert "13812345678" not in masked and "138****5678" in masked
    assert "310113199001011234" not in masked and "3101**********1234" in masked
    assert "021-56781234" in masked  # landlines are public office numbers
