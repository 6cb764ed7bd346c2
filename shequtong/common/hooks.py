"""In-process hooks: one app publishes an event, others subscribe (no import cycle).

Publishers call `hook.publish(event)` inside the transaction of the change
that caused it, so a subscriber's writes (a case created from a mention)
commit or roll back together with the cause. Subscribers register in their
AppConfig.ready():

    from shequtong.common import hooks
    hooks.mention_recorded.subscribe(cases.services.on_mention)

Contracts:
- `mention_recorded` (MentionEvent): someone pressed @居委/@村委 under a reply
  box, beside a reply, or beside a group-chat message. A resident's own
  mention has patrol_level=None; staff patrolling a board they do not author
  in set patrol_level to "committee", "subdistrict" or "district"
  (accounts.scope.patrol_level).
- `post_tagged` (PostTaggedEvent): a 身边事 post was given one of the five
  problem categories, by its author when posting (patrol_level=None) or by
  patrol staff afterwards (patrol_level set).
- `notice_requested` (NoticeEvent): a service in a layer below 信箱 (accounts:
  the answer to a join request) tells a person something; inbox subscribes
  and writes the system notice. Apps above inbox call
  `inbox.services.send_system_message` directly.
- `membership_changed` (MembershipEvent): someone gained a role on a place: a
  join request was approved (the resident grant) or a role was granted.
  Chats subscribes to create the community's estate groups, so no page has to
  create them when it is opened (no writes on GET).
- `activity_recorded` (ActivityEvent): someone took part on a board: posted,
  read a post for the first time, replied, liked, voted, or a topic they
  raised became a convention. Points subscribes and rewards it (within its
  daily caps), in the same transaction as the cause.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Generic, TypeVar

E = TypeVar("E")


class Hook(Generic[E]):
    def __init__(self, name: str) -> None:
        self.name = name
        self._subscribers: list[Callable[[E], None]] = []

    def subscribe(self, fn: Callable[[E], None]) -> Callable[[E], None]:
        if fn not in self._subscribers:
            self._subscribers.append(fn)
        return fn

    def unsubscribe(self, fn: Callable[[E], None]) -> None:
        if fn in self._subscribers:
            self._subscribers.remove(fn)

    def publish(self, event: E) -> None:
        for fn in list(self._subscribers):
            fn(event)


@dataclass(frozen=True)
class MentionEvent:
    mention_id: int          # the row that records the mention in the publishing app (boards or chats)
    community_id: int
    actor_id: int            # who pressed @居委
    author_id: int | None    # who wrote the mentioned content (the resident raising it)
    source_type: str         # "reply" | "post" | "group_message"
    source_id: int
    board: str               # board code, e.g. "notice", "neighbours", "group_chat"
    text: str                # the mentioned content (plain text, may be truncated to 2000 chars)
    url: str                 # link back to the content
    patrol_level: str | None  # None, "committee", "subdistrict" or "district"
    created_at: dt.datetime
    # Where the mentioned words were said, so the case is understood without opening it (issue 14 item 8):
    # the post's title for a reply, the group's name for a chat message; and a quote of the post.
    context_title: str = ""
    context_quote: str = ""


@dataclass(frozen=True)
class PostTaggedEvent:
    post_id: int
    community_id: int
    actor_id: int            # who set the category
    author_id: int           # the post's author
    category: str            # shequtong.common.categories.Category value
    title: str
    text: str
    url: str
    patrol_level: str | None
    created_at: dt.datetime


@dataclass(frozen=True)
class NoticeEvent:
    recipient_id: int
    subject: str
    body: str
    link: str = ""


@dataclass(frozen=True)
class MembershipEvent:
    user_id: int
    role: str                # accounts.roles.Role value of the new grant
    subdistrict_id: int | None
    community_id: int | None
    estate_id: int | None
    change: str              # "joined" (membership approved) or "granted" (a role given)


@dataclass(frozen=True)
class ActivityEvent:
    user_id: int             # who earns: the actor (the topic's author for "convention")
    action: str              # "post" | "read" | "reply" | "like" | "vote" | "convention"
    community_id: int
    source_type: str         # "post" | "reply" | "ballot"
    source_id: int


mention_recorded: Hook[MentionEvent] = Hook("mention_recorded")
post_tagged: Hook[PostTaggedEvent] = Hook("post_tagged")
notice_requested: Hook[NoticeEvent] = Hook("notice_requested")
membership_changed: Hook[MembershipEvent] = Hook("membership_changed")
activity_recorded: Hook[ActivityEvent] = Hook("activity_recorded")
