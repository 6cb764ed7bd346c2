"""Who may do what on boards: the single answer pages, the API, templates and services read.

Boards are per community, so there are two layers (docs/adr/0001):

- ``BoardAccess`` (``board_access(actor, community)``): what a person may do
  on one community's boards: read, publish or reply on a board (the table in
  boards.catalogue), like/vote/book, moderate, patrol. Board lists and the
  publish form read it.
- ``access_post(actor, post_id)`` and its siblings for replies, images,
  bookings and 爱宝山 announcements: fetch the object, answer ``NotFound``
  alike when it is missing or the actor may not see it (Zulip's
  access_stream_by_id), and return a frozen ``<Thing>Access`` saying what the
  actor may do to it. Services pass ``for_update=True`` inside their
  transaction to lock the row.

``may_*`` says the actor's role allows an action; ``can_*`` adds the object's
state (a hidden post takes no replies, likes or votes), so a page shows a
button exactly when ``can_*`` holds and a service refuses with the reason:
``PermissionRefused`` when the role does not allow it, ``Conflict`` when the
state does not. Nothing else derives these rules.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import QuerySet

from shequtong.accounts import scope
from shequtong.accounts.models import RoleGrant, User, private_fields_of
from shequtong.accounts.roles import Role, Version
from shequtong.common import prepared
from shequtong.common.errors import NotFound
from shequtong.places.models import Community

from . import catalogue
from .catalogue import Board
from .errors import BoardError
from .models import (
    Announcement,
    AnnouncementComment,
    Booking,
    GiveawayRequest,
    Post,
    PostImage,
    Reply,
)

_CAPS = ("member", "party", "committee", "police", "doctor", "property", "social_org", "observe")

POST_NOT_FOUND = "该主题不存在或您无权查看"
REPLY_NOT_FOUND = "该回复不存在或您无权查看"
COMMUNITY_NOT_FOUND = "该居村委不存在或不在您的范围内"


# --- one community's boards ----------------------------------------------------------


@dataclass(frozen=True)
class BoardAccess:
    """What one person may do on one community's boards (spec §3.4.1 items 2.x and 3.x)."""

    community: Community
    caps: frozenset[str]
    patrol_level: str | None
    # A village without a 物业 or 业委会 has no 物业之窗 (issue 18); urban communities always have it.
    has_property: bool = True

    @property
    def is_reader(self) -> bool:
        """A person of the community (resident, party member, committee, police, doctor, property)."""
        return bool(self.caps & set(catalogue.READ_CAPABILITIES))

    @property
    def is_observer(self) -> bool:
        """Browses read-only (逐级观察, OB-8): an observer of this community who is not one of its people."""
        return "observe" in self.caps and not self.is_reader

    @property
    def can_read(self) -> bool:
        return self.is_reader or "observe" in self.caps

    @property
    def is_moderator(self) -> bool:
        return "committee" in self.caps

    @property
    def sees_hidden(self) -> bool:
        """Hidden posts and replies stay visible (marked) to the committee and to observers."""
        return self.is_moderator or self.is_observer

    @property
    def can_patrol(self) -> bool:
        return self.patrol_level is not None

    def has_board(self, board: str) -> bool:
        return catalogue.exists_in(board, self.community.kind, has_property=self.has_property)

    def can_publish(self, board: str) -> bool:
        if not self.has_board(board):
            return False
        return bool(self.caps & set(catalogue.spec(board).publish))

    def can_reply(self, board: str) -> bool:
        if not self.has_board(board):
            return False
        return bool(self.caps & set(catalogue.spec(board).reply))

    @property
    def can_interact(self) -> bool:
        """Like: people of the community, never read-only observers."""
        return self.is_reader

    @property
    def can_comment(self) -> bool:
        """Vote and book a service: residents and the committee."""
        return bool(self.caps & {"member", "committee"})


def board_access(actor: User, community: Community) -> BoardAccess:
    """Resolve the actor's grants on one community once (no NotFound: callers decide what to show)."""
    caps = frozenset(c for c in _CAPS if scope.can(actor, c, community=community))
    level = scope.patrol_level(actor, community) if caps & {"committee", "observe"} else None
    return BoardAccess(community=community, caps=caps, patrol_level=level,
                       has_property=not community.is_rural or has_property_management(community))


def has_property_management(community: Community) -> bool:
    """Someone holds the 物业 or 业委会 role in the community (what opens 物业之窗 in a village)."""
    return RoleGrant.objects.filter(community_id=community.pk,
                                    role__in=(Role.PROPERTY_MANAGER, Role.OWNERS_COMMITTEE)).exists()


