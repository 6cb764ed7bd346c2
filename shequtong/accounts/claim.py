"""认领账号: an imported resident's first sign-in (issue 20).

The residents import (operations app) creates real-name accounts, with their community
membership, that nobody has signed in to: they have no usable password. The resident claims
theirs with two proofs: an SMS code sent to the phone on file (the registration's code,
throttles and captcha, `services.send_sms_code`, purpose "claim"), and the last six
characters of their ID number (or the whole number). Then they set a password, accept the
privacy notice as registration asks, and are signed in as that person with the membership the
import gave them.

What an outsider learns: nothing about whether a phone is on file. The code is sent to any
well-formed phone (as registration does), and every refusal after the code — no account, an
account already claimed or not claimable, a wrong ID proof — is the same sentence. Each refusal
costs the code a guess (five per code) and counts towards a lockout of the phone and of the
client address for the hour (settings CLAIM_FAILURES_PER_PHONE_HOUR / _PER_IP_HOUR), and is
written to the audit log with its real cause, which only the audit administrator reads.

Claimable: active, never signed in, no usable password, not forced to change one (staff get
a first password from the security administrator instead), and no role beyond 居民/党员.
After a claim the account has a password and a sign-in, so a second claim is refused.
"""

from __future__ import annotations

import hmac
import re
from dataclasses import dataclass
from typing import NoReturn

from django.db import transaction
from django.db.models import F
from django.http import HttpRequest

from shequtong.common import clock
from shequtong.common.errors import Throttled, ValidationFailed
from shequtong.common.idcard import InvalidIdNumber, parse_id_number
from shequtong.common.phones import InvalidPhone, normalise_phone

from . import audit, passwords, services, throttle
from .audit import client_ip
from .errors import AccountError
from .mfa import RESIDENT_ROLES
from .models import AuditEvent, RoleGrant, SmsCode, User
from .privacy import PRIVACY_NOTICE_VERSION

PURPOSE = "claim"
PROOF_TAIL = 6
REFUSED = "手机号码与身份证信息核对不一致，或该账号无需认领。已认领的请直接登录；仍有疑问请联系所在居村委。"
LOCKED = "认领尝试次数过多，请1小时后再试"
_TAIL = re.compile(r"^\d{5}[\dX]$")


@dataclass(frozen=True)
class Claim:
    phone: str
    sms_code: str
    id_proof: str  # the last six characters of the ID number, or all eighteen
    password: str
    password2: str | None = None
    consent: bool = False


def claim_errors(data: Claim) -> dict[str, str]:
    """Every format error at once, in the page's field order; reads nothing from the database."""
    errors: dict[str, str] = {}
    services.phone_errors(errors, data.phone)
    if not data.sms_code.strip():
        errors["sms_code"] = "请输入短信验证码"
    proof = _proof(data.id_proof)
    if not proof:
        errors["id_proof"] = "请输入身份证号码后6位"
    elif len(proof) == PROOF_TAIL:
        if not _TAIL.match(proof):
            errors["id_proof"] = "身份证号码后6位应为数字，最后一位可以是X"
    elif len(proof) == 18:
        try:
            parse_id_number(proof)
        except InvalidIdNumber as exc:
            errors["id_proof"] = str(exc)
    else:
        errors["id_proof"] = "请输入身份证号码后6位，或完整的18位号码"
    services.password_and_consent_errors(errors, data.password, data.password2, data.consent,
                                         User(username="", real_name=""))
    return errors


def _proof(value: str) -> str:
    return "".join((value or "").split()).upper()


def claimable(user: User) -> bool:
    """An imported account nobody has signed in to yet (see the module's docstring)."""
    return (user.is_active and user.last_login is None and not user.has_usable_password()
            and not user.must_change_password and not user.is_staff and not user.is_superuser
            and not RoleGrant.objects.filter(user=user).exclude(role__in=RESIDENT_ROLES).exists())


def _proof_matches(user: User, proof: str) -> bool:
    on_file = (user.id_number or "").upper()
    if len(proof) == PROOF_TAIL:
        return len(on_file) == 18 and hmac.compare_digest(on_file[-PROOF_TAIL:], proof)
    return hmac.compare_digest(on_file, proof)


def send_code(*, phone: str, request: HttpRequest | None = None, captcha_id: str | None = None,
              captcha_answer: str | None = None) -> None:
    """The registration's SMS code (same throttles and captcha), refused while the phone or address is locked out."""
    try:
        index = services.phone_index(normalise_phone(phone))
    except InvalidPhone as exc:
        raise ValidationFailed(str(exc), field="phone") from exc
    if throttle.claim_locked(phone_index=index, ip=client_ip(request)):
        raise Throttled(LOCKED, code=AccountError.CLAIM_LOCKED, field="phone")
    services.send_sms_code(phone=phone, purpose=PURPOSE, request=request, captcha_id=captcha_id,
                           captcha_answer=captcha_answer)


def claim_account(*, data: Claim, request: HttpRequest | None = None) -> User:
    """Check both proofs, set the password and the privacy consent; return the claimed account.

    Nothing changes on a refusal except the counters that limit guessing (the code's attempts,
    the lockout) and the audit row. The caller signs the person in.
    """
    services._refuse(claim_errors(data))  # noqa: SLF001 - accounts' own helper: every error at once
    index = services.phone_index(normalise_phone(data.phone))
    ip = client_ip(request)
    if throttle.claim_locked(phone_index=index, ip=ip):
        raise Throttled(LOCKED, code=AccountError.CLAIM_LOCKED)
    try:
        code_pk = services._check_sms_code(index=index, code=data.sms_code, purpose=PURPOSE)  # noqa: SLF001
    except ValidationFailed:
        throttle.claim_failed(phone_index=index, ip=ip)
        raise
    proof = _proof(data.id_proof)
    user = User.objects.filter(phone_index=index).first()
    cause = ("no_account" if user is None else "not_claimable" if not claimable(user)
             else "" if _proof_matches(user, proof) else "id_proof_wrong")
    if cause:
        _refused(code_pk, index, ip, user, cause, request)
    assert user is not None
    problems = passwords.resident_password_errors(data.password, user)  # similarity to the real name, now known
    if problems:
        raise ValidationFailed("；".join(problems), code=AccountError.PASSWORD_WEAK, field="password")
    with transaction.atomic():
        user = User.objects.select_for_update().get(pk=user.pk)
        still = claimable(user)  # not claimed a moment ago by a second submission
        if still:
            services._use_sms_code(code_pk)  # noqa: SLF001
            user.set_password(data.password)
            user.privacy_consent_at = clock.now()
            user.privacy_consent_version = PRIVACY_NOTICE_VERSION
            user.save(update_fields=["password", "privacy_consent_at", "privacy_consent_version"])
            audit.record(AuditEvent.Action.ACCOUNT, actor=user, target=user, detail={"op": "claim"}, request=request)
    if not still:
        _refused(code_pk, index, ip, user, "not_claimable", request)
    return user


def _refused(code_pk: int, index: str, ip: str | None, user: User | None, cause: str,
             request: HttpRequest | None) -> NoReturn:
    SmsCode.objects.filter(pk=code_pk).update(attempts=F("attempts") + 1)
    throttle.claim_failed(phone_index=index, ip=ip)
    audit.record(AuditEvent.Action.ACCOUNT, target=user, detail={"op": "claim_refused", "cause": cause}, request=request)
    raise ValidationFailed(REFUSED, code=AccountError.CLAIM_REFUSED)
