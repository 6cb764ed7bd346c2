"""The demo's second factor: demo staff are enrolled with one published TOTP secret.

Like the demo password, the secret is public (printed by `manage.py demo_logins`):
add it to any authenticator app, or run `manage.py demo_otp` for the current code.
Only the accounts seed_demo creates are enrolled; real accounts enrol themselves.
"""

from __future__ import annotations

import base64

from django_otp.oath import totp

from shequtong.accounts import mfa
from shequtong.accounts.models import EncryptedTOTPDevice, User

DEMO_TOTP_SECRET = "SHEQUTONGDEMOSHEQUTONGDEMO234567"  # noqa: S105 - published demo credential (base32, 20 bytes)
DEMO_TOTP_KEY_HEX = base64.b32decode(DEMO_TOTP_SECRET).hex()


def enrol_demo_staff(usernames: list[str]) -> int:
    """Give every demo staff account without a device the demo secret; returns how many were enrolled."""
    enrolled = 0
    for user in User.objects.filter(username__in=usernames).order_by("id"):
        if not mfa.is_staff_account(user) or mfa.totp_device(user) is not None:
            continue
        EncryptedTOTPDevice.objects.create(user=user, name=mfa.TOTP_NAME, key=DEMO_TOTP_KEY_HEX, confirmed=True)
        enrolled += 1
    return enrolled


def current_code() -> str:
    return f"{totp(bytes.fromhex(DEMO_TOTP_KEY_HEX)):06d}"