def property_window_shown(actor: User) -> bool:
    """The 物业之窗 tile of the home page: not in a village without property management."""
    community = own_community(actor)
    return community is None or not community.is_rural or has_property_management(community)


def _community(community_id: int) -> Community | None:
    rows = _community_by_id(community_id)
    return rows[0] if rows else None


@prepared.query
def _community_by_id(community_id: int) -> QuerySet[Community]:
    return Community.objects.select_related("subdistrict").filter(pk=community_id)[:1]


def access_community_boards(actor: User, community_id: int) -> BoardAccess:
    """A community's boards as the actor may read them; NotFound when missing or outside their scope."""
    community = _community(int(community_id))
    if community is None:
        raise NotFound(COMMUNITY_NOT_FOUND, code=BoardError.COMMUNITY_NOT_FOUND)
    access = board_access(actor, community)
    if not access.can_read:
        raise NotFound(COMMUNITY_NOT_FOUND, code=BoardError.COMMUNITY_NOT_FOUND)
    return access


def access_board(actor: User, community_id: int, board: str) -> BoardAccess:
    """One board of a community the actor may read; NotFound when either is missing or out of their scope."""
    community = _community(int(community_id))
    access = board_access(actor, community) if community is not None else None
    if access is None or not access.can_read or not access.has_board(board):
        raise NotFound("该版块不存在或您无权查看", code=BoardError.BOARD_NOT_FOUND)
    return access


def own_community(actor: User) -> Community | None:
    """The community whose boards the home page opens: the work one in 居委版, else the home one."""
    if scope.current_version(actor) == Version.COMMITTEE:
        return scope.work_community(actor) or scope.home_community(actor)
    return scope.home_community(actor) or scope.work_community(actor)


def own_board_access(actor: User) -> BoardAccess:
    """The actor's access to their own community's boards; NotFound when they have joined none."""
    community = own_community(actor)
    if community is None:
        raise NotFound("您还没有加入社区", code=BoardError.NO_COMMUNITY)
    return board_access(actor, community)


# --- one post ------------------------------------------------------------------------


@dataclass(frozen=True)
class PostAccess:
    board: BoardAccess
    board_code: str
    is_author: bool
    is_hidden: bool
    has_category: bool
    stage: str

    @property
    def can_view(self) -> bool:
        if not self.board.can_read:
            return False
        return not self.is_hidden or self.board.sees_hidden or self.is_author

    @property
    def is_observer(self) -> bool:
        return self.board.is_observer

    @property
    def counts_as_read(self) -> bool:
        """Reads count the community's people; observers browsing read-only are not counted."""
        return self.board.is_reader

    @property
    def may_reply(self) -> bool:
        return self.board.can_reply(self.board_code)

    @property
    def can_reply(self) -> bool:
        return self.may_reply and not self.is_hidden

    @property
    def may_like(self) -> bool:
        return self.board.can_interact

    @property
    def can_like(self) -> bool:
        return self.may_like and not self.is_hidden

    @property
    def can_moderate(self) -> bool:
        """Hide and restore the post and its replies, open and close its vote: the community's committee."""
        return self.board.is_moderator

    @property
    def sees_history(self) -> bool:
        return self.board.sees_hidden

    @property
    def may_mention(self) -> bool:
        """@居委 on the post: those who may reply, and patrol staff (CT-5)."""
        return self.may_reply or self.board.can_patrol

    @property
    def can_patrol(self) -> bool:
        """@居委 beside a reply: patrol staff (committee, subdistrict and district observers)."""
        return self.board.can_patrol and not self.is_hidden

    @property
    def patrol_level(self) -> str | None:
        return self.board.patrol_level

    @property
    def may_tag(self) -> bool:
        return self.board.can_patrol

    @property
    def can_tag(self) -> bool:
        return self.may_tag and self.board_code == Board.NEIGHBOURS and not self.has_category and not self.is_hidden

    @property
    def may_vote(self) -> bool:
        """Cast a ballot or book a service: residents and the committee of the community."""
        return self.board.can_comment

    @property
    def can_vote(self) -> bool:
        return self.may_vote and not self.is_hidden

    @property
    def can_open_vote(self) -> bool:
        return (self.can_moderate and self.board_code == Board.COUNCIL
                and self.stage in (Post.Stage.TOPIC, Post.Stage.DISCUSSING) and not self.is_hidden)

    @property
    def can_move_topic(self) -> bool:
        """Move the topic along its track (boards.services.TOPIC_MOVES): the community's committee."""
        return self.can_moderate and self.board_code == Board.COUNCIL and bool(self.stage) and not self.is_hidden


