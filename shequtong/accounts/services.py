"""Every state change of accounts: registration, joining, review, roles, tokens, reveal."""

from __future__ import annotations

import datetime as dt
import hmac
import secrets
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.http import HttpRequest

from shequtong.common import clock, crypto, hooks
from shequtong.common.errors import NotFound, PermissionRefused, Throttled, ValidationFailed
from shequtong.common.idcard import InvalidIdNumber, parse_id_number
from shequtong.common.phones import InvalidPhone, normalise_phone
from shequtong.integrations import sms
from shequtong.places import services as places_services
from shequtong.places.models import Community, Estate, Subdistrict

from . import audit, captcha, households, passwords, population, scope, throttle
from .audit import client_ip
from .errors import AccountError
from .models import ApiToken, AuditEvent, Membership, RoleGrant, SmsCode, User
from .policies import MEMBERSHIP_NOT_FOUND, access_grant, access_membership
from .privacy import PRIVACY_NOTICE_VERSION
from .roles import ADMIN_ROLES, LEVELS, MIN_LEVEL, VERSION_OF_ROLE, Role

SMS_MAX_ATTEMPTS = 5
SMS_RESEND_SECONDS = 60


def phone_index(phone: str) -> str:
    return crypto.blind_index(phone, purpose="phone")


def id_number_index(id_number: str) -> str:
    return crypto.blind_index(id_number, purpose="id_number")


# --- SMS verification ------------------------------------------------------

def send_sms_code(
    *, phone: str, purpose: str = "register", request: HttpRequest | None = None,
    captcha_id: str | None = None, captcha_answer: str | None = None,
) -> None:
    """Send a 6-digit code: at most one a minute and a few an hour per phone, a few an hour per
    client address (a captcha first past a threshold), and a ceiling for the whole platform."""
    try:
        phone = normalise_phone(phone)
    except InvalidPhone as exc:
        raise ValidationFailed(str(exc), field="phone") from exc
    index = phone_index(phone)
    ip = client_ip(request)
    if (refusal := throttle.sms_refusal(phone_index=index, ip=ip)) is not None:
        raise Throttled(refusal, code=AccountError.SMS_THROTTLED, field="phone")
    if throttle.sms_needs_captcha(ip):
        if not captcha_id:
            raise ValidationFailed(f"请先完成图形验证：{captcha.PROMPT}", code=AccountError.CAPTCHA_REQUIRED, field="captcha")
        if not captcha.check(captcha_id, captcha_answer):
            raise ValidationFailed("图形验证码不正确，请重新获取", code=AccountError.CAPTCHA_WRONG, field="captcha")
    now = clock.now()
    recent = SmsCode.objects.filter(phone_index=index, purpose=purpose, created_at__gt=now - timedelta(seconds=SMS_RESEND_SECONDS))
    if recent.exists():
        raise ValidationFailed("验证码发送过于频繁，请1分钟后再试", code=AccountError.SMS_THROTTLED, field="phone")
    code = f"{secrets.randbelow(1_000_000):06d}"
    with transaction.atomic():
        SmsCode.objects.create(
            phone_index=index,
            purpose=purpose,
            code_hash=SmsCode.hash_code(index, code),
            created_at=now,
            expires_at=now + timedelta(seconds=settings.SMS_CODE_TTL_SECONDS),
        )
    throttle.sms_sent(phone_index=index, ip=ip)
    try:
        sms.get_gateway().send(phone, f"【社区通】您的验证码是{code}，5分钟内有效。如非本人操作，请忽略本短信。")
    except sms.SmsDeliveryError as exc:
        raise ValidationFailed("短信发送失败，请稍后重试", code=AccountError.SMS_FAILED, field="phone") from exc


def _check_sms_code(*, index: str, code: str, purpose: str) -> int:
    """Check a code and return its row id; a wrong guess is counted (and committed)."""
    now = clock.now()
    wrong = False
    with transaction.atomic():
        row = (
            SmsCode.objects.select_for_update()
            .filter(phone_index=index, purpose=purpose, used_at__isnull=True, expires_at__gt=now)
            .order_by("-created_at")
            .first()
        )
        if row is None or row.attempts >= SMS_MAX_ATTEMPTS:
            raise ValidationFailed("验证码已失效，请重新获取", code=AccountError.SMS_EXPIRED, field="sms_code")
        if not hmac.compare_digest(row.code_hash, SmsCode.hash_code(index, (code or "").strip())):
            row.attempts += 1
            row.save(update_fields=["attempts"])
            wrong = True
    if wrong:
        raise ValidationFailed("验证码不正确", code=AccountError.SMS_WRONG, field="sms_code")
    return row.pk


