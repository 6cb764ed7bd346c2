"""The daily rollup of the boards (``PostDay``): what 数据 · 综合信息 and 思想阵地 read.

One row per local day, community and board: visible posts, visible 互助 posts,
visible replies (on their post's board, by the reply's own day and visibility) and
the readers of the visible posts published that day. The boards services call the
functions here inside the transaction of the write, so the rollup commits or rolls
back with it:

- ``post_created`` (create_post), ``reply_created`` (reply_to), ``read_counted`` (a first read);
- ``post_visibility`` (hide_post/restore_post: the post, its 互助 tag and its readers leave
  or come back; its replies keep counting by their own visibility);
- ``reply_visibility`` (hide_reply/restore_reply).

Posts are never moved between communities or boards, nor deleted (authors and communities
are PROTECTed), so nothing else changes a row. Bulk writers add their rows with ``add``
(the history import) or recompute everything with ``rebuild`` (the full-scale generator).
``expected`` recomputes the rollup from the source rows: the nightly drift check
(observe/rollups.py, "post_days") compares it with the table and repairs it.

Every change is an ``F()`` increment with create-if-missing (common/counters.py), safe
when two transactions race on the first row of a key, on PostgreSQL and SQLite.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable
from typing import Any

from django.db import transaction
from django.db.models import Count, Q
from django.db.models.functions import TruncDate
from django.utils import timezone

from shequtong.common import counters, versioned
from shequtong.places import selectors as places_selectors
from shequtong.places.models import Community

from .models import Post, PostDay, Read, Reply, Visibility

FIELDS = ("posts", "mutual_aid", "replies", "reads")
Key = tuple[dt.date, int, str]  # (local day, community, board)
BATCH = 2000


def day_of(at: dt.datetime) -> dt.date:
    """The local day a moment falls on (the project's timezone, like the periods of observe.figures)."""
    return timezone.localdate(at)


# Touched whenever a past day's posts, 互助 posts or replies change (moderation of older content, a bulk
# writer, a repair): 综合信息 keeps its closed days' sums under this version (observe.figures.posts), so they
# are summed again only then, not on every page view. New posts and replies land on today, which is never
# kept; reads of older posts change only ``reads`` (思想阵地 reads the table each time).
PAST_POSTS_CHANGED = "boards:post-days-past"
_PAST_FIELDS = frozenset({"posts", "mutual_aid", "replies"})


def _bump(day: dt.date, community_id: int, board: str, deltas: dict[str, int], subdistrict_id: int | None = None) -> None:
    deltas = {k: v for k, v in deltas.items() if v}
    if not deltas:
        return
    if subdistrict_id is None:
        subdistrict_id = places_selectors.subdistrict_of(community_id)
    counters.increment(PostDay, keys={"day": day, "community_id": community_id, "board": board}, deltas=deltas,
                       defaults={"subdistrict_id": subdistrict_id})
    if day < timezone.localdate() and _PAST_FIELDS & deltas.keys():
        versioned.touch(PAST_POSTS_CHANGED)


def _post_deltas(post: Post, sign: int, *, read_count: int) -> dict[str, int]:
    return {"posts": sign, "mutual_aid": sign if post.is_mutual_aid else 0, "reads": sign * read_count}


def post_created(post: Post) -> None:
    """A post was published (visible, not read yet)."""
    if post.visibility == Visibility.VISIBLE:
        _bump(day_of(post.created_at), post.community_id, post.board, _post_deltas(post, 1, read_count=post.read_count),
              post.community.subdistrict_id)


def post_visibility(post: Post, *, visible: bool) -> None:
    """A post was hidden (``visible=False``) or restored; call with the post row locked (select_for_update).

    Its readers move with it: the read count is read again under the lock, so a read counted by a
    transaction that committed just before is in it, and one that commits after sees the new visibility.
    """
    read_count = Post.objects.filter(pk=post.pk).values_list("read_count", flat=True).get()
    _bump(day_of(post.created_at), post.community_id, post.board,
          _post_deltas(post, 1 if visible else -1, read_count=read_count))


def reply_created(reply: Reply, post: Post) -> None:
    if reply.visibility == Visibility.VISIBLE:
        _bump(day_of(reply.created_at), reply.community_id, post.board, {"replies": 1})


def reply_visibility(reply: Reply, post: Post, *, visible: bool) -> None:
    _bump(day_of(reply.created_at), reply.community_id, post.board, {"replies": 1 if visible else -1})


def read_counted(post_id: int) -> None:
    """A first read of a post was counted (after ``Post.read_count`` was incremented, in the same transaction).

    The post's visibility is read after that UPDATE took the row's lock, so it is the visibility a
    concurrent hide/restore left (``post_visibility`` then counts this read with the post, or not).
    """
    row = Post.objects.filter(pk=post_id).values_list("visibility", "created_at", "community_id", "board").get()
    visibility, created_at, community_id, board = row
    if visibility == Visibility.VISIBLE:
        _bump(day_of(created_at), community_id, board, {"reads": 1})


# --- bulk writers and the drift check ------------------------------------------------------------

def add(counts: dict[Key, dict[str, int]]) -> None:
    """Add a bulk writer's rows (key → deltas), inside its transaction."""
    subs = dict(Community.objects.filter(pk__in={c for _d, c, _b in counts}).values_list("pk", "subdistrict_id"))
    for (day, community_id, board), deltas in counts.items():
        _bump(day, community_id, board, deltas, subs[community_id])


def expected() -> dict[Key, dict[str, int]]:
    """The rollup as the source rows say: key → values.

    Three grouped queries: visible posts by their day, visible replies by theirs (with their
    post's board), and the reads of visible posts by the post's day.
    """
    tz = timezone.get_current_timezone()
    posts = Post.objects.filter(visibility=Visibility.VISIBLE)
    replies = Reply.objects.filter(visibility=Visibility.VISIBLE)
    reads = Read.objects.filter(post__visibility=Visibility.VISIBLE)
    out: dict[Key, dict[str, int]] = {}

    def put(key: Key, **values: int) -> None:
        row = out.setdefault(key, dict.fromkeys(FIELDS, 0))
        for k, v in values.items():
            row[k] += v

    for r in (posts.annotate(d=TruncDate("created_at", tzinfo=tz)).order_by().values("d", "community_id", "board")
              .annotate(n=Count("pk"), aid=Count("pk", filter=Q(is_mutual_aid=True))).iterator(chunk_size=BATCH)):
        put((r["d"], r["community_id"], r["board"]), posts=r["n"], mutual_aid=r["aid"])
    for r in (replies.annotate(d=TruncDate("created_at", tzinfo=tz)).order_by().values("d", "community_id", "post__board")
              .annotate(n=Count("pk")).iterator(chunk_size=BATCH)):
        put((r["d"], r["community_id"], r["post__board"]), replies=r["n"])
    for r in (reads.annotate(d=TruncDate("post__created_at", tzinfo=tz)).order_by()
              .values("d", "post__community_id", "post__board").annotate(n=Count("pk")).iterator(chunk_size=BATCH)):
        put((r["d"], r["post__community_id"], r["post__board"]), reads=r["n"])
    return out


def write(rows: dict[Key, dict[str, int]], existing: dict[Key, int]) -> None:
    """Set these keys to these values (all zeros: no row), given the ids of the rows that exist; in bulk."""
    versioned.touch(PAST_POSTS_CHANGED)
    subs = dict(Community.objects.values_list("pk", "subdistrict_id"))
    gone = [existing[k] for k, v in rows.items() if k in existing and not any(v.values())]
    changed = [PostDay(pk=existing[k], subdistrict_id=subs[k[1]], **v) for k, v in rows.items()
               if k in existing and any(v.values())]
    new = [PostDay(day=k[0], community_id=k[1], board=k[2], subdistrict_id=subs[k[1]], **v)
           for k, v in rows.items() if k not in existing and any(v.values())]
    for i in range(0, len(gone), BATCH):
        PostDay.objects.filter(pk__in=gone[i:i + BATCH]).delete()
    PostDay.objects.bulk_update(changed, [*FIELDS, "subdistrict"], batch_size=BATCH)
    # A row a service created since the table was read (the backfill runs beside the live site) is overwritten,
    # not a unique violation; an increment that raced with this is then lost until the next nightly check.
    PostDay.objects.bulk_create(new, batch_size=BATCH, update_conflicts=True,
                                unique_fields=["day", "community", "board"], update_fields=[*FIELDS, "subdistrict"])


def rebuild() -> int:
    """Forget the rollup and compute it again from the source rows (after a bulk load); returns the rows written."""
    with transaction.atomic():
        PostDay.objects.all().delete()
        rows = {k: v for k, v in expected().items() if any(v.values())}
        write(rows, {})
    return len(rows)


def counts_of(posts: Iterable[Post], replies: Iterable[tuple[Reply, str]]) -> dict[Key, dict[str, int]]:
    """The deltas new visible rows add (posts with their read counts; replies with their post's board)."""
    out: dict[Key, Counter[str]] = {}
    for p in posts:
        if p.visibility == Visibility.VISIBLE:
            c = out.setdefault((day_of(p.created_at), p.community_id, p.board), Counter())
            c.update(_post_deltas(p, 1, read_count=p.read_count))
    for r, board in replies:
        if r.visibility == Visibility.VISIBLE:
            out.setdefault((day_of(r.created_at), r.community_id, board), Counter())["replies"] += 1
    return {k: dict(v) for k, v in out.items()}


def stored() -> tuple[dict[Key, dict[str, Any]], dict[Key, int]]:
    """The table as it is: key → values, and key → row id."""
    values: dict[Key, dict[str, Any]] = {}
    ids: dict[Key, int] = {}
    for r in PostDay.objects.values("pk", "day", "community_id", "board", *FIELDS).iterator(chunk_size=BATCH):
        key = (r["day"], r["community_id"], r["board"])
        values[key] = {f: r[f] for f in FIELDS}
        ids[key] = r["pk"]
    return values, ids
