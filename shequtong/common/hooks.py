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
  daily caps), in the same transaction as the cause. Letters ("letter") and
  cases a resident raised directly ("case") publish it too (points ignores
  those): 政策找人 subscribes and queues one row for its demand profiles,
  nothing more in the request (the background job reads the text later).
- `step_recorded` (StepEvent): a followable thing took a step: a case (or the
  case of a 人民信箱 letter) was accepted, answered, updated, escalated,
  resolved, reopened, closed or rated, or a 议事厅 topic moved stage or got a
  reply. Cases and boards publish it in the step's transaction; follows
  subscribes and writes each follower's 信箱 notice (关注, OB-7), observe wakes
  the area's open 宝山圈 pages once the transaction commits.

Text sources (pulled, not published): the app that owns a kind of content
registers, in its AppConfig.ready(), how to read the text of a batch of it
(`register_text_source("post", fn)`) and, for reads, which first reads
happened after a cursor (`register_read_source(fn)`). 政策找人's background
job calls them, so the request path neither copies text nor, for reads
(which happen on GET), writes anything new.
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
    action: str              # "post" | "read" | "reply" | "like" | "vote" | "convention" | "letter" | "case"
    community_id: int
    source_type: str         # "post" | "reply" | "ballot" | "letter" | "case"
    source_id: int


@dataclass(frozen=True)
class StepEvent:
    target_type: str          # "case" | "topic"
    target_id: int
    community_id: int
    subdistrict_id: int
    actor_id: int | None      # who took the step (None: the grid, the system); never told of it
    title: str                # the item's title as staff see it
    step: str                 # the step in words: "回复", "进入“讨论中”阶段"
    note: str                 # words every viewer may read with it (a public note), may be ""
    link: str                 # the item's page
    at: dt.datetime
    # Other followable things the step is also about: a letter's case step is the letter's too.
    also: tuple[tuple[str, int, str], ...] = ()   # (target_type, target_id, link)
    skip_user_ids: frozenset[int] = frozenset()   # told otherwise (the raiser of a case hears as the raiser)


mention_recorded: Hook[MentionEvent] = Hook("mention_recorded")
post_tagged: Hook[PostTaggedEvent] = Hook("post_tagged")
notice_requested: Hook[NoticeEvent] = Hook("notice_requested")
membership_changed: Hook[MembershipEvent] = Hook("membership_changed")
activity_recorded: Hook[ActivityEvent] = Hook("activity_recorded")
step_recorded: Hook[StepEvent] = Hook("step_recorded")


# ---- text sources (pulled by background jobs) ---------------------------------------------------


@dataclass(frozen=True)
class ReadRecord:
    read_id: int             # the source's own cursor: increasing
    user_id: int
    community_id: int
    source_type: str         # a registered text source ("post")
    source_id: int
    at: dt.datetime


TextSource = Callable[[list[int]], dict[int, str]]
ReadSource = Callable[[int, int], list[ReadRecord]]   # (after read_id, at most n) -> first reads, oldest first
_text_sources: dict[str, TextSource] = {}
_read_sources: dict[str, ReadSource] = {}


def register_text_source(source_type: str, fn: TextSource) -> None:
    _text_sources[source_type] = fn


def register_read_source(name: str, fn: ReadSource) -> None:
    _read_sources[name] = fn


def texts_of(source_type: str, ids: list[int]) -> dict[int, str]:
    """The text of each id of one source type; ids the source does not know (deleted) are left out."""
    fn = _text_sources.get(source_type)
    return fn(ids) if fn is not None and ids else {}


def read_sources() -> dict[str, ReadSource]:
    return dict(_read_sources)
