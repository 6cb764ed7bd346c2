"""Every read of boards and 爱宝山, restricted to what the user may see.

Lists are keyset-friendly querysets on the (community, board, -created_at)
index with the author and images loaded in a fixed number of queries, so a
page costs the same with ten posts or ten million.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Prefetch, Q, QuerySet

from shequtong.accounts import scope
from shequtong.accounts.models import User, private_fields_of
from shequtong.common.errors import NotFound
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
    Like,
    ModerationAction,
    Post,
    PostImage,
    Read,
    Reply,
    Visibility,
)
from .policies import BoardAccess, PostAccess


def _list_qs(qs: QuerySet[Post]) -> QuerySet[Post]:
    return qs.select_related("author").defer(*private_fields_of("author")).prefetch_related(
        Prefetch("images", queryset=PostImage.objects.order_by("position", "id"))
    ).annotate(author_level=level_expression("author"))  # 社区达人 beside the name, in the same query


def posts(access: BoardAccess, board: str, *, q: str = "", mutual_aid: bool = False, stage: str = "") -> QuerySet[Post]:
    """A board's posts for this reader, newest first; keyword search inside the board (PC-7)."""
    if not access.has_board(board):
        raise NotFound("该版块不存在", code=BoardError.BOARD_NOT_FOUND)
    qs = Post.objects.filter(community=access.community, board=board)
    if not access.sees_hidden:
        qs = qs.filter(visibility=Visibility.VISIBLE)
    if mutual_aid and board == Board.NEIGHBOURS:
        qs = qs.filter(is_mutual_aid=True)
    if stage and board == Board.COUNCIL:
        qs = qs.filter(stage=stage)
    q = q.strip()[:50]
    if q:
        qs = qs.filter(Q(title__icontains=q) | Q(body__icontains=q))
    return _list_qs(qs).order_by("-created_at", "-id")


def replies(post: Post, access: PostAccess) -> QuerySet[Reply]:
    qs = (Reply.objects.filter(post=post).select_related("author").defer(*private_fields_of("author"))
          .annotate(author_level=level_expression("author")))
    if not access.board.sees_hidden:
        qs = qs.filter(visibility=Visibility.VISIBLE)
    return qs.order_by("created_at", "id")


def author_level(post: Post) -> str:
    """The 社区达人 level of the post's author (one query for the post page)."""
    return levels_of([post.author_id])[post.author_id]


def has_read(user: User, post: Post) -> bool:
    return Read.objects.filter(post=post, user=user).exists()


def liked(user: User, post: Post) -> bool:
    return Like.objects.filter(post=post, user=user).exists()


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


# --- 我的 ------------------------------------------------------------------------


def my_posts(user: User) -> QuerySet[Post]:
    return _list_qs(Post.objects.filter(author=user).select_related("community")).order_by("-created_at", "-id")


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
