"""Every read of boards and 爱宝山, restricted to what the user may see.

Lists are keyset-friendly querysets on the (community, board, -created_at)
index with the author and images loaded in a fixed number of queries, so a
page costs the same with ten posts or ten million.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet, Subquery

from shequtong.accounts import scope
from shequtong.accounts.models import User, private_fields_of
from shequtong.common import prepared
from shequtong.common.errors import NotFound
from shequtong.common.hooks import ReadRecord
from shequtong.places.models import Community
from shequtong.points.models import level_expression
from shequtong.points.selectors import levels_of

from .catalogue import Board
from .errors import BoardError
from .models import (
    Announcement,
    AnnouncementComment,
    Ballot,
    Booking,
    Giveaway,
    GiveawayRequest,
    Like,
    ModerationAction,
    Post,
    PostImage,
    Read,
    Reply,
    TopicStageChange,
    Visibility,
)
from .policies import BoardAccess, PostAccess


def _list_qs(qs: QuerySet[Post]) -> QuerySet[Post]:
    # The author's name and 社区达人 level, and the first image's id (the list's thumbnail), in the
    # list's own query: no second query for images, none per row.
    first_image = PostImage.objects.filter(post=OuterRef("pk")).order_by("position", "id").values("pk")[:1]
    return qs.select_related("author").defer(*private_fields_of("author")).annotate(
        author_level=level_expression("author"), thumb_id=Subquery(first_image))


def _filters(access: BoardAccess, board: str, mutual_aid: bool, stage: str, giveaway: bool) -> dict[str, Any]:
    if not access.has_board(board):
        raise NotFound("该版块不存在", code=BoardError.BOARD_NOT_FOUND)
    return {"visible_only": not access.sees_hidden, "mutual_aid": mutual_aid and board == Board.NEIGHBOURS,
            "giveaway": giveaway and board == Board.NEIGHBOURS, "stage": stage if board == Board.COUNCIL else ""}


# The columns a board's row shows (boards/_post_item.jinja): a row is read and built from these only.
ROW_FIELDS = (
    "community", "board", "title", "body", "visibility", "is_mutual_aid", "is_giveaway", "stage", "category",
    "created_at", "read_count", "reply_count", "like_count", "author", "author__masked_name", "author__username",
)


def _board_qs(community_id: int, board: str, *, visible_only: bool, mutual_aid: bool, giveaway: bool,
              stage: str) -> QuerySet[Post]:
    return post_list(_board_filter(community_id, board, visible_only=visible_only, mutual_aid=mutual_aid,
                                   giveaway=giveaway, stage=stage)).only(*ROW_FIELDS)


def _board_filter(community_id: int, board: str, *, visible_only: bool, mutual_aid: bool, giveaway: bool,
                  stage: str) -> QuerySet[Post]:
    qs = Post.objects.filter(community_id=community_id, board=board)
    if visible_only:
        qs = qs.filter(visibility=Visibility.VISIBLE)
    if mutual_aid:
        qs = qs.filter(is_mutual_aid=True)
    if giveaway:
        qs = qs.filter(is_giveaway=True)
    if stage:
        qs = qs.filter(stage=stage)
    return qs


def post_list(matching: QuerySet[Post]) -> QuerySet[Post]:
    """Posts as a list shows them: author, 社区达人 level and thumbnail, newest first."""
    return _list_qs(matching).order_by("-created_at", "-id")


@prepared.query
def _board_rows(community_id: int, board: str, *, start: int, stop: int, **filters: Any) -> QuerySet[Post]:
    return _board_qs(community_id, board, **filters)[start:stop]


def posts(
    access: BoardAccess, board: str, *, q: str = "", mutual_aid: bool = False, stage: str = "", giveaway: bool = False,
) -> QuerySet[Post]:
    """A board's posts for this reader, newest first; keyword search inside the board (PC-7)."""
    return post_list(matching_posts(access, board, q=q, mutual_aid=mutual_aid, stage=stage, giveaway=giveaway))


def matching_posts(
    access: BoardAccess, board: str, *, q: str = "", mutual_aid: bool = False, stage: str = "", giveaway: bool = False,
) -> QuerySet[Post]:
    """The posts of `posts()` with no join or annotation: what the board's pager counts (index `post_board_list`)."""
    qs = _board_filter(access.community.pk, board, **_filters(access, board, mutual_aid, stage, giveaway))
    q = q.strip()[:50]
    if q:
        qs = qs.filter(Q(title__icontains=q) | Q(body__icontains=q))
    return qs


