"""Outbox handlers for the external channels (NF-6): e-mail, SMS and WeChat.

A reminder reaches these through `preferences.fan_out`, which enqueues one
row per channel the person accepts (the outbox kind is the channel's name).
Each handler reads the recipient's address at delivery time, so personal
data stays out of the outbox payload, calls the channel's adapter in
`integrations`, and turns the adapter's error into the outbox's verdict:
`retryable` → `RetryLater` (backoff, another attempt), otherwise
`PermanentFailure` (given up at once). The adapters only send.
"""

from __future__ import annotations

from django.conf import settings

from shequtong.accounts.models import User
from shequtong.integrations import email, sms, wechat
from shequtong.integrations.errors import IntegrationError

from . import outbox, preferences
from .models import Outbox
from .outbox import PermanentFailure, RetryLater

# The outbox kinds: the channel names of preferences.CHANNELS.
EMAIL, SMS, WECHAT = "email", "sms", "wechat"


def register() -> None:
    """Called once from NotificationsConfig.ready()."""
    assert (EMAIL, SMS, WECHAT) == preferences.CHANNELS
    outbox.register(EMAIL, deliver_email)
    outbox.register(SMS, deliver_sms)
    outbox.register(WECHAT, deliver_wechat)


def _verdict(exc: IntegrationError) -> Exception:
    return RetryLater(str(exc)) if exc.retryable else PermanentFailure(str(exc))


def _recipient(row: Outbox) -> User | None:
    return User.objects.filter(pk=row.payload.get("user_id"), is_active=True).first()


def deliver_email(row: Outbox) -> None:
    """Kind "email": payload {user_id, subject, body}."""
    user = _recipient(row)
    if user is None or not user.email:
        raise PermanentFailure("收件人没有电子邮箱")
    try:
        email.EmailChannel().send(to=user.email, subject=str(row.payload["subject"]),
                                  body=str(row.payload.get("body", "")))
    except IntegrationError as exc:
        raise _verdict(exc) from exc


def deliver_sms(row: Outbox) -> str:
    """Kind "sms": payload {user_id, subject, body}; the phone is read at delivery."""
    user = _recipient(row)
    if user is None or not user.phone:
        raise PermanentFailure("收信人没有手机号码")
    subject, body = str(row.payload.get("subject", "")), str(row.payload.get("body", ""))
    text = f"【社区通】{subject}" + (f"：{body}" if body else "")
    try:
        message_id = sms.get_gateway().send(user.phone, text[:300])
    except IntegrationError as exc:
        raise _verdict(exc) from exc
    return f"message_id {message_id}" if message_id else ""


def deliver_wechat(row: Outbox) -> str:
    """Kind "wechat": payload {user_id, subject, body, link}; the openid is read at delivery."""
    openid = preferences.wechat_openid(int(row.payload.get("user_id") or 0))
    if not openid:
        raise PermanentFailure("收信人未绑定微信")
    link = str(row.payload.get("link", ""))
    if link.startswith("/") and settings.SITE_URL:
        link = settings.SITE_URL.rstrip("/") + link
    try:
        msgid = wechat.get_channel().send(openid=openid, title=str(row.payload.get("subject", "")),
                                          body=str(row.payload.get("body", "")), link=link)
    except IntegrationError as exc:
        raise _verdict(exc) from exc
    return f"msgid {msgid}" if msgid else ""
