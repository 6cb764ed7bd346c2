"""Reads of 信箱: only ever one's own letters and notices."""

from __future__ import annotations

from django.db.models import (
    Case,
    Count,
    Exists,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)

from shequtong.accounts import names
from shequtong.accounts.models import PRIVATE_FIELDS, RoleGrant, User
from shequtong.common import versioned

from . import reach
from .models import Message

# The list filters (全部 / 私信 / 系统通知 / 已发送).
BOXES = ("all", "letter", "system", "sent")


def messages_for(user: User, box: str = "all") -> QuerySet[Message]:
    """Received messages (or, for box "sent", the letters the user wrote), newest first."""
    if box == "sent":
        return Message.objects.filter(sender=user, kind=Message.Kind.LETTER).select_related("recipient")
    qs = Message.objects.filter(recipient=user).select_related("sender")
    if box == "letter":
        return qs.filter(kind=Message.Kind.LETTER)
    qs = grouped_notices(user, qs)
    if box == "system":
        return qs.exclude(kind=Message.Kind.LETTER)
    return qs


def _same_item(user: User) -> QuerySet[Message]:
    """Notices to ``user`` about the row's item (the same link): a case's 受理, reply, 已解决 … (issue 14 item 5)."""
    return Message.objects.filter(recipient=user, link=OuterRef("link")).exclude(kind=Message.Kind.LETTER).exclude(link="")


def grouped_notices(user: User, qs: QuerySet[Message]) -> QuerySet[Message]:
    """One row per item: a notice is listed only if it is the newest about its link, with how many there are
    (``group_size``) and how many of them are unread (``group_unread``). Letters and notices without a link stay single."""
    newer = _same_item(user).filter(Q(created_at__gt=OuterRef("created_at")) | Q(created_at=OuterRef("created_at"), pk__gt=OuterRef("pk")))
    is_notice = ~Q(kind=Message.Kind.LETTER) & ~Q(link="")
    count = _same_item(user).order_by().values("link").annotate(n=Count("pk")).values("n")
    unread = _same_item(user).filter(read_at__isnull=True).order_by().values("link").annotate(n=Count("pk")).values("n")
    return qs.exclude(is_notice & Exists(newer)).annotate(
        group_size=Case(When(is_notice, then=Subquery(count)), default=Value(1)),
        group_unread=Case(When(is_notice, then=Subquery(unread)), default=Value(0)),
    )


def notices_about(user: User, message: Message) -> list[Message]:
    """Every notice to ``user`` about the same item as ``message``, oldest first (its detail page)."""
    if message.is_letter or not message.link or message.recipient_id != user.pk:
        return [message]
    return list(Message.objects.filter(recipient=user, link=message.link).exclude(kind=Message.Kind.LETTER)
                .order_by("created_at", "id"))


def unread_count(user: User) -> int:
    """Unread 信箱 items: on every page of a resident (the tab's badge), so kept until one changes."""
    return versioned.remember(f"inbox-unread:{user.pk}", [unread_dep(user.pk)],
                              lambda: Message.objects.filter(recipient=user, read_at__isnull=True).count())


def unread_dep(recipient_id: int) -> str:
    """The versioned-cache dependency a write to someone's 信箱 touches (services, signals)."""
    return f"inbox:{recipient_id}"


def thread_of(user: User, message: Message) -> list[Message]:
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


def recipients_for(user: User, q: str = "", *, limit: int = 20) -> list[User]:
    """People the user may write to, matched by name; committee staff first when no name is given.

    Names are searched through their keyed indexes (accounts/names.py) and shown masked; each person
    carries `reach_grants` (their grants inside the user's reach) for labels.
    """
    grants = reach.reachable_grants(user)
    users = reach.reachable_users(user)
    q = (q or "").strip()
    if q:
        users = users.filter(pk__in=names.matching_ids(users, q, limit=limit))
    else:
        users = users.filter(pk__in=grants.filter(role__in=sorted(reach.STAFF_ROLES)).values("user_id"))
    return list(
        users.defer(*PRIVATE_FIELDS).order_by("masked_name", "id").prefetch_related(
            Prefetch(
                "role_grants",
                queryset=grants.select_related("community", "estate").order_by("id"),
                to_attr="reach_grants",
            )
        )[:limit]
    )


def grant_label(g: RoleGrant) -> str:
    place = g.community.name if g.community is not None else ""
    if g.estate is not None:
        place = f"{place} · {g.estate.name}"
    return f"{g.get_role_display()} · {place}" if place else str(g.get_role_display())