def with_images(qs: QuerySet[Post]) -> QuerySet[Post]:
    """A post list with every post's images (the API lists them all; pages show only the thumbnail)."""
    return qs.prefetch_related(Prefetch("images", queryset=PostImage.objects.order_by("position", "id")))


def post_rows(access: BoardAccess, board: str, start: int, stop: int, *, mutual_aid: bool = False, stage: str = "",
              giveaway: bool = False) -> list[Post]:
    """``posts(...)[start:stop]`` without a search word, its SQL compiled once per shape (common/prepared.py)."""
    return _board_rows(access.community.pk, board, start=start, stop=stop,  # type: ignore[no-any-return]
                       **_filters(access, board, mutual_aid, stage, giveaway))


@prepared.count
def _board_total(community_id: int, board: str, **filters: Any) -> QuerySet[Post]:
    return _board_filter(community_id, board, **filters)


def post_total(access: BoardAccess, board: str, *, mutual_aid: bool = False, stage: str = "",
               giveaway: bool = False) -> int:
    """``matching_posts(...).count()`` without a search word, compiled once per shape (the board's pager)."""
    return _board_total(access.community.pk, board, **_filters(access, board, mutual_aid, stage, giveaway))


def _replies_qs(post_id: int, *, visible_only: bool) -> QuerySet[Reply]:
    qs = (Reply.objects.filter(post_id=post_id).select_related("author").defer(*private_fields_of("author"))
          .annotate(author_level=level_expression("author")))
    if visible_only:
        qs = qs.filter(visibility=Visibility.VISIBLE)
    return qs.order_by("created_at", "id")


# What a reply on the post page shows of its author: the name (User.display_name), not the whole row.
REPLY_AUTHOR_FIELDS = ("author__masked_name", "author__username")


@prepared.query
def _reply_rows(post_id: int, *, start: int, stop: int, visible_only: bool) -> QuerySet[Reply]:
    fields = [f.name for f in Reply._meta.concrete_fields]
    return _replies_qs(post_id, visible_only=visible_only).only(*fields, *REPLY_AUTHOR_FIELDS)[start:stop]


def replies(post: Post, access: PostAccess) -> QuerySet[Reply]:
    return _replies_qs(post.pk, visible_only=not access.board.sees_hidden)


def matching_replies(post: Post, access: PostAccess) -> QuerySet[Reply]:
    """The replies of `replies()` with no join or annotation: what the post page's pager counts."""
    qs = Reply.objects.filter(post_id=post.pk)
    if not access.board.sees_hidden:
        qs = qs.filter(visibility=Visibility.VISIBLE)
    return qs


@prepared.count
def _reply_total(post_id: int, *, visible_only: bool) -> QuerySet[Reply]:
    qs = Reply.objects.filter(post_id=post_id)
    return qs.filter(visibility=Visibility.VISIBLE) if visible_only else qs


def reply_total(post: Post, access: PostAccess) -> int:
    """``matching_replies(...).count()``, compiled once per shape (the post page's pager, past 50 replies)."""
    return _reply_total(post.pk, visible_only=not access.board.sees_hidden)


def reply_rows(post: Post, access: PostAccess, start: int, stop: int) -> list[Reply]:
    """``replies(...)[start:stop]``, compiled once per shape."""
    return _reply_rows(post.pk, start=start, stop=stop,  # type: ignore[no-any-return]
                       visible_only=not access.board.sees_hidden)


def author_level(post: Post) -> str:
    """The 社区达人 level of the post's author (one query for the post page)."""
    return levels_of([post.author_id])[post.author_id]


@prepared.query
def _reader_state(post_id: int, user_id: int) -> QuerySet[Any, Any]:
    return (Post.objects.filter(pk=post_id)
            .annotate(has_read=Exists(Read.objects.filter(post_id=post_id, user_id=user_id)),
                      has_liked=Exists(Like.objects.filter(post_id=post_id, user_id=user_id)))
            .values_list("has_read", "has_liked")[:1])


def reader_state(user: User, post: Post) -> tuple[bool, bool]:
    """Has the user read the post, and liked it? One statement for the post page."""
    rows = _reader_state(post.pk, user.pk)
    return (bool(rows[0][0]), bool(rows[0][1])) if rows else (False, False)


@prepared.query
def _images(post_id: int) -> QuerySet[PostImage]:
    return PostImage.objects.filter(post_id=post_id).order_by("position", "id")


def images(post: Post) -> list[PostImage]:
    """A post's images in their order (the post page)."""
    return _images(post.pk)  # type: ignore[no-any-return]


