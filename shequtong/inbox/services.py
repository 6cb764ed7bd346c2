"""Writing to 信箱: system notices from other apps, and letters between people.

Letters and conversations are fetched and authorised through inbox.policies.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.http import HttpRequest

from shequtong.accounts import audit
from shequtong.accounts.models import User
from shequtong.common import clock, hooks, prepared, versioned
from shequtong.common.errors import NotFound, ValidationFailed
from shequtong.common.text import cleaned

from . import policies, reach, selectors
from .errors import InboxError
from .models import Message

SUBJECT_MAX = 120
BODY_MAX = 5000
# Letters a person may send in an hour: generous for real use, a brake on spam.
LETTERS_PER_HOUR = 60


def send_system_message(*, recipient: Any, subject: str, body: str, link: str = "", kind: str = Message.Kind.SYSTEM) -> Message:
    """Deliver a notice from the platform (other apps call this; keep the signature).

    ``recipient`` is a User; typed Any because callers pass a related user
    (``case.raised_by``, ``message.author``) whose id they have just checked.
    """
    return prepared.create(
        Message, recipient=recipient, kind=kind, subject=subject[:120], body=body[:5000], link=link[:200], created_at=clock.now()
    )


def send_system_messages(*, recipient_ids: list[int], subject: str, body: str, link: str = "") -> int:
    """The same notice to several people at once (one INSERT): a followed item's step (follows.services)."""
    now = clock.now()
    rows = [Message(recipient_id=pk, kind=Message.Kind.SYSTEM, subject=subject[:120], body=body[:5000],
                    link=link[:200], created_at=now) for pk in recipient_ids]
    Message.objects.bulk_create(cleaned(rows))  # bulk_create skips the pre_save text cleaning
    versioned.touch(*(selectors.unread_dep(pk) for pk in set(recipient_ids)))  # ... and post_save
    return len(rows)


def on_notice_requested(event: hooks.NoticeEvent) -> None:
    """A layer below 信箱 (accounts) asked for a notice: common.hooks.notice_requested, subscribed in InboxConfig.ready()."""
    Message.objects.create(
        recipient_id=event.recipient_id, kind=Message.Kind.SYSTEM, subject=event.subject[:120], body=event.body[:5000],
        link=event.link[:200], created_at=clock.now(),
    )


def mark_read(*, actor: User, message_id: int) -> Message:
    with transaction.atomic():
        message, access = policies.access_message(actor, message_id, for_update=True)
        if not access.can_mark_read:
            raise NotFound(policies.MESSAGE_NOT_FOUND, code=InboxError.MESSAGE_NOT_FOUND)
        if message.read_at is None:
            message.read_at = clock.now()
            message.save(update_fields=["read_at"])
    return message


def open_message(*, actor: User, message_id: int, request: HttpRequest | None = None) -> Message:
    """Open a message: a notice is marked read; for a letter, every unread letter to the actor in its conversation.

    The opening is audited (one INSERT: who read which 信箱 item, from where).
    """
    message, _ = policies.access_message(actor, message_id)
    audit.record_read(actor=actor, target=message, request=request)
    now = clock.now()
    if message.is_letter:
        root_id = message.root_id
        Message.objects.filter(Q(pk=root_id) | Q(thread_id=root_id), recipient=actor, read_at__isnull=True).update(read_at=now)
    elif message.recipient_id == actor.pk and message.link:
        # Notices are listed one row per item (selectors.grouped_notices): opening it reads them all.
        Message.objects.filter(recipient=actor, link=message.link, read_at__isnull=True).exclude(
            kind=Message.Kind.LETTER).update(read_at=now)
    elif message.read_at is None and message.recipient_id == actor.pk:
        Message.objects.filter(pk=message.pk, read_at__isnull=True).update(read_at=now)
    if message.recipient_id == actor.pk and message.read_at is None:
        message.read_at = now
    versioned.touch(selectors.unread_dep(actor.pk))  # the QuerySet.update()s above send no signal
    return message


def _clean(subject: str | None, body: str) -> tuple[str, str]:
    body = (body or "").strip()
    if not body:
        raise ValidationFailed("请输入信件内容", field="body")
    if len(body) > BODY_MAX:
        raise ValidationFailed(f"信件内容不能超过{BODY_MAX}字", field="body")
    if subject is not None:
        subject = subject.strip()
        if not subject:
            raise ValidationFailed("请输入标题", field="subject")
        if len(subject) > SUBJECT_MAX:
            raise ValidationFailed(f"标题不能超过{SUBJECT_MAX}字", field="subject")
    return subject or "", body


def _throttle(actor: User) -> None:
    since = clock.now() - timedelta(hours=1)
    if Message.objects.filter(sender=actor, kind=Message.Kind.LETTER, created_at__gte=since).count() >= LETTERS_PER_HOUR:
        raise ValidationFailed("发信过于频繁，请稍后再试", code=InboxError.LETTERS_THROTTLED)


def send_letter(*, actor: User, recipient_id: int, subject: str, body: str) -> Message:
    """Write a new letter to someone inside the actor's community (or, for observers, scope)."""
    subject, body = _clean(subject, body)
    recipient, community = policies.access_recipient(actor, recipient_id)
    with transaction.atomic():
        _throttle(actor)
        return Message.objects.create(
            recipient=recipient, sender=actor, sender_label=reach.sender_label(actor, community),
            kind=Message.Kind.LETTER, subject=subject, body=body, community=community, created_at=clock.now(),
        )


def reply_letter(*, actor: User, message_id: int, body: str) -> Message:
    """Answer inside a conversation; the reply goes to the other person of the conversation."""
    _, body = _clean(None, body)
    message, access = policies.access_message(actor, message_id)
    if not access.can_reply:
        raise ValidationFailed("系统通知无法回复", code=InboxError.NOT_A_LETTER)
    root = message.thread or message
    other = root.recipient if root.sender_id == actor.pk else root.sender
    if other is None:
        raise ValidationFailed("对方账户已不存在，无法回复", code=InboxError.NO_RECIPIENT)
    community = policies.conversation_community(actor, other)
    subject = root.subject if root.subject.startswith("回复：") else f"回复：{root.subject}"
    with transaction.atomic():
        _throttle(actor)
        return Message.objects.create(
            recipient=other, sender=actor, sender_label=reach.sender_label(actor, community),
            kind=Message.Kind.LETTER, subject=subject[:SUBJECT_MAX], body=body, community=community,
            thread=root, created_at=clock.now(),
        )
