"""宝山圈 (OB-4): what happens in the observer's area, newest first, live.

Items are new posts on the boards (visible ones), new cases and the cases'
steps (the public ones: accepted, answered, escalated, resolved …), in the
observer's scope, read newest first through the indexes on ``-created_at``
(``post_created``, ``case_created``, ``caseevent_created``) with the scope
filter; a cursor is the ISO time of an item. 我关注的 lists the steps of what
the observer follows (follows app): their cases' and letters' case steps,
their 议事厅 topics' stage moves and replies, under the same scope. The page polls ``?after=`` (every 1.5 s in the embedded
mode); with Redis under ASGI the services publish "something new in
subdistrict N" and the page's EventSource makes it poll at once, so an item
reaches the page through the same scoped query either way.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db.models import F
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from shequtong.accounts import scope
from shequtong.accounts.models import User
from shequtong.boards.models import Post, Visibility
from shequtong.cases.models import PUBLIC_EVENT_KINDS, Case, CaseEvent
from shequtong.common import clock
from shequtong.common.counting import count_rows

log = logging.getLogger(__name__)
PAGE = 20
HOT_DAYS = 7
CHANNEL = "shequtong:observe:feed:{}"


# The case steps 宝山圈 shows: what the raiser sees, after the case's recording (itself a "case" item).
STEP_KINDS = sorted(PUBLIC_EVENT_KINDS - {CaseEvent.Kind.CREATED})


@dataclass(frozen=True)
class Item:
    kind: str  # post | case | step (a case's step) | stage (a topic's stage move) | reply (on a followed topic)
    pk: int
    at: dt.datetime
    title: str
    text: str
    place: str
    label: str
    url: str
    counts: tuple[int, int, int] | None = None  # reads, replies, likes

    @property
    def cursor(self) -> str:
        return self.at.isoformat()


def parse_cursor(value: str | None) -> dt.datetime | None:
    if not value:
        return None
    try:
        at = parse_datetime(value.replace(" ", "+"))
    except ValueError:
        return None
    return at if at is not None and at.tzinfo is not None else None


def _posts(user: User) -> Any:
    s = scope.scope_for(user, "observe")
    return s.filter(Post.objects.filter(visibility=Visibility.VISIBLE)).select_related("community")


def _cases(user: User) -> Any:
    s = scope.scope_for(user, "observe")
    return s.filter(Case.objects.all()).select_related("community")


def _post_item(p: Post) -> Item:
    return Item("post", p.pk, p.created_at, p.title, p.body[:80], p.community.name, str(p.get_board_display()),
                p.get_absolute_url(), (p.read_count, p.reply_count, p.like_count))


def _case_item(c: Case) -> Item:
    return Item("case", c.pk, c.created_at, c.title, c.content[:80], c.community.name,
                f"{c.get_source_display()} · {c.get_status_display()}", c.get_absolute_url())


def _steps(user: User) -> Any:
    s = scope.scope_for(user, "observe")
    if s.is_empty:
        return CaseEvent.objects.none()
    return CaseEvent.objects.filter(s.q("case__community", subdistrict_field="case__subdistrict"),
                                    kind__in=STEP_KINDS).select_related("case__community")


def _step_item(e: CaseEvent) -> Item:
    what = str(e.get_kind_display())
    return Item("step", e.pk, e.created_at, e.case.title, (e.public_note or what)[:80], e.case.community.name,
                f"{_('处理进展')} · {what}", e.case.get_absolute_url())


def _window(qs: Any, before: dt.datetime | None, after: dt.datetime | None) -> Any:
    if before is not None:
        qs = qs.filter(created_at__lt=before)
    if after is not None:
        qs = qs.filter(created_at__gt=after)
    return qs.order_by("-created_at", "-id")[:PAGE]


def _newest(got: list[Item]) -> list[Item]:
    got.sort(key=lambda i: (i.at, i.kind, i.pk), reverse=True)
    return got[:PAGE]


def items(user: User, *, before: dt.datetime | None = None, after: dt.datetime | None = None) -> list[Item]:
    """Newest first: one page older than `before`, or everything newer than `after` (at most a page)."""
    got = [_post_item(p) for p in _window(_posts(user), before, after)]
    got += [_case_item(c) for c in _window(_cases(user), before, after)]
    got += [_step_item(e) for e in _window(_steps(user), before, after)]
    return _newest(got)


def followed(user: User, *, before: dt.datetime | None = None) -> list[Item]:
    """我关注的: the steps of what the observer follows, in their scope, newest first (one page older than `before`)."""
    from shequtong.boards.models import Reply, TopicStageChange
    from shequtong.follows import selectors as follows
    from shequtong.letters.models import Letter

    case_ids = set(follows.followed_ids(user, "case"))
    letter_ids = follows.followed_ids(user, "letter")
    if letter_ids:
        case_ids |= set(Letter.objects.filter(pk__in=letter_ids).exclude(case=None).values_list("case_id", flat=True))
    topic_ids = follows.followed_ids(user, "topic")
    got = [_step_item(e) for e in _window(_steps(user).filter(case_id__in=sorted(case_ids)), before, None)] if case_ids else []
    if topic_ids:
        s = scope.scope_for(user, "observe")
        stages = s.filter(TopicStageChange.objects.filter(post_id__in=topic_ids, post__visibility=Visibility.VISIBLE)
                          .select_related("post__community"))
        got += [Item("stage", c.pk, c.created_at, c.post.title, c.note or str(c.get_to_stage_display()),
                     c.post.community.name, f"{_('议事进程')} · {c.get_to_stage_display()}", c.post.get_absolute_url())
                for c in _window(stages, before, None)]
        replies = s.filter(Reply.objects.filter(post_id__in=topic_ids, visibility=Visibility.VISIBLE,
                                                post__visibility=Visibility.VISIBLE).select_related("post__community"))
        got += [Item("reply", r.pk, r.created_at, r.post.title, r.body[:80], r.post.community.name,
                     str(_("议题回复")), r.post.get_absolute_url()) for r in _window(replies, before, None)]
    return _newest(got)


HOT_SECONDS = 60  # 最热 is a ranking of the week: a minute old is fresh enough


def hot(user: User) -> list[Item]:
    """最热: the posts of the last week most read, replied and liked.

    Ranking a week of a whole district's posts reads ~20,000 rows (300 ms cold on the full
    district), so the ranked ids of a scope are kept for HOT_SECONDS and the worker ranks the
    district's and each subdistrict's every minute (`rank_hot`, job "observe.hot"); a page then
    fetches its 20 posts by id. Only ids are kept, and only for the exact scope that ranked them.
    """
    where = scope.scope_for(user, "observe")
    ids = cache.get(_hot_key(where))
    if ids is None:
        ids = _rank(where)
    by_id = Post.objects.filter(visibility=Visibility.VISIBLE).select_related("community").in_bulk(ids)
    return [_post_item(by_id[pk]) for pk in ids if pk in by_id]


def _hot_key(where: scope.Scope) -> str:
    return f"feed-hot:{int(where.everything)}:{sorted(where.subdistrict_ids)}:{sorted(where.community_ids)}"


def _rank(where: scope.Scope) -> list[int]:
    since = clock.now() - dt.timedelta(days=HOT_DAYS)
    qs = where.filter(Post.objects.filter(visibility=Visibility.VISIBLE, created_at__gte=since)).annotate(
        heat=F("reply_count") * 5 + F("like_count") * 2 + F("read_count")).order_by("-heat", "-created_at", "-id")
    ids = list(qs.values_list("pk", flat=True)[:PAGE])
    cache.set(_hot_key(where), ids, HOT_SECONDS * 2)
    return ids


def rank_hot() -> int:
    """The worker's job: rank 最热 for the district and for each subdistrict (what observers of them see)."""
    from shequtong.places.models import Subdistrict

    scopes = [scope.Scope(everything=True)]
    scopes += [scope.Scope(subdistrict_ids=frozenset({pk})) for pk in Subdistrict.objects.values_list("pk", flat=True)]
    for where in scopes:
        _rank(where)
    return len(scopes)


