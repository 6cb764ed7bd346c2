"""Shapes of /api/v1/chats (masked names only)."""

from __future__ import annotations

import datetime as dt

from ninja import Schema


class GroupOut(Schema):
    id: int
    name: str
    kind: str
    kind_label: str
    community_id: int
    community: str
    estate: str | None
    announcement: str
    last_message_id: int
    last_message_at: dt.datetime | None
    unread: int


class GroupDetailOut(GroupOut):
    role: str
    can_send: bool
    can_moderate: bool
    mention_label: str


class ChatMessageOut(Schema):
    id: int
    group_id: int
    author: str | None
    author_role: str
    kind: str
    body: str
    hidden: bool
    hidden_reason: str | None
    mention_count: int | None
    mentioned_by_me: bool
    created_at: dt.datetime


class MessagePageOut(Schema):
    items: list[ChatMessageOut]
    has_more: bool
    next_before: int | None
    next_since: int


class MessageIn(Schema):
    body: str


class ChatMentionOut(Schema):
    id: int
    message_id: int
    patrol_level: str | None
    created_at: dt.datetime


class HideIn(Schema):
    reason: str


class GroupIn(Schema):
    community_id: int
    name: str
    member_ids: list[int] = []


class MembersIn(Schema):
    user_ids: list[int]


class AddedOut(Schema):
    added: int


class AnnouncementIn(Schema):
    text: str
