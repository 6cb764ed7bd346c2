"""Staff account controls (MLPS level 3): a second factor (TOTP) and a 90-day password change.

Who counts as staff: anyone holding a role other than 居民/党员 (committee,
police, doctors, property, observers, administrators), and Django admin users.
Residents are exempt from both: they sign in with a password checked against
the same rules, their accounts reach only their own data, and a second device
or a forced change would shut out the elderly residents the platform serves
(docs/security.md says why and where ASVS differs).

Flow: the password login makes a session as before; `StaffSecurityMiddleware`
then confines a staff session to the pages below until it is verified with a
TOTP code (or a recovery code) and, if the password is older than the limit,
until it is changed. Enrolment shows the QR code (SVG made here, no outside
service) and the secret as text, then ten single-use recovery codes.

At rest the TOTP secret is encrypted (`EncryptedTOTPDevice`, the personal-data keyring) and
recovery codes are kept as keyed hashes (`RecoveryCodeDevice`): a database dump holds no
second factor.
"""

from __future__ import annotations

import base64
import datetime as dt
import io
from typing import Any

from django.conf import settings
from django.db import transaction
from django.http import HttpRequest
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp import login as otp_login
from django_otp.models import Device
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken

from shequtong.common import clock, versioned
from shequtong.common.errors import ValidationFailed

from . import audit, scope
from .errors import AccountError
from .models import AuditEvent, RecoveryCodeDevice, User, recovery_code_hash
from .models import EncryptedTOTPDevice as TOTPDevice
from .roles import Role

# Roles that do not make an account a staff account.
RESIDENT_ROLES = frozenset({Role.RESIDENT, Role.PARTY_MEMBER})
RECOVERY_CODES = 10
TOTP_NAME = "动态口令"
RECOVERY_NAME = "恢复码"


def is_staff_account(user: Any) -> bool:
    if not getattr(user, "is_authenticated", False):
        return False
    if user.is_superuser or user.is_staff:
        return True
    return any(g.role not in RESIDENT_ROLES for g in scope.grants_of(user))


def mfa_required(user: Any) -> bool:
    return bool(getattr(settings, "MFA_REQUIRED_FOR_STAFF", True)) and is_staff_account(user)


def password_expired(user: Any, *, now: dt.datetime | None = None) -> bool:
    """Must the password be changed before anything else: chosen by someone else (a first sign-in
    after bootstrap or a reset), or a staff member's older than STAFF_PASSWORD_MAX_AGE_DAYS (0: never)?"""
    if getattr(user, "must_change_password", False):
        return True
    days = int(getattr(settings, "STAFF_PASSWORD_MAX_AGE_DAYS", 90) or 0)
    if days <= 0 or not is_staff_account(user):
        return False
    changed = user.password_changed_at or user.date_joined
    return (now or clock.now()) - changed >= dt.timedelta(days=days)


def totp_device(user: User, *, confirmed: bool = True) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=confirmed).order_by("id").first()


def session_verified(request: HttpRequest, user: Any) -> bool:
    """Did this session pass the second factor (a confirmed device of this user)?

    Asked on every staff request, so the answer is kept until one of the user's devices is
    saved or deleted (`devices_dep`, touched by the signal in apps.py).
    """
    persistent_id = request.session.get(DEVICE_ID_SESSION_KEY)
    if not persistent_id:
        return False

    def check() -> bool:
        device = Device.from_persistent_id(persistent_id)
        return device is not None and device.user_id == user.pk and device.confirmed

    return versioned.remember(f"mfa-verified:{user.pk}:{persistent_id}", [devices_dep(user.pk)], check)


def devices_dep(user_id: int) -> str:
    return f"otp-devices:{user_id}"


def start_enrolment(*, actor: User) -> TOTPDevice:
    """The unconfirmed device being enrolled (made once, shown until confirmed)."""
    pending = totp_device(actor, confirmed=False)
    if pending is None:
        pending = TOTPDevice.objects.create(user=actor, name=TOTP_NAME, confirmed=False)
    return pending


def secret_text(device: TOTPDevice) -> str:
    """The base32 secret in groups of four, for typing into an authenticator app."""
    secret = base64.b32encode(device.bin_key).decode().rstrip("=")
    return " ".join(secret[i:i + 4] for i in range(0, len(secret), 4))


def qr_svg(device: TOTPDevice) -> str:
    """The otpauth:// URI as an inline SVG QR code, generated here (no outside service)."""
    import qrcode
    import qrcode.image.svg

    image = qrcode.make(device.config_url, image_factory=qrcode.image.svg.SvgPathImage, box_size=8)
    out = io.BytesIO()
    image.save(out)
    svg = out.getvalue().decode()
    return svg[svg.index("<svg"):]  # drop the XML declaration: it is embedded in the page