def _use_sms_code(pk: int) -> None:
    """Mark a checked code used; inside the caller's transaction, exactly once."""
    if SmsCode.objects.filter(pk=pk, used_at__isnull=True).update(used_at=clock.now()) != 1:
        raise ValidationFailed("验证码已失效，请重新获取", code=AccountError.SMS_EXPIRED, field="sms_code")


# --- Registration ------------------------------------------------------------

@dataclass(frozen=True)
class Registration:
    username: str  # optional: the phone number is the login; blank gives a generated one
    real_name: str
    id_number: str
    phone: str
    sms_code: str
    password: str
    invite_code: str = ""   # a neighbour's invite code (points rewards the inviter when this person joins)
    password2: str | None = None  # the confirmation, when the page asks for one
    consent: bool = True  # the privacy notice accepted (the page's checkbox; API callers state it)


def registration_errors(data: Registration) -> dict[str, str]:
    """Every format error of a registration at once, in Chinese, in the page's field order (one round).

    Nothing here reads the database: whether an ID number or phone is registered is told only
    after the SMS code (register). A password mismatch is one error among the others.
    """
    errors: dict[str, str] = {}
    real_name = data.real_name.strip()
    if not (2 <= len(real_name) <= 30):
        errors["real_name"] = "请输入真实姓名"
    if not data.id_number.strip():
        errors["id_number"] = "请输入身份证号码"
    else:
        try:
            parse_id_number(data.id_number)
        except InvalidIdNumber as exc:
            errors["id_number"] = str(exc)
    phone_errors(errors, data.phone)
    username = data.username.strip()
    if username:
        if len(username) > 30 or not username.isascii() or not username.replace("-", "").replace("_", "").isalnum():
            errors["username"] = "用户名由字母、数字、下划线或短横线组成，最多30位"
        elif username.isdigit():
            errors["username"] = "用户名不能全是数字"
    password_and_consent_errors(errors, data.password, data.password2, data.consent,
                                User(username=username, real_name=real_name))
    if not data.sms_code.strip():
        errors["sms_code"] = "请输入短信验证码"
    code = (data.invite_code or "").strip()
    if code and (len(code) > 12 or not code.isascii() or not code.isalnum()):
        errors["invite_code"] = "邀请码由字母和数字组成"
    return errors


def phone_errors(errors: dict[str, str], phone: str) -> None:
    """The phone field's format error, if any (registration, 认领账号)."""
    if not phone.strip():
        errors["phone"] = "请输入手机号码"
        return
    try:
        normalise_phone(phone)
    except InvalidPhone as exc:
        errors["phone"] = str(exc)


def password_and_consent_errors(errors: dict[str, str], password: str, password2: str | None, consent: bool,
                                who: User) -> None:
    """The new password's rules (against `who`'s name), the repeat, and the privacy consent."""
    problems = passwords.resident_password_errors(password, who)
    if problems:
        errors["password"] = "；".join(problems)
    if password2 is not None and password and password != password2:
        errors["password2"] = "两次输入的密码不一致"
    if not consent:
        errors["consent"] = "请阅读并同意《个人信息保护说明》"


def _new_username() -> str:
    """A login name for someone who gave none (they log in with their phone): never shown as theirs to choose."""
    while True:
        candidate = f"u{secrets.token_hex(5)}"
        if not User.objects.filter(username=candidate).exists():
            return candidate