def history(post: Post) -> QuerySet[ModerationAction]:
    return ModerationAction.objects.filter(post=post).select_related("actor", "reply").order_by("-created_at", "-id")


def vote_of(post: Post, user: User) -> dict[str, Any] | None:
    vote = getattr(post, "vote", None) if post.board == Board.COUNCIL else None
    if vote is None:
        return None
    options = list(vote.options.all())
    mine = Ballot.objects.filter(vote=vote, user=user).values_list("option_id", flat=True).first()
    total = vote.ballot_count or 0
    for o in options:
        o.percent = round(o.ballot_count * 100 / total) if total else 0  # type: ignore[attr-defined]
    return {"vote": vote, "options": options, "my_option_id": mine}


def offer_of(post: Post, user: User) -> dict[str, Any] | None:
    offer = getattr(post, "offer", None) if post.board == Board.SERVICES else None
    if offer is None:
        return None
    active = (Booking.Status.PENDING, Booking.Status.CONFIRMED)
    mine = Booking.objects.filter(offer=offer, user=user, status__in=active).first()
    bookings = None
    if offer.provider_id == user.pk:
        bookings = list(offer.bookings.select_related("user").order_by("-created_at", "-id")[:100])
    return {"offer": offer, "my_booking": mine, "bookings": bookings}


def topic_history(post: Post) -> list[TopicStageChange]:
    """A 议事厅 topic's track, oldest first: every stage it entered, when and by whom."""
    if post.board != Board.COUNCIL:
        return []
    return list(
        TopicStageChange.objects.filter(post=post).select_related("actor").defer(*private_fields_of("actor"))
        .order_by("created_at", "id")[:100]
    )


def giveaway_of(post: Post, user: User) -> dict[str, Any] | None:
    """A 闲置赠送 post's item: its state, the reader's own request, and (for the giver) everyone's requests."""
    if not post.is_giveaway:
        return None
    giveaway = Giveaway.objects.filter(post=post).select_related("recipient").defer(*private_fields_of("recipient")).first()
    if giveaway is None:
        return None
    mine = (GiveawayRequest.objects.filter(giveaway=giveaway, user=user)
            .exclude(status=GiveawayRequest.Status.CANCELLED).order_by("-created_at", "-id").first())
    requests = None
    if giveaway.giver_id == user.pk:
        requests = list(
            giveaway.requests.exclude(status=GiveawayRequest.Status.CANCELLED).select_related("user")
            .defer(*private_fields_of("user")).order_by("created_at", "id")[:100]
        )
    return {"giveaway": giveaway, "my_request": mine, "requests": requests}


# --- 我的 ------------------------------------------------------------------------


def my_posts(user: User) -> QuerySet[Post]:
    return _list_qs(my_posts_matching(user).select_related("community")).order_by("-created_at", "-id")


def my_posts_matching(user: User) -> QuerySet[Post]:
    """The posts of `my_posts()` with no join or annotation: what 我的发布's pager counts (index `post_author`)."""
    return Post.objects.filter(author=user)


def my_replies(user: User) -> QuerySet[Reply]:
    return Reply.objects.filter(author=user).select_related("post", "post__community").order_by("-created_at", "-id")


def my_bookings(user: User) -> QuerySet[Booking]:
    return Booking.objects.filter(user=user).select_related("offer__post").order_by("-created_at", "-id")


def bookings_of_my_services(user: User) -> QuerySet[Booking]:
    return (
        Booking.objects.filter(offer__provider=user).select_related("offer__post", "user")
        .order_by("-created_at", "-id")
    )


def my_ballots(user: User) -> QuerySet[Ballot]:
    return Ballot.objects.filter(user=user).select_related("vote__post", "option").order_by("-created_at", "-id")


# --- observers (逐级观察) ---------------------------------------------------------


def observable_communities(user: User, *, subdistrict_id: int | None = None, q: str = "") -> QuerySet[Community]:
    qs = scope.scope_for(user, "observe").communities().select_related("subdistrict")
    if subdistrict_id:
        qs = qs.filter(subdistrict_id=subdistrict_id)
    q = q.strip()[:30]
    if q:
        qs = qs.filter(name__icontains=q)
    return qs.order_by("subdistrict__sort_order", "subdistrict_id", "id")


# Stages in the order of the track, for counts and tables (议题 … 已完成, then 未通过).
COUNCIL_STAGES: tuple[str, ...] = tuple(Post.Stage.values)