def _check_code(token: str) -> str:
    token = "".join(ch for ch in (token or "") if not ch.isspace())
    if not token:
        raise ValidationFailed("请输入动态口令", code=AccountError.MFA_WRONG, field="token")
    return token


def confirm_enrolment(*, actor: User, token: str, request: HttpRequest | None = None) -> list[str]:
    """Confirm the pending device with a code from the app; the session counts as verified.

    Returns the new recovery codes (shown once). A second enrolment replaces the first device.
    """
    token = _check_code(token)
    with transaction.atomic():
        device = TOTPDevice.objects.select_for_update().filter(user=actor, confirmed=False).order_by("id").first()
        if device is None:
            raise ValidationFailed("请重新开始绑定", code=AccountError.MFA_NOT_ENROLLED, field="token")
        if not device.verify_token(token):
            audit.record(AuditEvent.Action.MFA_FAILED, actor=actor, target=actor, detail={"step": "enrol"}, request=request)
            raise ValidationFailed("动态口令不正确，请核对手机时间后重试", code=AccountError.MFA_WRONG, field="token")
        TOTPDevice.objects.filter(user=actor, confirmed=True).delete()
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        codes = _new_recovery_codes(actor)
        audit.record(AuditEvent.Action.MFA_ENROL, actor=actor, target=actor, request=request)
    if request is not None:
        otp_login(request, device)
    return codes


def _new_recovery_codes(user: User) -> list[str]:
    StaticDevice.objects.filter(user=user).delete()
    static = RecoveryCodeDevice.objects.create(user=user, name=RECOVERY_NAME, confirmed=True)
    codes = [StaticToken.random_token() for _ in range(RECOVERY_CODES)]
    # Only keyed hashes are stored; the codes are shown once (RecoveryCodeDevice checks typed codes).
    StaticToken.objects.bulk_create([StaticToken(device=static, token=recovery_code_hash(c)) for c in codes])
    return codes


def regenerate_recovery_codes(*, actor: User, request: HttpRequest | None = None) -> list[str]:
    if totp_device(actor) is None:
        raise ValidationFailed("请先绑定动态口令", code=AccountError.MFA_NOT_ENROLLED)
    with transaction.atomic():
        codes = _new_recovery_codes(actor)
        audit.record(AuditEvent.Action.MFA_RECOVERY, actor=actor, target=actor, request=request)
    return codes


def verify_session(*, actor: User, token: str, request: HttpRequest) -> None:
    """Check a TOTP code, or a single-use recovery code, and mark the session verified."""
    token = _check_code(token)
    devices: list[Device] = [d for d in (totp_device(actor),) if d is not None]
    devices += list(RecoveryCodeDevice.objects.filter(user=actor, confirmed=True))
    if not any(isinstance(d, TOTPDevice) for d in devices):
        raise ValidationFailed("请先绑定动态口令", code=AccountError.MFA_NOT_ENROLLED, field="token")
    for device in devices:
        with transaction.atomic():
            locked = type(device).objects.select_for_update().get(pk=device.pk)
            allowed, _ = locked.verify_is_allowed()
            if allowed and locked.verify_token(token):
                otp_login(request, locked)
                audit.record(AuditEvent.Action.MFA_VERIFY, actor=actor, target=actor,
                             detail={"method": "recovery" if isinstance(locked, StaticDevice) else "totp"}, request=request)
                return
    audit.record(AuditEvent.Action.MFA_FAILED, actor=actor, target=actor, detail={"step": "login"}, request=request)
    raise ValidationFailed("动态口令不正确（连续错误后需等待更久才能重试）", code=AccountError.MFA_WRONG, field="token")


def change_password(*, actor: User, old_password: str, new_password: str, request: HttpRequest | None = None) -> None:
    """Set a new password (validated by AUTH_PASSWORD_VALIDATORS); it must differ from the old one."""
    from django.contrib.auth import password_validation

    if not actor.check_password(old_password):
        raise ValidationFailed("原密码不正确", code=AccountError.PASSWORD_WRONG, field="old_password")
    if old_password == new_password:
        raise ValidationFailed("新密码不能与原密码相同", code=AccountError.PASSWORD_REUSED, field="new_password1")
    try:
        password_validation.validate_password(new_password, actor)
    except Exception as exc:  # ValidationError: its messages are Chinese already
        messages = getattr(exc, "messages", [str(exc)])
        raise ValidationFailed("；".join(messages), code=AccountError.PASSWORD_WEAK, field="new_password1") from exc
    with transaction.atomic():
        actor.set_password(new_password)
        actor.must_change_password = False
        actor.save(update_fields=["password", "password_changed_at", "must_change_password"])
        audit.record(AuditEvent.Action.PASSWORD_CHANGE, actor=actor, target=actor, request=request)


def mark_session_verified(session: Any, user: User) -> None:
    """A session as a completed second factor leaves it (bench/prepare.py; never called by a view)."""
    device = totp_device(user)
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=TOTP_NAME, confirmed=True)
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