def register(*, data: Registration, request: HttpRequest | None = None) -> User:
    """Create a real-name account; refuse bad or duplicate identity data, write nothing then.

    The SMS code is checked before anything is compared with existing accounts: without the code
    sent to the phone, the answer is the same whether or not an ID number or phone is registered
    (issue 12 item 7). Format errors (a bad checksum) are told at once: they reveal nothing.
    """
    errors = registration_errors(data)
    real_name = data.real_name.strip()
    username = data.username.strip()
    _refuse(errors)
    info = parse_id_number(data.id_number)
    phone = normalise_phone(data.phone)
    # Only the holder of the phone gets past here: a wrong code is told alike for every ID number.
    code_pk = _check_sms_code(index=phone_index(phone), code=data.sms_code, purpose="register")
    if username and User.objects.filter(username=username).exists():
        errors["username"] = "该用户名已被使用"
    if User.objects.filter(id_number_index=id_number_index(info.number)).exists():
        errors["id_number"] = "该身份证号码已注册，请直接登录或找回密码"
    if User.objects.filter(phone_index=phone_index(phone)).exists():
        errors["phone"] = "该手机号码已注册，请直接登录"
    if "id_number" in errors or "phone" in errors:
        # Each such answer costs the code a guess: one code cannot test ID numbers by the hundred.
        SmsCode.objects.filter(pk=code_pk).update(attempts=F("attempts") + 1)
    _refuse(errors)
    try:
        with transaction.atomic():
            _use_sms_code(code_pk)
            user = User(
                username=username or _new_username(),
                real_name=real_name,
                id_number=info.number,
                id_number_index=id_number_index(info.number),
                phone=phone,
                phone_index=phone_index(phone),
                birth_date=info.birth_date,
                sex=info.sex,
                invite_code=(data.invite_code or "").strip().upper()[:12],
                privacy_consent_at=clock.now(),
                privacy_consent_version=PRIVACY_NOTICE_VERSION,
            )
            user.set_password(data.password)
            user.save()
            audit.record(AuditEvent.Action.REGISTER, actor=user, target=user, request=request)
    except IntegrityError as exc:  # a concurrent registration with the same ID or phone
        raise ValidationFailed("该身份证号码或手机号码已注册", code=AccountError.DUPLICATE) from exc
    return user


def _refuse(errors: dict[str, str]) -> None:
    if errors:
        field, message = next(iter(errors.items()))
        err = ValidationFailed(message, field=field)
        err.errors = errors  # type: ignore[attr-defined]
        raise err


# --- Joining a community ----------------------------------------------------

def request_membership(*, actor: User, community_id: int, estate_id: int | None = None, note: str = "") -> Membership:
    """Ask to join a community (and an estate of it); its committee reviews the request."""
    community = Community.objects.filter(pk=community_id).first()
    if community is None:
        raise ValidationFailed("居村委不存在", field="community_id")
    estate = Estate.objects.filter(pk=estate_id).first() if estate_id else None
    if estate_id and (estate is None or estate.community_id != community.pk):
        raise ValidationFailed("所选小区不属于该居村委", field="estate")
    with transaction.atomic():
        if Membership.objects.select_for_update().filter(user=actor, community=community, status__in=["pending", "approved"]).exists():
            raise ValidationFailed("您已申请加入该居村委，请等待审核", code=AccountError.DUPLICATE_REQUEST)
        membership = Membership.objects.create(
            user=actor, community=community, estate=estate, note=note.strip()[:200], requested_at=clock.now()
        )
        population.refresh_members([community.pk])  # 新申请加入 (宝山用户数据)
    return membership


def review_membership(*, actor: User, membership_id: int, approve: bool, reason: str = "", request: HttpRequest | None = None) -> Membership:
    """Approve or reject a join request in the reviewer's community; tell the applicant in 信箱."""
    reason = reason.strip()
    if not approve and not reason:
        raise ValidationFailed("请填写不通过的原因", field="reason")
    with transaction.atomic():
        membership, access = access_membership(actor, membership_id, for_update=True)
        if not access.is_reviewer:  # the applicant sees their request but does not review it
            raise NotFound(MEMBERSHIP_NOT_FOUND)
        if not access.can_review:
            raise ValidationFailed("该申请已审核", code=AccountError.ALREADY_REVIEWED)
        now = clock.now()
        membership.status = Membership.Status.APPROVED if approve else Membership.Status.REJECTED
        membership.reason = reason[:200]
        membership.reviewed_at = now
        membership.reviewed_by = actor
        membership.review_seconds = max(0, int((now - membership.requested_at).total_seconds()))
        membership.save(update_fields=["status", "reason", "reviewed_at", "reviewed_by", "review_seconds"])
        community = membership.community
        if approve:
            _, created = RoleGrant.objects.get_or_create(
                user=membership.user,
                role=Role.RESIDENT,
                subdistrict_id=community.subdistrict_id,
                community=community,
                estate=membership.estate,
                defaults={"granted_by": actor},
            )
            if created:
                places_services.bump(community, "residents", 1)
            households.refresh_covered([membership.estate_id])
            population.refresh([community.pk])
            hooks.membership_changed.publish(hooks.MembershipEvent(
                user_id=membership.user_id, role=Role.RESIDENT, subdistrict_id=community.subdistrict_id,
                community_id=community.pk, estate_id=membership.estate_id, change="joined",
            ))
            # 信箱 sits above accounts: the notice goes out through the hook inbox subscribes to.
            hooks.notice_requested.publish(hooks.NoticeEvent(
                recipient_id=membership.user_id,
                subject=f"您已成功加入{community.name}",
                body=f"您申请加入{community.name}的请求已通过审核，欢迎参与社区生活。",
            ))
        else:
            hooks.notice_requested.publish(hooks.NoticeEvent(
                recipient_id=membership.user_id,
                subject=f"您加入{community.name}的申请未通过",
                body=f"审核意见：{membership.reason}。如有疑问，请联系{community.committee_label}。",
            ))
        audit.record(
            AuditEvent.Action.MEMBER_REVIEW,
            actor=actor,
            target=membership,
            detail={"approved": approve, "community": community.pk},
            request=request,
        )
    return membership