# --- live: Redis pub/sub when configured ------------------------------------------------

def enabled() -> bool:
    return bool(getattr(settings, "REDIS_URL", ""))


def publish(subdistrict_id: int) -> None:
    """Tell open 宝山圈 pages of this subdistrict's observers to poll now; an outage only costs liveness."""
    if not enabled():
        return
    try:
        from shequtong.chats.live import _client

        _client(settings.REDIS_URL).publish(CHANNEL.format(subdistrict_id), "1")
    except Exception:  # noqa: BLE001 - the pollers still deliver the item
        log.warning("could not publish a feed event for subdistrict %s", subdistrict_id, exc_info=True)


def channels_for(user: User) -> list[str]:
    s = scope.scope_for(user, "observe")
    return [CHANNEL.format(pk) for pk in s.subdistricts().values_list("pk", flat=True)]


def on_activity(event: Any) -> None:
    """A post or a reply was written: wake the area's open 宝山圈 pages once the transaction commits."""
    if event.action not in ("post", "reply") or not enabled():
        return
    from django.db import transaction

    from shequtong.places.selectors import subdistrict_of

    sub_id = subdistrict_of(event.community_id)
    if sub_id is not None:
        transaction.on_commit(lambda: publish(sub_id))


def on_step(event: Any) -> None:
    """A case or a 议事厅 topic took a step: wake the area's open 宝山圈 pages once the transaction commits."""
    if not enabled():
        return
    from django.db import transaction

    sub_id = event.subdistrict_id
    transaction.on_commit(lambda: publish(sub_id))


def events(channels: list[str], *, seconds: float = 55) -> Any:
    """The SSE body: a `message` event ("poll now") whenever one of the channels hears something."""
    from shequtong.chats import live

    return live.relay(channels, seconds=seconds, data=lambda raw: "1")


def alerts(user: User) -> dict[str, Any]:
    """What needs action in the observer's area: open cases per overdue bucket, join requests waiting over 24 h."""

    from shequtong.accounts.models import Membership
    from shequtong.cases import overdue

    s = scope.scope_for(user, "observe")
    now = clock.now()
    counts = s.filter(Case.objects.filter(status__in=overdue.OPEN)).aggregate(
        **{b.value: count_rows(filter=overdue.q(b.value, now)) for b in overdue.Overdue})
    waiting = s.filter(Membership.objects.filter(status=Membership.Status.PENDING,
                                                 requested_at__lte=now - dt.timedelta(hours=24))).count()
    buckets = [(b.value, str(b.label), counts[b.value] or 0) for b in overdue.Overdue]
    return {"buckets": buckets, "waiting_reviews": waiting, "any": waiting or any(n for _v, _l, n in buckets)}


def place_name(user: User) -> str:
    """The observer's area in words: 全区, or the subdistricts (and communities) they observe."""
    s = scope.scope_for(user, "observe")
    if s.everything:
        return "宝山区全区"
    names = list(s.subdistricts().filter(pk__in=sorted(s.subdistrict_ids)).values_list("name", flat=True))
    if s.community_ids:
        from shequtong.places.models import Community

        names += list(Community.objects.filter(pk__in=sorted(s.community_ids)).values_list("name", flat=True))
    return "、".join(names) or "—"
