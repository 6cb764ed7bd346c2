"""/api/v1/boards: the same board actions as the pages, through the same services and policies.

Handlers are thin: boards.policies fetches and authorises each object, the
services decide, and the API's exception handler renders their DomainErrors.
"""

from __future__ import annotations

from django.urls import reverse
from ninja import Router, Status

from shequtong.accounts.typing import AuthedRequest
from shequtong.common import access
from shequtong.common.errors import NotFound
from shequtong.common.idempotency import idempotent
from shequtong.common.inputs import Id, PageNo
from shequtong.common.pagination import CountingPaginator

from . import catalogue, policies, selectors, services
from .errors import BoardError
from .models import Booking, Post, Reply
from .policies import BoardAccess
from .schemas import (
    BallotIn,
    BoardHideIn,
    BoardMentionOut,
    BoardOut,
    BoardReplyIn,
    BookingIn,
    BookingOut,
    CloseVoteIn,
    DecisionIn,
    ImageOut,
    LikeOut,
    MentionIn,
    PostIn,
    PostOut,
    PostPage,
    ReplyOut,
    TagIn,
    VoteIn,
    VoteOptionOut,
    VoteOut,
)

router = Router(tags=["boards"])


def _access(request: AuthedRequest, community_id: int | None) -> BoardAccess:
    if community_id:
        return policies.access_community_boards(request.user, community_id)
    return policies.own_board_access(request.user)


def _post_out(p: Post) -> PostOut:
    return PostOut(
        id=p.pk, community_id=p.community_id, board=p.board, title=p.title, body=p.body,
        author=p.author.display_name, is_mutual_aid=p.is_mutual_aid, category=p.category, stage=p.stage,
        hidden=p.is_hidden, reply_count=p.reply_count, like_count=p.like_count, read_count=p.read_count,
        created_at=p.created_at,
        images=[ImageOut(url=reverse("boards:image", args=[i.pk]), width=i.width, height=i.height) for i in p.images.all()],
    )


def _reply_out(r: Reply) -> ReplyOut:
    return ReplyOut(id=r.pk, post_id=r.post_id, author=r.author.display_name, body=r.body, hidden=r.is_hidden,
                    created_at=r.created_at)


def _vote_out(post: Post, request: AuthedRequest) -> VoteOut:
    info = selectors.vote_of(post, request.user)
    if info is None:
        raise NotFound("该议题没有投票", code=BoardError.VOTE_NOT_FOUND)
    v = info["vote"]
    return VoteOut(
        id=v.pk, question=v.question, deadline=v.deadline, ballot_count=v.ballot_count, closed=v.closed_at is not None,
        outcome=v.outcome, my_option_id=info["my_option_id"],
        options=[VoteOptionOut(id=o.pk, label=o.label, ballot_count=o.ballot_count) for o in info["options"]],
    )


def _booking_out(b: Booking, post_id: Id) -> BookingOut:
    return BookingOut(id=b.pk, post_id=post_id, status=b.status, status_label=str(b.get_status_display()),
                      created_at=b.created_at)


def _fresh(request: AuthedRequest, post_id: Id) -> Post:
    """The post as it is after a service changed it (counters, stage, visibility)."""
    return policies.access_post(request.user, post_id)[0]


@router.get("/boards", response=list[BoardOut])
@access.login
def boards(request: AuthedRequest, community_id: Id | None = None) -> list[BoardOut]:
    acc = _access(request, community_id)
    kind = acc.community.kind
    return [
        BoardOut(code=s.code, label=s.label_for(kind), parent=s.parent,
                 can_publish=acc.can_publish(s.code), can_reply=acc.can_reply(s.code))
        for s in catalogue.boards_for(kind, has_property=acc.has_property)
    ]


@router.get("/posts", response=PostPage)
@access.login
def list_posts(
    request: AuthedRequest, board: str, community_id: Id | None = None, q: str = "", mutual_aid: bool = False,
    stage: str = "", page: PageNo = 1,
) -> PostPage:
    acc = _access(request, community_id)
    matching = selectors.matching_posts(acc, board, q=q, mutual_aid=mutual_aid, stage=stage)
    paginator = CountingPaginator(selectors.with_images(selectors.post_list(matching)), 20, matching)
    p = paginator.get_page(page)
    return PostPage(count=paginator.count, page=p.number, num_pages=paginator.num_pages,
                    items=[_post_out(x) for x in p.object_list])


@router.post("/posts", response={201: PostOut})
@access.login
def create_post(request: AuthedRequest, payload: PostIn) -> tuple[int, PostOut]:
    community_id = payload.community_id or _access(request, None).community.pk
    offer = None
    if payload.board == catalogue.Board.SERVICES:
        offer = services.OfferDetails(service_time=payload.service_time or "", place=payload.place,
                                      capacity=payload.capacity)
    post = idempotent(request, "boards.create_post", lambda: services.create_post(
        actor=request.user, community_id=community_id, board=payload.board, title=payload.title, body=payload.body,
        is_mutual_aid=payload.is_mutual_aid, category=payload.category, convention=payload.convention, offer=offer,
    ))
    return 201, _post_out(_fresh(request, post.pk))


@router.get("/posts/{post_id}", response=PostOut)
@access.login
def read_post(request: AuthedRequest, post_id: Id) -> PostOut:
    return _post_out(_fresh(request, post_id))


