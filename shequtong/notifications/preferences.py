"""Which channels a person accepts (NF-6), and the fan-out of a reminder to those channels.

A reminder (outbox kind "push") reaches 信箱 through the service that wrote
it; its delivery enqueues one outbox row per external channel the person
accepts — e-mail, SMS, WeChat — each with its own retries, so a channel
that is down delays its own message and nothing else.
"""

from __future__ import annotations

import hashlib

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction

from shequtong.accounts.models import User
from shequtong.common.errors import ValidationFailed

from . import outbox
from .errors import NotificationError
from .models import ChannelPreference, Outbox

CHANNELS = ("email", "sms", "wechat")
_DEFAULTS = {"email": True, "sms": False, "wechat": True}


def preference_of(user: User) -> ChannelPreference:
    """The stored choice, or an unsaved row carrying the defaults."""
    pref = ChannelPreference.objects.filter(user_id=user.pk).first()
    return pref or ChannelPreference(user_id=user.pk, **_DEFAULTS)


def has_address(user: User, channel: str, pref: ChannelPreference | None = None) -> bool:
    if channel == "email":
        return bool(user.email)
    if channel == "sms":
        return bool(user.phone)
    if channel == "wechat":
        return bool((pref or preference_of(user)).wechat_openid)
    return False


def accepts(user: User, channel: str) -> bool:
    """Does `user` take messages on `channel` (chosen, and an address to send to)?"""
    if channel not in CHANNELS:
        return False
    pref = preference_of(user)
    return bool(getattr(pref, channel)) and has_address(user, channel, pref)


def accepts_any(user: User) -> bool:
    """Does `user` take messages on at least one external channel? (One query for the preference row.)"""
    pref = preference_of(user)
    return any(getattr(pref, channel) and has_address(user, channel, pref) for channel in CHANNELS)


def wechat_openid(user_id: int) -> str:
    pref = ChannelPreference.objects.filter(user_id=user_id, wechat=True).first()
    return pref.wechat_openid if pref else ""


def set_preferences(*, actor: User, email: bool, sms: bool, wechat: bool, email_address: str | None = None) -> ChannelPreference:
    """The person's own choice of channels (and, optionally, their e-mail address)."""
    if email_address is not None:
        email_address = email_address.strip()
        if email_address:
            try:
                validate_email(email_address)
            except ValidationError as exc:
                raise ValidationFailed("请输入有效的电子邮箱", code=NotificationError.EMAIL_INVALID,
                                       field="email_address") from exc
        if len(email_address) > 254:
            raise ValidationFailed("电子邮箱过长", code=NotificationError.EMAIL_TOO_LONG, field="email_address")
    with transaction.atomic():
        if email_address is not None and email_address != actor.email:
            actor.email = email_address
            actor.save(update_fields=["email"])
        pref, _ = ChannelPreference.objects.select_for_update().get_or_create(user_id=actor.pk, defaults=_DEFAULTS)
        pref.email, pref.sms, pref.wechat = email, sms, wechat
        pref.save(update_fields=["email", "sms", "wechat", "updated_at"])
    return pref


def bind_wechat(*, actor: User, openid: str) -> ChannelPreference:
    """Bind the WeChat account WeChat's web authorisation named (one account per openid: it moves)."""
    openid = openid.strip()
    if not openid or len(openid) > 64:
        raise ValidationFailed("微信授权失败，请重试", code=NotificationError.WECHAT_BIND_FAILED)
    with transaction.atomic():
        ChannelPreference.objects.filter(wechat_openid=openid).exclude(user_id=actor.pk).update(wechat_openid="")
        pref, _ = ChannelPreference.objects.select_for_update().get_or_create(user_id=actor.pk, defaults=_DEFAULTS)
        pref.wechat_openid, pref.wechat = openid, True
        pref.save(update_fields=["wechat_openid", "wechat", "updated_at"])
    return pref


def unbind_wechat(*, actor: User) -> None:
    with transaction.atomic():
        ChannelPreference.objects.filter(user_id=actor.pk).update(wechat_openid="")


def fan_out(row: Outbox) -> list[Outbox]:
    """Enqueue a reminder on each external channel its recipient accepts (idempotent per channel)."""
    user = User.objects.filter(pk=row.payload.get("user_id"), is_active=True).first()
    if user is None:
        return []
    payload = {k: row.payload.get(k, "") for k in ("user_id", "subject", "body", "link")}
    return [
        outbox.enqueue(kind=channel, payload=payload, idempotency_key=_channel_key(row.idempotency_key, channel))
        for channel in CHANNELS if accepts(user, channel)
    ]


def _channel_key(key: str, channel: str) -> str:
    out = f"{key}:{channel}"
    if len(out) > 120:  # the column's size: a digest keeps long keys distinct
        out = hashlib.sha256(key.encode()).hexdigest() + f":{channel}"
    return out
