"""Writing to 信箱."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from shequtong.common import clock
from shequtong.common.errors import NotFound

from .models import Message


def send_system_message(*, recipient: Any, subject: str, body: str, link: str = "", kind: str = Message.Kind.SYSTEM) -> Message:
    return Message.objects.create(
        recipient=recipient, kind=kind, subject=subject[:120], body=body[:5000], link=link[:200], created_at=clock.now()
    )


def mark_read(*, actor: Any, message_id: int) -> Message:
    with transaction.atomic():
        message = Message.objects.select_for_update().filter(pk=message_id, recipient=actor).first()
        if message is None:
            raise NotFound("信件不存在")
        if message.read_at is None:
            message.read_at = clock.now()
            message.save(update_fields=["read_at"])
    return message
