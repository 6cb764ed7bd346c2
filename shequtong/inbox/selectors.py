"""Reads of 信箱: only ever one's own messages."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from .models import Message


def messages_for(user: Any) -> QuerySet[Message]:
    return Message.objects.filter(recipient=user).select_related("sender")


def unread_count(user: Any) -> int:
    return Message.objects.filter(recipient=user, read_at__isnull=True).count()
