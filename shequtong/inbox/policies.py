"""Who may open which 信箱 message and write to whom: the one answer pages, the API and services read.

- ``access_message(actor, message_id)``: a message the actor received, or a
  letter they wrote; anything else is NotFound, the same as a missing one.
- ``access_recipient(actor, recipient_id)``: a person the actor may write to
  (inbox.reach decides: letters never leave a community, observers write to
  committee staff in their scope); NotFound for anyone else, even if they exist.
- ``conversation_community(actor, other)``: where a reply inside a
  conversation is written, while either person may still write to the other.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Q

from shequtong.accounts.models import User
from shequtong.common.errors import NotFound
from shequtong.places.models import Community

from . import reach
from .errors import InboxError
from .models import Message

MESSAGE_NOT_FOUND = "信件不存在或您无权查看"
RECIPIENT_NOT_FOUND = "收信人不存在或不在您的社区"


@dataclass(frozen=True)
class MessageAccess:
    is_recipient: bool
    is_sender: bool
    is_letter: bool

    @property
    def can_reply(self) -> bool:
        """Letters are answered inside their conversation; notices from the platform are not."""
        return self.is_letter

    @property
    def can_mark_read(self) -> bool:
        return self.is_recipient


def message_access(actor: User, message: Message) -> MessageAccess:
    return MessageAccess(
        is_recipient=message.recipient_id == actor.pk,
        is_sender=message.sender_id is not None and message.sender_id == actor.pk,
        is_letter=message.is_letter,
    )


def access_message(actor: User, message_id: int, *, for_update: bool = False) -> tuple[Message, MessageAccess]:
    """A message the actor received, or a letter they wrote; NotFound otherwise."""
    qs = Message.objects.select_for_update(of=("self",)) if for_update else Message.objects.all()
    message = (
        qs.filter(Q(recipient=actor) | Q(sender=actor, kind=Message.Kind.LETTER), pk=message_id)
        .select_related("sender", "recipient", "thread")
        .first()
    )
    if message is None:
        raise NotFound(MESSAGE_NOT_FOUND, code=InboxError.MESSAGE_NOT_FOUND)
    return message, message_access(actor, message)


def access_recipient(actor: User, recipient_id: int) -> tuple[User, Community]:
    """A person the actor may write to, and the community the letter is written in; NotFound for anyone else."""
    recipient = User.objects.filter(pk=recipient_id).first()
    community_id = reach.letter_community_id(actor, recipient) if recipient is not None else None
    if recipient is None or community_id is None:
        raise NotFound(RECIPIENT_NOT_FOUND, code=InboxError.RECIPIENT_NOT_FOUND)
    return recipient, Community.objects.get(pk=community_id)


def conversation_community(actor: User, other: User) -> Community:
    """The community of a conversation while either person may write to the other; NotFound once neither may."""
    community_id = reach.may_converse(actor, other)
    if community_id is None:
        raise NotFound("对方已不在您的社区，无法回复", code=InboxError.RECIPIENT_NOT_FOUND)
    return Community.objects.get(pk=community_id)
