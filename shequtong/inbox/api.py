"""/api/v1/inbox: the same 信箱 actions as the pages, through the same services."""

from __future__ import annotations

from ninja import Router

from shequtong.accounts.models import User
from shequtong.accounts.typing import AuthedRequest
from shequtong.common import access

from . import selectors, services
from .models import Message
from .schemas import LetterIn, MessageOut, RecipientOut, ReplyIn, ThreadOut, UnreadOut

router = Router(tags=["inbox"])


def _out(m: Message, user: User) -> MessageOut:
    mine = m.sender_id == user.pk
    return MessageOut(
        id=m.pk, kind=m.kind, kind_label=str(m.get_kind_display()), subject=m.subject, body=m.body, link=m.link,
        sender=m.sender_name, sender_label=m.sender_label,
        recipient=m.recipient.display_name if mine else user.display_name,
        thread_id=m.root_id if m.is_letter else None, mine=mine,
        read=m.read_at is not None, created_at=m.created_at,
    )


@router.get("/messages", response=list[MessageOut])
@access.login
def list_messages(request: AuthedRequest, box: str = "all", limit: int = 20, offset: int = 0) -> list[MessageOut]:
    """全部 / 私信 (letter) / 系统通知 (system) / 已发送 (sent)."""
    box = box if box in selectors.BOXES else "all"
    limit = max(1, min(limit, 100))
    qs = selectors.messages_for(request.user, box)
    if box == "sent":
        qs = qs.select_related("sender")
    else:
        qs = qs.select_related("recipient")
    return [_out(m, request.user) for m in qs[offset : offset + limit]]


@router.get("/unread", response=UnreadOut)
@access.login
def unread(request: AuthedRequest) -> UnreadOut:
    return UnreadOut(count=selectors.unread_count(request.user))


@router.get("/messages/{message_id}", response=ThreadOut)
@access.login
def read_message(request: AuthedRequest, message_id: int) -> ThreadOut:
    """Open a message (marks it, or its whole conversation, read) with its conversation."""
    message = services.open_message(actor=request.user, message_id=message_id, request=request)
    thread = selectors.thread_of(request.user, message)
    return ThreadOut(message=_out(message, request.user), thread=[_out(m, request.user) for m in thread])


@router.post("/letters", response={201: MessageOut})
@access.login
def send_letter(request: AuthedRequest, payload: LetterIn) -> tuple[int, MessageOut]:
    letter = services.send_letter(actor=request.user, recipient_id=payload.recipient_id, subject=payload.subject, body=payload.body)
    return 201, _out(letter, request.user)


@router.post("/messages/{message_id}/replies", response={201: MessageOut})
@access.login
def reply(request: AuthedRequest, message_id: int, payload: ReplyIn) -> tuple[int, MessageOut]:
    letter = services.reply_letter(actor=request.user, message_id=message_id, body=payload.body)
    return 201, _out(letter, request.user)


@router.get("/recipients", response=list[RecipientOut])
@access.login
def recipients(request: AuthedRequest, q: str = "") -> list[RecipientOut]:
    """People the user may write to (masked names), searched by name."""
    return [
        RecipientOut(id=u.pk, name=u.display_name,
                     labels=sorted({selectors.grant_label(g) for g in u.reach_grants}))  # type: ignore[attr-defined]
        for u in selectors.recipients_for(request.user, q)
    ]