def post_access(actor: User, post: Post, board: BoardAccess | None = None) -> PostAccess:
    """What ``actor`` may do to a post already in hand (``board``: their access to its community, if known)."""
    return PostAccess(
        board=board if board is not None else board_access(actor, post.community),
        board_code=post.board,
        is_author=post.author_id == actor.pk,
        is_hidden=post.is_hidden,
        has_category=bool(post.category),
        stage=post.stage,
    )


def _posts(for_update: bool) -> QuerySet[Post]:
    if for_update:
        return Post.objects.select_for_update(of=("self",)).select_related("community__subdistrict")
    # Authors are shown by name only: their encrypted fields stay in the database.
    return Post.objects.select_related("author", "community__subdistrict", "tagged_by").defer(
        *private_fields_of("author", "tagged_by"))


@prepared.query
def _post_by_id(post_id: int, *, for_update: bool) -> QuerySet[Post]:
    return _posts(for_update).filter(pk=post_id)[:1]


def access_post(actor: User, post_id: int, *, for_update: bool = False) -> tuple[Post, PostAccess]:
    """The post and what ``actor`` may do to it; NotFound when it is missing or not theirs to see."""
    rows = _post_by_id(int(post_id), for_update=for_update)
    post = rows[0] if rows else None
    if post is None:
        raise NotFound(POST_NOT_FOUND, code=BoardError.POST_NOT_FOUND)
    access = post_access(actor, post)
    if not access.can_view:
        raise NotFound(POST_NOT_FOUND, code=BoardError.POST_NOT_FOUND)
    return post, access


def access_post_image(actor: User, image_id: int) -> tuple[str, PostAccess]:
    """A post image's stored file name, for those who may see its post (images are never public)."""
    row = PostImage.objects.filter(pk=image_id).values_list("post_id", "image").first()
    if row is None:
        raise NotFound("该图片不存在或您无权查看", code=BoardError.IMAGE_NOT_FOUND)
    try:
        _, access = access_post(actor, row[0])
    except NotFound:
        raise NotFound("该图片不存在或您无权查看", code=BoardError.IMAGE_NOT_FOUND) from None
    return row[1], access


# --- one reply -----------------------------------------------------------------------


@dataclass(frozen=True)
class ReplyAccess:
    post: PostAccess
    is_hidden: bool

    @property
    def can_view(self) -> bool:
        """A hidden reply is gone for everyone but the committee and observers (its author included)."""
        return self.post.can_view and (not self.is_hidden or self.post.board.sees_hidden)

    @property
    def can_moderate(self) -> bool:
        return self.post.can_moderate

    @property
    def may_mention(self) -> bool:
        return self.post.may_mention

    @property
    def can_mention(self) -> bool:
        return self.post.can_patrol and not self.is_hidden


def access_reply(actor: User, reply_id: int, *, for_update: bool = False) -> tuple[Reply, ReplyAccess]:
    """The reply (with its post) and what ``actor`` may do to it; NotFound when missing or not theirs to see."""
    qs = Reply.objects.select_for_update(of=("self",)) if for_update else Reply.objects.all()
    reply = qs.filter(pk=reply_id).first()
    if reply is None:
        raise NotFound(REPLY_NOT_FOUND, code=BoardError.REPLY_NOT_FOUND)
    try:
        post, pa = access_post(actor, reply.post_id, for_update=for_update)
    except NotFound:
        raise NotFound(REPLY_NOT_FOUND, code=BoardError.REPLY_NOT_FOUND) from None
    reply.post = post
    access = ReplyAccess(post=pa, is_hidden=reply.is_hidden)
    if not access.can_view:
        raise NotFound(REPLY_NOT_FOUND, code=BoardError.REPLY_NOT_FOUND)
    return reply, access


# --- one booking of a 社区服务 ---------------------------------------------------------


@dataclass(frozen=True)
class BookingAccess:
    is_booker: bool
    is_provider: bool

    @property
    def can_decide(self) -> bool:
        """Confirm or decline: the provider of the service."""
        return self.is_provider

    @property
    def can_cancel(self) -> bool:
        return self.is_booker