@dataclass
class CommunityStageCounts:
    community_id: int
    community_name: str
    subdistrict_name: str
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    def in_order(self) -> list[int]:
        return [self.counts.get(s, 0) for s in COUNCIL_STAGES]


def council_stage_counts(
    user: User, *, capability: str = "observe", subdistrict_id: int | None = None,
) -> list[CommunityStageCounts]:
    """议事厅 topics per stage per community, for the communities ``capability`` covers (自治共治).

    One grouped query over visible topics (hidden ones are the committee's
    business); every community in scope gets a row, topics or not, ordered
    by subdistrict then community. The 数据 theme of 自治共治 reads the same.
    """
    sc = scope.scope_for(user, capability)
    communities = sc.communities().select_related("subdistrict")
    if subdistrict_id:
        communities = communities.filter(subdistrict_id=subdistrict_id)
    rows = {
        c.pk: CommunityStageCounts(c.pk, c.name, c.subdistrict.name)
        for c in communities.order_by("subdistrict__sort_order", "subdistrict_id", "id")
    }
    if not rows:
        return []
    grouped = (
        sc.filter(Post.objects.filter(board=Board.COUNCIL, visibility=Visibility.VISIBLE, community_id__in=sorted(rows))
                  .exclude(stage=""), "community")
        .values("community_id", "stage").annotate(n=Count("id")).order_by()
    )
    for g in grouped:
        rows[g["community_id"]].counts[g["stage"]] = g["n"]
    return list(rows.values())


def stage_totals(rows: list[CommunityStageCounts]) -> list[int]:
    """The column sums of council_stage_counts (the table's 合计 row)."""
    return [sum(r.counts.get(s, 0) for r in rows) for s in COUNCIL_STAGES]


def moderation_log(access: BoardAccess) -> QuerySet[ModerationAction]:
    return (
        ModerationAction.objects.filter(community=access.community)
        .select_related("actor", "post", "reply")
        .order_by("-created_at", "-id")
    )


# --- 爱宝山 -----------------------------------------------------------------------


def announcements() -> QuerySet[Announcement]:
    return Announcement.objects.select_related("author").order_by("-created_at", "-id")


def visible_comments(user: User, announcement: Announcement) -> QuerySet[AnnouncementComment]:
    """What a resident or committee sees: their own comments, and shown ones whose audience includes them."""
    communities = {c.pk for c in (scope.home_community(user), scope.work_community(user)) if c is not None}
    shown = Q(status=AnnouncementComment.Status.SHOWN) & (
        Q(audience=AnnouncementComment.Audience.EVERYONE)
        | Q(audience=AnnouncementComment.Audience.COMMUNITY, community_id__in=sorted(communities))
    )
    return (
        AnnouncementComment.objects.filter(announcement=announcement)
        .filter(shown | Q(author=user))
        .select_related("author", "community")
        .order_by("-created_at", "-id")
    )


def comments_for_moderation(
    announcement: Announcement, *, since: dt.date | None = None, until: dt.date | None = None,
    community_id: int | None = None, q: str = "", status: str = "",
) -> QuerySet[AnnouncementComment]:
    """The district's filtered view of all comments (time, community, keyword, status)."""
    qs = AnnouncementComment.objects.filter(announcement=announcement)
    if since:
        qs = qs.filter(created_at__date__gte=since)
    if until:
        qs = qs.filter(created_at__date__lte=until)
    if community_id:
        qs = qs.filter(community_id=community_id)
    q = q.strip()[:50]
    if q:
        qs = qs.filter(body__icontains=q)
    if status in AnnouncementComment.Status.values:
        qs = qs.filter(status=status)
    return qs.select_related("author", "community__subdistrict", "reviewed_by").order_by("-created_at", "-id")


# ---- text sources for 政策找人's demand profiles (common/hooks.py "Text sources") -----------------


def post_texts(ids: list[int]) -> dict[int, str]:
    return {pk: f"{title}\n{body}" for pk, title, body in Post.objects.filter(pk__in=ids).values_list("id", "title", "body")}


def reply_texts(ids: list[int]) -> dict[int, str]:
    return dict(Reply.objects.filter(pk__in=ids).values_list("id", "body"))


def first_reads_after(after_id: int, n: int) -> list[ReadRecord]:
    rows = Read.objects.filter(pk__gt=after_id).order_by("pk").values_list("pk", "user_id", "community_id", "post_id",
                                                                           "created_at")[:n]
    return [ReadRecord(read_id=pk, user_id=u, community_id=c, source_type="post", source_id=p, at=at)
            for pk, u, c, p, at in rows]
