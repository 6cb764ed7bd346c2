"""Shapes of /api/v1/inbox (masked names only)."""

from __future__ import annotations

import datetime as dt

from ninja import Schema


class InboxMessageOut(Schema):
    id: int
    kind: str
    kind_label: str
    subject: str
    body: str
    link: str
    sender: str
    sender_label: str
    recipient: str
    thread_id: int | None
    mine: bool
    read: bool
    created_at: dt.datetime


class ThreadOut(Schema):
    message: InboxMessageOut
    thread: list[InboxMessageOut]


class InboxLetterIn(Schema):
    recipient_id: int
    subject: str
    body: str


class InboxReplyIn(Schema):
    body: str


class RecipientOut(Schema):
    id: int
    name: str
    labels: list[str]


class UnreadOut(Schema):
    count: int