# --- Roles -------------------------------------------------------------------

def _place_ids(*, subdistrict: Subdistrict | None, community: Community | None, estate: Estate | None) -> dict[str, Any]:
    if estate is not None:
        community = estate.community
    if community is not None:
        subdistrict = community.subdistrict
    return {
        "subdistrict_id": subdistrict.pk if subdistrict else None,
        "community_id": community.pk if community else None,
        "estate_id": estate.pk if estate else None,
    }


def _level(ids: dict[str, Any]) -> str:
    if ids["estate_id"]:
        return "estate"
    if ids["community_id"]:
        return "community"
    if ids["subdistrict_id"]:
        return "subdistrict"
    return "district"


def grant_role(
    *,
    actor: User,
    user: User,
    role: str,
    subdistrict: Subdistrict | None = None,
    community: Community | None = None,
    estate: Estate | None = None,
    request: HttpRequest | None = None,
) -> RoleGrant:
    """Grant `role` on a place; only inside the actor's own scope and never above it."""
    if role not in Role.values:
        raise ValidationFailed("未知角色", field="role")
    if role not in scope.grantable_roles(actor):
        raise PermissionRefused("您无权授予该角色")
    ids = _place_ids(subdistrict=subdistrict, community=community, estate=estate)
    level = _level(ids)
    if role in MIN_LEVEL and LEVELS.index(level) > LEVELS.index(MIN_LEVEL[role]):
        raise ValidationFailed("该角色需授予在更高一级的辖区", field="place")
    if role not in MIN_LEVEL and level in ("district", "subdistrict"):
        raise ValidationFailed("该角色需授予在具体的居村委", field="place")
    if not scope.grant_scope(actor, role).covers(community_id=ids["community_id"], subdistrict_id=ids["subdistrict_id"]):
        raise PermissionRefused("只能在本人管辖范围内授予角色")
    with transaction.atomic():
        if role in ADMIN_ROLES:
            # 三员分立: the system, security and audit administrators are three people. Lock the
            # person's row so two concurrent grants cannot both pass this check.
            User.objects.select_for_update().filter(pk=user.pk).first()
            held = set(RoleGrant.objects.filter(user=user, role__in=ADMIN_ROLES - {role}).values_list("role", flat=True))
            if held:
                names = "、".join(str(Role(r).label) for r in sorted(held))
                raise ValidationFailed(f"三员分立：该用户已是{names}，不能再担任{Role(role).label}",
                                       code=AccountError.ADMIN_SEPARATION, field="role")
        grant, created = RoleGrant.objects.get_or_create(user=user, role=role, **ids, defaults={"granted_by": actor})
        if not created:
            raise ValidationFailed("该用户在此辖区已拥有该角色", code=AccountError.DUPLICATE_GRANT)
        if role == Role.PARTY_MEMBER and grant.community is not None:
            places_services.bump(grant.community, "party_members", 1)
        hooks.membership_changed.publish(hooks.MembershipEvent(user_id=user.pk, role=role, change="granted", **ids))
        audit.record(
            AuditEvent.Action.ROLE_GRANT, actor=actor, target=user,
            detail={"role": role, **ids}, request=request,
        )
    scope.forget(user)
    return grant


