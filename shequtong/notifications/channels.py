"""Push channels for reminders (WeChat template message, SMS, …) behind one interface.

settings.PUSH_BACKEND chooses the class; the console backend logs and keeps
what it sent (for development and tests). A real adapter raises
`outbox.RetryLater` when the provider is unavailable.
"""

from __future__ import annotations

import logging
from typing import Any, Protocol

from django.conf import settings
from django.utils.module_loading import import_string

from .models import Outbox

logger = logging.getLogger("shequtong.push")


class PushChannel(Protocol):
    def push(self, *, user_id: int, subject: str, body: str, link: str) -> None: ...


class ConsolePushChannel:
    sent: list[dict[str, Any]] = []

    def push(self, *, user_id: int, subject: str, body: str, link: str) -> None:
        ConsolePushChannel.sent.append({"user_id": user_id, "subject": subject, "body": body, "link": link})
        logger.info("push to user %s: %s", user_id, subject)


def get_channel() -> PushChannel:
    channel: PushChannel = import_string(settings.PUSH_BACKEND)()
    return channel


def deliver_push(row: Outbox) -> None:
    from . import preferences

    # E-mail, SMS and WeChat each get their own outbox row (NF-6): one channel being down
    # delays only its own message; enqueueing is idempotent, so a retried push adds nothing.
    preferences.fan_out(row)
    p = row.payload
    get_channel().push(user_id=int(p["user_id"]), subject=str(p["subject"]), body=str(p.get("body", "")),
                       link=str(p.get("link", "")))