@router.post("/posts/{post_id}/read", response={204: None})
@access.login
def mark_read(request: AuthedRequest, post_id: Id) -> Status[None]:
    """The read receipt (counted once per person, earns 积分 within the daily cap); a GET of the post writes nothing."""
    services.record_read(actor=request.user, post_id=post_id)
    return Status(204, None)


@router.get("/posts/{post_id}/replies", response=list[ReplyOut])
@access.login
def list_replies(request: AuthedRequest, post_id: Id, page: PageNo = 1) -> list[ReplyOut]:
    post, pa = policies.access_post(request.user, post_id)
    p = CountingPaginator(selectors.replies(post, pa), 50, selectors.matching_replies(post, pa)).get_page(page)
    return [_reply_out(r) for r in p.object_list]


@router.post("/posts/{post_id}/replies", response={201: ReplyOut})
@access.login
def reply(request: AuthedRequest, post_id: Id, payload: BoardReplyIn) -> tuple[int, ReplyOut]:
    r = idempotent(request, "boards.reply", lambda: services.reply_to(
        actor=request.user, post_id=post_id, body=payload.body, mention=payload.mention))
    return 201, _reply_out(r)


@router.post("/posts/{post_id}/like", response=LikeOut)
@access.login
def like(request: AuthedRequest, post_id: Id) -> LikeOut:
    liked = services.toggle_like(actor=request.user, post_id=post_id)
    return LikeOut(liked=liked, like_count=_fresh(request, post_id).like_count)


@router.post("/mentions", response={201: BoardMentionOut})
@access.login
def mention(request: AuthedRequest, payload: MentionIn) -> tuple[int, BoardMentionOut]:
    m = services.mention_committee(actor=request.user, post_id=payload.post_id, reply_id=payload.reply_id)
    return 201, BoardMentionOut(id=m.pk, source_type=m.source_type, patrol_level=m.patrol_level or None)


@router.post("/posts/{post_id}/tag", response=PostOut)
@access.login
def tag(request: AuthedRequest, post_id: Id, payload: TagIn) -> PostOut:
    services.tag_post(actor=request.user, post_id=post_id, category=payload.category)
    return _post_out(_fresh(request, post_id))


@router.get("/posts/{post_id}/vote", response=VoteOut)
@access.login
def get_vote(request: AuthedRequest, post_id: Id) -> VoteOut:
    return _vote_out(_fresh(request, post_id), request)


@router.post("/posts/{post_id}/vote", response={201: VoteOut})
@access.login
def open_vote(request: AuthedRequest, post_id: Id, payload: VoteIn) -> tuple[int, VoteOut]:
    services.open_vote(actor=request.user, post_id=post_id, question=payload.question, options=payload.options,
                       deadline=payload.deadline)
    return 201, _vote_out(_fresh(request, post_id), request)


@router.post("/posts/{post_id}/ballots", response={201: VoteOut})
@access.login
def vote(request: AuthedRequest, post_id: Id, payload: BallotIn) -> tuple[int, VoteOut]:
    services.cast_ballot(actor=request.user, post_id=post_id, option_id=payload.option_id)
    return 201, _vote_out(_fresh(request, post_id), request)


@router.post("/posts/{post_id}/vote/close", response=VoteOut)
@access.login
def close_vote(request: AuthedRequest, post_id: Id, payload: CloseVoteIn) -> VoteOut:
    services.close_vote(actor=request.user, post_id=post_id, outcome=payload.outcome)
    return _vote_out(_fresh(request, post_id), request)


@router.post("/posts/{post_id}/bookings", response={201: BookingOut})
@access.login
def book(request: AuthedRequest, post_id: Id, payload: BookingIn) -> tuple[int, BookingOut]:
    b = services.book_service(actor=request.user, post_id=post_id, note=payload.note)
    return 201, _booking_out(b, post_id)


@router.post("/bookings/{booking_id}/decision", response=BookingOut)
@access.login
def decide_booking(request: AuthedRequest, booking_id: Id, payload: DecisionIn) -> BookingOut:
    b = services.decide_booking(actor=request.user, booking_id=booking_id, confirm=payload.confirm)
    return _booking_out(b, b.offer.post_id)


@router.post("/posts/{post_id}/hide", response=PostOut)
@access.login
def hide_post(request: AuthedRequest, post_id: Id, payload: BoardHideIn) -> PostOut:
    services.hide_post(actor=request.user, post_id=post_id, reason=payload.reason)
    return _post_out(_fresh(request, post_id))


@router.post("/posts/{post_id}/restore", response=PostOut)
@access.login
def restore_post(request: AuthedRequest, post_id: Id) -> PostOut:
    services.restore_post(actor=request.user, post_id=post_id)
    return _post_out(_fresh(request, post_id))


@router.post("/replies/{reply_id}/hide", response=ReplyOut)
@access.login
def hide_reply(request: AuthedRequest, reply_id: Id, payload: BoardHideIn) -> ReplyOut:
    return _reply_out(services.hide_reply(actor=request.user, reply_id=reply_id, reason=payload.reason))


@router.post("/replies/{reply_id}/restore", response=ReplyOut)
@access.login
def restore_reply(request: AuthedRequest, reply_id: Id) -> ReplyOut:
    return _reply_out(services.restore_reply(actor=request.user, reply_id=reply_id))