def revoke_role(*, actor: User, grant_id: int, request: HttpRequest | None = None) -> None:
    with transaction.atomic():
        grant, access = access_grant(actor, grant_id, for_update=True)
        if not access.can_revoke:
            raise ValidationFailed("不能撤销自己的管理员角色", code=AccountError.SELF_REVOKE)
        ids = {"subdistrict_id": grant.subdistrict_id, "community_id": grant.community_id, "estate_id": grant.estate_id}
        user = grant.user
        if grant.role in (Role.PARTY_MEMBER, Role.RESIDENT) and grant.community is not None:
            places_services.bump(grant.community, "party_members" if grant.role == Role.PARTY_MEMBER else "residents", -1)
        grant.delete()
        audit.record(AuditEvent.Action.ROLE_REVOKE, actor=actor, target=user, detail={"role": grant.role, **ids}, request=request)
    scope.forget(user)


# --- Preferences ---------------------------------------------------------------

def switch_version(*, actor: User, version: str) -> None:
    if version not in scope.versions_of(actor):
        raise PermissionRefused("您没有该版本的使用权限")
    actor.active_version = version
    actor.save(update_fields=["active_version"])


def set_elder_mode(*, actor: User, enabled: bool) -> None:
    """A person's own choice; it also answers the 长辈模式 offer, which is not made again."""
    actor.elder_mode = enabled
    actor.elder_mode_offered = True
    actor.save(update_fields=["elder_mode", "elder_mode_offered"])


ELDER_AGE = 60


def age_of(user: User, today: dt.date | None = None) -> int | None:
    """Whole years from the stored birth date, or from the ID number (GB 11643) when there is none."""
    birth = user.birth_date
    if birth is None and user.id_number:
        try:
            birth = parse_id_number(user.id_number).birth_date
        except InvalidIdNumber:
            return None
    if birth is None:
        return None
    today = today or clock.today()
    return today.year - birth.year - ((today.month, today.day) < (birth.month, birth.day))


def offers_elder_mode(user: User) -> bool:
    """Offer 长辈模式 to someone aged 60 or more who has neither answered nor chosen a mode."""
    if user.elder_mode or user.elder_mode_offered:
        return False
    age = age_of(user)
    return age is not None and age >= ELDER_AGE


# --- Personal data -------------------------------------------------------------

def reveal_personal_data(*, actor: User, subject_id: int, request: HttpRequest | None = None) -> dict[str, str]:
    """Return a user's clear real name, ID number and phone; only to oneself or a role that needs it; logged.

    The one way a clear real name leaves the database for a screen (everything else shows
    `masked_name`); every call writes a `reveal` audit event naming the fields.
    """
    subject = actor if subject_id == actor.pk else User.objects.filter(pk=subject_id).first()
    if subject is None:
        raise NotFound("该用户不存在或不在您的管辖范围内")
    if actor.pk != subject.pk:
        allowed = scope.scope_for(actor, "reveal_personal_data")
        communities = {g.community_id for g in subject.role_grants.all() if g.community_id}
        communities |= set(subject.memberships.values_list("community_id", flat=True))
        if not (allowed.everything or any(allowed.covers(community_id=c) for c in communities)):
            raise NotFound("该用户不存在或不在您的管辖范围内")
    audit.record(AuditEvent.Action.REVEAL, actor=actor, target=subject,
                 detail={"fields": ["real_name", "id_number", "phone"]}, request=request)
    return {"real_name": subject.real_name or "", "id_number": subject.id_number or "", "phone": subject.phone or ""}


# Why a committee reveals a member's contact (显示完整信息): written into the audit event.
REVEAL_REASONS = {
    "review": "核实入会申请",
    "case": "联系问题提出人",
    "visit": "面对面走访",
}


@dataclass(frozen=True)
class Contact:
    real_name: str
    phone: str
    estate: str


