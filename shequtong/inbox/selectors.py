"""Reads of 信箱: only ever one's own letters and notices."""

from __future__ import annotations

from typing import Any

from django.db.models import Prefetch, Q, QuerySet

from shequtong.accounts.models import RoleGrant, User
from shequtong.common.errors import NotFound

from . import reach
from .models import Message

# The list filters (全部 / 私信 / 系统通知 / 已发送).
BOXES = ("all", "letter", "system", "sent")


def messages_for(user: Any, box: str = "all") -> QuerySet[Message]:
    """Received messages (or, for box "sent", the letters the user wrote), newest first."""
    if box == "sent":
        return Message.objects.filter(sender=user, kind=Message.Kind.LETTER).select_related("recipient")
    qs = Message.objects.filter(recipient=user).select_related("sender")
    if box == "letter":
        return qs.filter(kind=Message.Kind.LETTER)
    if box == "system":
        return qs.exclude(kind=Message.Kind.LETTER)
    return qs


def unread_count(user: Any) -> int:
    return Message.objects.filter(recipient=user, read_at__isnull=True).count()


def message_for(user: Any, message_id: int) -> Message:
    """A message the user received, or a letter they wrote; NotFound otherwise."""
    message = (
        Message.objects.filter(Q(recipient=user) | Q(sender=user, kind=Message.Kind.LETTER), pk=message_id)
        .select_related("sender", "recipient", "thread")
        .first()
    )
    if message is None:
        raise NotFound("信件不存在或您无权查看")
    return message


def thread_of(user: Any, message: Message) -> list[Message]:
    """The whole conversation a letter belongs to, oldest first, as the user may see it."""
    if not message.is_letter:
        return [message]
    root_id = message.root_id
    return list(
        Message.objects.filter(Q(pk=root_id) | Q(thread_id=root_id))
        .filter(Q(recipient=user) | Q(sender=user))
        .select_related("sender", "recipient")
        .order_by("created_at", "id")
    )


def recipients_for(user: Any, q: str = "", *, limit: int = 20) -> list[User]:
    """People the user may write to, matched by name; committee staff first when no name is given.

    Names are searched in clear but shown masked (display_name); each person
    carries `reach_grants` (their grants inside the user's reach) for labels.
    """
    grants = reach.reachable_grants(user)
    users = reach.reachable_users(user)
    q = (q or "").strip()
    if q:
        users = users.filter(real_name__icontains=q[:30])
    else:
        users = users.filter(pk__in=grants.filter(role__in=sorted(reach.STAFF_ROLES)).values("user_id"))
    return list(
        users.order_by("real_name", "id").prefetch_related(
            Prefetch(
                "role_grants",
                queryset=grants.select_related("community", "estate").order_by("id"),
                to_attr="reach_grants",
            )
        )[:limit]
    )


def recipient_for(user: Any, recipient_id: int) -> User:
    """One person the user may write to; NotFound for anyone else (even if they exist)."""
    recipient = User.objects.filter(pk=recipient_id).first()
    if recipient is None or reach.letter_community_id(user, recipient) is None:
        raise NotFound("收信人不存在或不在您的社区")
    return recipient


def grant_label(g: RoleGrant) -> str:
    place = g.community.name if g.community is not None else ""
    if g.estate is not None:
        place = f"{place} · {g.estate.name}"
    return f"{g.get_role_display()} · {place}" if place else str(g.get_role_display())