def access_booking(actor: User, booking_id: int, *, for_update: bool = False) -> tuple[Booking, BookingAccess]:
    """The booking and what ``actor`` may do to it.

    The booker always sees their own booking (they may cancel it after leaving
    the community); anyone else only while they may see the service's post.
    """
    qs = Booking.objects.select_for_update(of=("self",)) if for_update else Booking.objects.all()
    booking = qs.select_related("offer").filter(pk=booking_id).first()
    if booking is None:
        raise NotFound("该预约不存在或您无权查看", code=BoardError.BOOKING_NOT_FOUND)
    access = BookingAccess(is_booker=booking.user_id == actor.pk, is_provider=booking.offer.provider_id == actor.pk)
    if not access.is_booker:
        try:
            access_post(actor, booking.offer.post_id)
        except NotFound:
            raise NotFound("该预约不存在或您无权查看", code=BoardError.BOOKING_NOT_FOUND) from None
    return booking, access


# --- one request for a 闲置赠送 item --------------------------------------------------------


@dataclass(frozen=True)
class GiveawayRequestAccess:
    is_requester: bool
    is_giver: bool

    @property
    def can_choose(self) -> bool:
        """Pick this neighbour as the one the item goes to: the giver."""
        return self.is_giver

    @property
    def can_cancel(self) -> bool:
        return self.is_requester


def access_giveaway_request(
    actor: User, request_id: int, *, for_update: bool = False,
) -> tuple[GiveawayRequest, GiveawayRequestAccess]:
    """The request and what ``actor`` may do to it; the requester always sees their own,
    anyone else only while they may see the giveaway's post."""
    qs = GiveawayRequest.objects.select_for_update(of=("self",)) if for_update else GiveawayRequest.objects.all()
    req = qs.select_related("giveaway").filter(pk=request_id).first()
    if req is None:
        raise NotFound("该申领不存在或您无权查看", code=BoardError.GIVEAWAY_REQUEST_NOT_FOUND)
    access = GiveawayRequestAccess(is_requester=req.user_id == actor.pk, is_giver=req.giveaway.giver_id == actor.pk)
    if not access.is_requester:
        try:
            _, pa = access_post(actor, req.giveaway.post_id)
        except NotFound:
            raise NotFound("该申领不存在或您无权查看", code=BoardError.GIVEAWAY_REQUEST_NOT_FOUND) from None
        if pa.is_hidden:
            access = GiveawayRequestAccess(is_requester=False, is_giver=False)
    return req, access


# --- 爱宝山 (PC-6) -------------------------------------------------------------------


def may_announce(actor: User) -> bool:
    """District staff with the permission: the capability held at district level."""
    return scope.scope_for(actor, "district_announce").everything


def commenter_community(actor: User) -> Community | None:
    """The community a comment is filed under: the resident's own, else the committee's."""
    if scope.has_capability(actor, "member"):
        return scope.home_community(actor)
    if scope.has_capability(actor, "committee"):
        return scope.work_community(actor)
    return None


@dataclass(frozen=True)
class AnnouncementAccess:
    commenter_community: Community | None
    comments_open: bool
    can_moderate: bool  # choose which comments are shown, and to whom; publish: district_announce

    @property
    def may_comment(self) -> bool:
        """Residents and committees leave comments (filed under their community)."""
        return self.commenter_community is not None

    @property
    def can_comment(self) -> bool:
        return self.may_comment and self.comments_open


def access_announcement(actor: User, announcement_id: int) -> tuple[Announcement, AnnouncementAccess]:
    """A district announcement (every signed-in person may read them) and what ``actor`` may do."""
    a = Announcement.objects.select_related("author").filter(pk=announcement_id).first()
    if a is None:
        raise NotFound("该公告不存在", code=BoardError.ANNOUNCEMENT_NOT_FOUND)
    return a, AnnouncementAccess(
        commenter_community=commenter_community(actor), comments_open=a.comments_open, can_moderate=may_announce(actor),
    )


def access_comment_for_moderation(actor: User, comment_id: int, *, for_update: bool = False) -> AnnouncementComment:
    """A comment the district may moderate; NotFound for anyone else, and for missing comments."""
    if not may_announce(actor):
        raise NotFound("该留言不存在", code=BoardError.COMMENT_NOT_FOUND)
    qs = AnnouncementComment.objects.select_for_update() if for_update else AnnouncementComment.objects.all()
    comment = qs.filter(pk=comment_id).first()
    if comment is None:
        raise NotFound("该留言不存在", code=BoardError.COMMENT_NOT_FOUND)
    return comment