def reveal_contact(*, actor: User, subject_id: int, reason: str, request: HttpRequest | None = None) -> Contact:
    """显示完整信息 for committee work: a member's clear name and phone, to staff of the member's own community.

    Committee staff and secretaries ("committee" capability) of a community the subject
    belongs to or has applied to may reveal; anyone else, another community's staff and
    observers included, is refused like a missing person. ``reason`` (a key of
    REVEAL_REASONS) is required; every reveal writes a ``reveal`` audit event naming
    who, whom, the fields and why. The ID number stays behind reveal_personal_data.
    """
    subject = User.objects.filter(pk=subject_id, is_active=True).first()
    if subject is None or subject.pk == actor.pk:
        raise NotFound("该用户不存在或不在您的管辖范围内")
    allowed = scope.scope_for(actor, "committee")
    memberships = list(subject.memberships.exclude(status=Membership.Status.REJECTED).select_related("estate"))
    communities = {m.community_id for m in memberships}
    communities |= {g.community_id for g in subject.role_grants.all() if g.community_id}
    mine = [c for c in communities if allowed.covers(community_id=c)]
    if not (allowed.everything or mine):
        raise NotFound("该用户不存在或不在您的管辖范围内")
    if reason not in REVEAL_REASONS:
        raise ValidationFailed("请选择查看原因", field="reason")
    estate = next((m.estate.name for m in memberships if m.estate is not None and m.community_id in mine), "")
    audit.record(AuditEvent.Action.REVEAL, actor=actor, target=subject, request=request,
                 detail={"fields": ["real_name", "phone"], "reason": reason, "why": REVEAL_REASONS[reason]})
    return Contact(real_name=subject.real_name or "", phone=subject.phone or "", estate=estate)


# --- API tokens ------------------------------------------------------------------

def create_api_token(
    *, actor: User, name: str, token_scope: str = "read",  # noqa: S107
    days: int | None = None, request: HttpRequest | None = None,
) -> tuple[ApiToken, str]:
    """Create a token; the clear key is returned once and only its hash is stored.

    Short-lived (API_TOKEN_DEFAULT_DAYS, at most API_TOKEN_MAX_DAYS), and only from a logged-in
    session: a request authenticated by a token may not mint more (a stolen token stays one token).
    """
    if getattr(request, "api_token", None) is not None:
        raise PermissionRefused("接口令牌不能用于创建新的令牌，请登录后在“我的·接口令牌”中创建")
    if token_scope not in ApiToken.Scope.values:
        raise ValidationFailed("未知权限", field="scope")
    days = settings.API_TOKEN_DEFAULT_DAYS if days is None else days
    if not (1 <= days <= settings.API_TOKEN_MAX_DAYS):
        raise ValidationFailed(f"有效期须为1至{settings.API_TOKEN_MAX_DAYS}天", field="days")
    key = "sqt_" + secrets.token_urlsafe(32)
    with transaction.atomic():
        token = ApiToken.objects.create(
            user=actor,
            name=name.strip()[:50] or "token",
            prefix=key[4:12],
            key_hash=crypto.blind_index(key, purpose="api_token"),
            scope=token_scope,
            expires_at=clock.now() + timedelta(days=days),
        )
        audit.record(AuditEvent.Action.TOKEN, actor=actor, target=token,
                     detail={"op": "create", "scope": token_scope, "days": days}, request=request)
    return token, key


def revoke_api_token(*, actor: User, token_id: int, request: HttpRequest | None = None) -> ApiToken:
    """Revoke one of the actor's own tokens (someone else's is not found, like a missing one)."""
    with transaction.atomic():
        token = ApiToken.objects.select_for_update().filter(pk=token_id, user=actor).first()
        if token is None:
            raise NotFound("该令牌不存在")
        if token.revoked_at is None:
            token.revoked_at = clock.now()
            token.save(update_fields=["revoked_at"])
            audit.record(AuditEvent.Action.TOKEN, actor=actor, target=token, detail={"op": "revoke"}, request=request)
    return token


def revoke_all_api_tokens(*, user_id: int, reason: str) -> int:
    """Revoke every live token of a user (password changed, account deactivated); returns how many."""
    with transaction.atomic():
        n = ApiToken.objects.filter(user_id=user_id, revoked_at__isnull=True).update(revoked_at=clock.now())
        if n:
            AuditEvent.objects.create(action=AuditEvent.Action.TOKEN, target_type="accounts.user", target_id=str(user_id),
                                      detail={"op": "revoke_all", "reason": reason, "count": n}, created_at=clock.now())
    return n


def version_label_roles(user: User) -> dict[str, list[str]]:
    """Roles per version, for 我的 (role names, not places)."""
    out: dict[str, list[str]] = {}
    for g in scope.grants_of(user):
        out.setdefault(VERSION_OF_ROLE[g.role], []).append(str(Role(g.role).label))
    return out
