"""Request and response shapes for /api/v1/boards (masked names only, never real names or phones)."""

from __future__ import annotations

import datetime as dt

from ninja import Schema
from pydantic import Field


class BoardOut(Schema):
    code: str
    label: str
    parent: str | None
    can_publish: bool
    can_reply: bool


class ImageOut(Schema):
    url: str
    width: int
    height: int


class PostOut(Schema):
    id: int
    community_id: int
    board: str
    title: str
    body: str
    author: str
    is_mutual_aid: bool
    category: str
    stage: str
    hidden: bool
    reply_count: int
    like_count: int
    read_count: int
    created_at: dt.datetime
    images: list[ImageOut]


class PostPage(Schema):
    count: int
    page: int
    num_pages: int
    items: list[PostOut]


class PostIn(Schema):
    board: str
    title: str = Field(max_length=100)
    body: str = Field(max_length=5000)
    community_id: int | None = None
    is_mutual_aid: bool = False
    category: str = ""
    convention: bool = False
    service_time: str | None = Field(default=None, max_length=100)
    place: str = Field(default="", max_length=100)
    capacity: int | None = None


class BoardReplyIn(Schema):
    body: str = Field(max_length=2000)
    mention: bool = False


class ReplyOut(Schema):
    id: int
    post_id: int
    author: str
    body: str
    hidden: bool
    created_at: dt.datetime


class LikeOut(Schema):
    liked: bool
    like_count: int


class MentionIn(Schema):
    post_id: int
    reply_id: int | None = None


class BoardMentionOut(Schema):
    id: int
    source_type: str
    patrol_level: str | None


class TagIn(Schema):
    category: str


class VoteIn(Schema):
    question: str = Field(max_length=200)
    options: list[str]
    deadline: dt.datetime


class BallotIn(Schema):
    option_id: int


class VoteOptionOut(Schema):
    id: int
    label: str
    ballot_count: int


class VoteOut(Schema):
    id: int
    question: str
    deadline: dt.datetime
    ballot_count: int
    closed: bool
    outcome: str
    options: list[VoteOptionOut]
    my_option_id: int | None


class CloseVoteIn(Schema):
    outcome: str


class BookingIn(Schema):
    note: str = Field(default="", max_length=200)


class BookingOut(Schema):
    id: int
    post_id: int
    status: str
    status_label: str
    created_at: dt.datetime


class DecisionIn(Schema):
    confirm: bool


class BoardHideIn(Schema):
    reason: str = Field(max_length=200)
