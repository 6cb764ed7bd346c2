"""Every change to boards and 爱宝山: one function per user action, `actor` first.

Each fetches and authorises its object through boards.policies (which asks
accounts.scope), taking the object's id, runs in one transaction,
keeps the denormalised counters with F() expressions, writes history rows
(ModerationAction) and publishes the cross-app hooks (mention_recorded,
post_tagged) inside the same transaction so subscribers commit with it.
Something the actor may not read is NotFound, exactly like a missing row.
"""

from __future__ import annotations

import datetime as dt
import re
import uuid
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import F, QuerySet

from shequtong.accounts.models import User
from shequtong.common import chinese, clock, hooks, prepared
from shequtong.common.categories import Category
from shequtong.common.errors import Conflict, NotFound, PermissionRefused, ValidationFailed
from shequtong.common.text import cleaned
from shequtong.inbox.services import send_system_message
from shequtong.points import services as points
from shequtong.points.models import Action as PointsAction

from . import catalogue, images, policies, rollups
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
    Mention,
    ModerationAction,
    Post,
    PostImage,
    Read,
    Reply,
    ServiceOffer,
    TopicStageChange,
    Visibility,
    Vote,
    VoteOption,
)

MENTION_TEXT_LIMIT = 2000


@dataclass(frozen=True)
class GiveawayDetails:
    """闲置赠送 on 左邻右舍: where the neighbour picks the item up (no price: nothing is sold)."""

    pickup_place: str


@dataclass(frozen=True)
class OfferDetails:
    service_time: str
    place: str = ""
    capacity: int | None = None


def _clean(text: str, *, field: str, label: str, max_length: int, required: bool = True) -> str:
    text = (text or "").strip()
    if required and not text:
        raise ValidationFailed(f"请填写{label}", field=field)
    if len(text) > max_length:
        raise ValidationFailed(f"{label}不能超过{max_length}字", field=field)
    return text


def _require_visible(access: policies.PostAccess) -> None:
    if access.is_hidden:
        raise Conflict("该内容已被隐藏")


# --- posts -------------------------------------------------------------------


def create_post(
    *,
    actor: User,
    community_id: int,
    board: str,
    title: str,
    body: str,
    is_mutual_aid: bool = False,
    category: str = "",
    image_files: list[Any] | None = None,
    convention: bool = False,
    offer: OfferDetails | None = None,
    giveaway: GiveawayDetails | None = None,
) -> Post:
    """Publish a post on a board of the community (who may: boards.catalogue)."""
    access = policies.access_board(actor, community_id, board)
    community = access.community
    if not access.can_publish(board):
        raise PermissionRefused(f"您没有在{catalogue.spec(board).label_for(community.kind)}发布的权限")
    title = _clean(title, field="title", label="标题", max_length=100)
    body = _clean(body, field="body", label="内容", max_length=5000)
    if board != Board.NEIGHBOURS and (is_mutual_aid or category):
        raise ValidationFailed("只有身边事可以选择互助或问题标签", field="category")
    if category and category not in Category.values:
        raise ValidationFailed("问题标签无效", field="category")
    pickup_place = ""
    if giveaway is not None:
        if board != Board.NEIGHBOURS:
            raise ValidationFailed("只有左邻右舍可以发布闲置赠送", field="pickup_place")
        if is_mutual_aid or category:
            raise ValidationFailed("闲置赠送不能同时选择互助或问题标签", field="category")
        pickup_place = _clean(giveaway.pickup_place, field="pickup_place", label="自取地点", max_length=100)
        _refuse_price(title, body)
    stage = ""
    if board == Board.COUNCIL:
        stage = Post.Stage.TOPIC
        if convention:
            # The committee may publish a convention directly (§3.4.1 item 3.5).
            if not access.is_moderator:
                raise PermissionRefused("只有居村委可以直接发布公约")
            stage = Post.Stage.CONVENTION
    elif convention:
        raise ValidationFailed("只有议事厅可以发布公约", field="convention")
    if board == Board.SERVICES:
        if offer is None:
            raise ValidationFailed("请填写服务时间", field="service_time")
        offer = OfferDetails(
            service_time=_clean(offer.service_time, field="service_time", label="服务时间", max_length=100),
            place=_clean(offer.place, field="place", label="服务地点", max_length=100, required=False),
            capacity=offer.capacity,
        )
        if offer.capacity is not None and offer.capacity < 1:
            raise ValidationFailed("名额至少为1", field="capacity")
    checked = images.check_images(list(image_files or []))
    now = clock.now()
    with transaction.atomic():
        post = prepared.create(
            Post, community=community, board=board, author=actor, title=title, body=body,
            search_text=chinese.search_text(title, body),
            is_mutual_aid=bool(is_mutual_aid), category=category, stage=stage, created_at=now,
            tagged_by=actor if category else None, tagged_at=now if category else None,
            is_giveaway=giveaway is not None,
        )
        rollups.post_created(post)
        if stage:
            _stage_row(post, actor=actor, from_stage="", to_stage=stage, note="", at=now)
        if giveaway is not None:
            Giveaway.objects.create(post=post, community=community, giver=actor, pickup_place=pickup_place)
        for position, (f, ext) in enumerate(checked):
            row = PostImage(post=post, community=community, position=position)
            row.image.save(f"{uuid.uuid4().hex}.{ext}", f, save=False)
            row.save()
        if board == Board.SERVICES and offer is not None:
            ServiceOffer.objects.create(
                post=post, community=community, provider=actor, service_time=offer.service_time,
                place=offer.place, capacity=offer.capacity,
            )
        if category:
            _publish_tagged(post=post, actor=actor, patrol_level=None)
        _activity(actor.pk, "post", post.community_id, "post", post.pk)
    return post


def _activity(user_id: int, action: str, community_id: int, source_type: str, source_id: int) -> None:
    """Tell subscribers (points) that someone took part, inside the transaction of the cause."""
    hooks.activity_recorded.publish(hooks.ActivityEvent(
        user_id=user_id, action=action, community_id=community_id, source_type=source_type, source_id=source_id))


def _publish_tagged(*, post: Post, actor: User, patrol_level: str | None) -> None:
    hooks.post_tagged.publish(hooks.PostTaggedEvent(
        post_id=post.pk, community_id=post.community_id, actor_id=actor.pk, author_id=post.author_id,
        category=post.category, title=post.title, text=post.body[:MENTION_TEXT_LIMIT],
        url=post.get_absolute_url(), patrol_level=patrol_level, created_at=post.tagged_at or clock.now(),
    ))


def record_read(*, actor: User, post_id: int) -> bool:
    """Count the actor once as a reader of the post; True if this was their first read.

    Called by a POST the post page sends once it is shown (and by the API's POST .../read), never by
    the GET that shows the post: the read receipt writes a row and earns 积分 (activity_recorded).
    Observers browsing read-only are not counted: the count says how many of the community's people saw it.
    """
    post, access = policies.access_post(actor, post_id)
    return _count_read(actor, post, access)


def _count_read(actor: User, post: Post, access: policies.PostAccess) -> bool:
    if not access.counts_as_read:
        return False
    if Read.objects.filter(post=post, user=actor).exists():
        return False
    try:
        with transaction.atomic():
            Read.objects.create(post=post, community_id=post.community_id, user=actor, created_at=clock.now())
            Post.objects.filter(pk=post.pk).update(read_count=F("read_count") + 1)
            rollups.read_counted(post.pk)
            _activity(actor.pk, "read", post.community_id, "post", post.pk)
    except IntegrityError:
        return False  # a second tab read it at the same moment
    return True


def toggle_like(*, actor: User, post_id: int) -> bool:
    """Like the post, or take the like back; returns whether the actor now likes it.

    The post's row is locked first, so two toggles of one post come one after the other: when the
    DELETE finds no like of the actor, none can appear before the INSERT, which needs no savepoint
    (the unique constraint stays the last guard; issue 11: two round trips fewer per like).
    """
    with transaction.atomic():
        post, access = policies.access_post(actor, post_id, for_update=True)
        if not access.may_like:
            raise PermissionRefused("观察模式下不能点赞")
        _require_visible(access)
        if _unlike(post.pk, actor.pk):
            _count_likes(post.pk, -1)
            return False
        prepared.create(Like, post=post, community_id=post.community_id, user=actor, created_at=clock.now())
        _count_likes(post.pk, 1)
        _activity(actor.pk, "like", post.community_id, "post", post.pk)
    return True


# The counter updates and the like's delete of the write paths, compiled once (common/prepared.py).
@prepared.delete
def _unlike(post_id: int, user_id: int) -> QuerySet[Like]:
    return Like.objects.filter(post_id=post_id, user_id=user_id)


@prepared.update
def _count_likes(post_id: int, delta: int) -> tuple[QuerySet[Post], dict[str, Any]]:
    return Post.objects.filter(pk=post_id), {"like_count": F("like_count") + delta}


@prepared.update
def _count_replies(post_id: int, delta: int) -> tuple[QuerySet[Post], dict[str, Any]]:
    return Post.objects.filter(pk=post_id), {"reply_count": F("reply_count") + delta}


def reply_to(*, actor: User, post_id: int, body: str, mention: bool = False) -> Reply:
    """Reply to a post; with `mention` the reply is also sent to the committee (@居委 under the reply box)."""
    with transaction.atomic():
        post, access = policies.access_post(actor, post_id, for_update=True)
        if not access.may_reply:
            raise PermissionRefused("您没有在该版块回复的权限")
        _require_visible(access)
        body = _clean(body, field="body", label="回复内容", max_length=2000)
        reply = prepared.create(
            Reply, post=post, community_id=post.community_id, author=actor, body=body, created_at=clock.now(),
        )
        _count_replies(post.pk, 1)
        rollups.reply_created(reply, post)
        _activity(actor.pk, "reply", post.community_id, "reply", reply.pk)
        if post.board == Board.COUNCIL:
            _topic_step(post, actor=actor, step="回复", note="", at=reply.created_at)
        if mention:
            _record_mention(actor=actor, post=post, reply=reply, patrol_level=access.patrol_level)
    return reply


# --- @居委 and problem tags (PC-7, CT-5) -------------------------------------------


def mention_committee(*, actor: User, post_id: int, reply_id: int | None = None) -> Mention:
    """Press @居委/@村委 on a post or a reply: record it once and tell case tracking.

    Residents may do it on content they can reply to; patrol staff (committee,
    subdistrict and district observers) beside any reply in their scope.
    """
    with transaction.atomic():
        reply: Reply | None = None
        if reply_id is None:
            post, access = policies.access_post(actor, post_id)
        else:
            reply, ra = policies.access_reply(actor, reply_id)
            # Only the committee may even name a hidden reply here (it can restore it).
            if reply.post_id != post_id or (ra.is_hidden and not ra.can_moderate):
                raise NotFound(policies.REPLY_NOT_FOUND, code=BoardError.REPLY_NOT_FOUND)
            post, access = reply.post, ra.post
        if not access.may_mention:
            raise PermissionRefused("您没有权限@" + post.community.committee_label)
        _require_visible(access)
        if reply is not None and reply.is_hidden:
            raise Conflict("该内容已被隐藏")
        return _record_mention(actor=actor, post=post, reply=reply, patrol_level=access.patrol_level)


QUOTE_LIMIT = 120  # how much of the post an @居委 case on a reply quotes


def _record_mention(*, actor: User, post: Post, reply: Reply | None, patrol_level: str | None) -> Mention:
    existing = Mention.objects.filter(actor=actor, post=post, reply=reply).first()
    if existing is not None:
        return existing
    try:
        with transaction.atomic():
            mention = Mention.objects.create(
                community_id=post.community_id, actor=actor, post=post, reply=reply,
                source_type=Mention.Source.REPLY if reply else Mention.Source.POST,
                patrol_level=patrol_level or "", created_at=clock.now(),
            )
    except IntegrityError:
        return Mention.objects.get(actor=actor, post=post, reply=reply)
    if reply is not None:
        text, author_id, url = reply.body, reply.author_id, f"{post.get_absolute_url()}#reply-{reply.pk}"
        quote = post.body[:QUOTE_LIMIT] + ("…" if len(post.body) > QUOTE_LIMIT else "")
    else:
        text, author_id, url = f"{post.title}\n{post.body}", post.author_id, post.get_absolute_url()
        quote = ""  # the post's own words are the case's
    hooks.mention_recorded.publish(hooks.MentionEvent(
        mention_id=mention.pk, community_id=post.community_id, actor_id=actor.pk, author_id=author_id,
        source_type=mention.source_type, source_id=reply.pk if reply else post.pk, board=post.board,
        text=text[:MENTION_TEXT_LIMIT], url=url, patrol_level=patrol_level, created_at=mention.created_at,
        context_title=post.title if reply is not None else "", context_quote=quote,
    ))
    return mention


def tag_post(*, actor: User, post_id: int, category: str) -> Post:
    """Patrol staff give an untagged 身边事 post one of the five problem categories (CT-5)."""
    with transaction.atomic():
        locked, access = policies.access_post(actor, post_id, for_update=True)
        if not access.may_tag:
            raise PermissionRefused("只有居村委、街镇和区级巡查人员可以添加问题标签")
        if locked.board != Board.NEIGHBOURS:
            raise ValidationFailed("只有身边事可以添加问题标签", field="category")
        if category not in Category.values:
            raise ValidationFailed("请选择问题标签", field="category")
        _require_visible(access)
        if locked.category:
            raise Conflict("该主题已有问题标签")
        locked.category, locked.tagged_by, locked.tagged_at = category, actor, clock.now()
        locked.save(update_fields=["category", "tagged_by", "tagged_at", "updated_at"])
        ModerationAction.objects.create(
            community_id=locked.community_id, actor=actor, action=ModerationAction.Action.TAG, post=locked,
            reason=str(Category(category).label), created_at=locked.tagged_at,
        )
        _publish_tagged(post=locked, actor=actor, patrol_level=access.patrol_level)
    return locked


# --- 议事厅: votes ------------------------------------------------------------------


def open_vote(*, actor: User, post_id: int, question: str, options: list[str], deadline: dt.datetime) -> Vote:
    """The committee opens a vote on a topic under discussion (§3.4.1 item 3.5)."""
    with transaction.atomic():
        locked, access = policies.access_post(actor, post_id, for_update=True)
        if locked.board != Board.COUNCIL:
            raise ValidationFailed("只有议事厅的议题可以发起投票")
        if not access.can_moderate:
            raise PermissionRefused("只有居村委可以发起投票")
        _require_visible(access)
        question = _clean(question, field="question", label="投票事项", max_length=200)
        labels = [o.strip() for o in options if o and o.strip()]
        if len(labels) < 2 or len(labels) > 10 or len(set(labels)) != len(labels):
            raise ValidationFailed("请填写2至10个不重复的选项", field="options")
        if any(len(label) > 60 for label in labels):
            raise ValidationFailed("选项不能超过60字", field="options")
        now = clock.now()
        if deadline <= now:
            raise ValidationFailed("截止时间须晚于现在", field="deadline")
        if locked.stage not in (Post.Stage.TOPIC, Post.Stage.DISCUSSING):
            raise Conflict("该议题不在议题或讨论阶段，不能发起投票")
        vote = Vote.objects.create(
            post=locked, community_id=locked.community_id, question=question, deadline=deadline,
            opened_by=actor, opened_at=now,
        )
        VoteOption.objects.bulk_create(cleaned(
            VoteOption(vote=vote, label=label, position=i) for i, label in enumerate(labels)))
        _stage_row(locked, actor=actor, from_stage=locked.stage, to_stage=Post.Stage.VOTING, note=question, at=now)
        locked.stage = Post.Stage.VOTING
        locked.save(update_fields=["stage", "updated_at"])
    return vote


def cast_ballot(*, actor: User, post_id: int, option_id: int) -> Ballot:
    """One ballot per member: the vote row is locked and a unique constraint backs it up."""
    post, access = policies.access_post(actor, post_id)
    if not access.may_vote:
        raise PermissionRefused("只有本社区居村民和居村委可以投票")
    _require_visible(access)
    vote_id = Vote.objects.filter(post=post).values_list("pk", flat=True).first()
    if vote_id is None:
        raise NotFound("该议题没有投票", code=BoardError.VOTE_NOT_FOUND)
    with transaction.atomic():
        vote = Vote.objects.select_for_update().get(pk=vote_id)
        if vote.closed_at is not None or clock.now() >= vote.deadline:
            raise Conflict("投票已结束")
        option = VoteOption.objects.filter(vote=vote, pk=option_id).first()
        if option is None:
            raise ValidationFailed("请选择一个选项", field="option_id")
        if Ballot.objects.filter(vote=vote, user=actor).exists():
            raise Conflict("您已投过票")
        try:
            with transaction.atomic():
                ballot = Ballot.objects.create(
                    vote=vote, option=option, community_id=post.community_id, user=actor, created_at=clock.now(),
                )
        except IntegrityError as exc:
            raise Conflict("您已投过票") from exc
        VoteOption.objects.filter(pk=option.pk).update(ballot_count=F("ballot_count") + 1)
        Vote.objects.filter(pk=vote.pk).update(ballot_count=F("ballot_count") + 1)
        _activity(actor.pk, "vote", post.community_id, "post", post.pk)
    return ballot


_STAGE_OF_OUTCOME = {
    Vote.Outcome.CONVENTION: Post.Stage.CONVENTION,
    Vote.Outcome.PROJECT: Post.Stage.PROJECT,
    Vote.Outcome.REJECTED: Post.Stage.REJECTED,
}


def close_vote(*, actor: User, post_id: int, outcome: str) -> Vote:
    """The committee closes the vote and records what the topic became: 公约, 项目 or 未通过."""
    post, access = policies.access_post(actor, post_id)
    if not access.can_moderate:
        raise PermissionRefused("只有居村委可以结束投票")
    if outcome not in Vote.Outcome.values:
        raise ValidationFailed("请选择投票结果", field="outcome")
    vote_id = Vote.objects.filter(post=post).values_list("pk", flat=True).first()
    if vote_id is None:
        raise NotFound("该议题没有投票", code=BoardError.VOTE_NOT_FOUND)
    with transaction.atomic():
        vote = Vote.objects.select_for_update().get(pk=vote_id)
        if vote.closed_at is not None:
            raise Conflict("投票已结束")
        vote.closed_at, vote.closed_by, vote.outcome = clock.now(), actor, outcome
        vote.save(update_fields=["closed_at", "closed_by", "outcome"])
        stage = _STAGE_OF_OUTCOME[Vote.Outcome(outcome)]
        Post.objects.filter(pk=post.pk).update(stage=stage, updated_at=vote.closed_at)
        _stage_row(post, actor=actor, from_stage=Post.Stage.VOTING, to_stage=stage,
                   note=f"表决结束：{Vote.Outcome(outcome).label}", at=vote.closed_at)
        if outcome == Vote.Outcome.CONVENTION:
            _activity(post.author_id, "convention", post.community_id, "post", post.pk)
    return vote


# --- 议事厅: the topic's track (§3.4.2 item 1.5) ----------------------------------------

# Where the committee may move a topic by hand. 表决 is entered by open_vote and left by
# close_vote; 公约 and 项目 turn into one another directly (项目和公约的直接转换).
TOPIC_MOVES: dict[str, tuple[str, ...]] = {
    Post.Stage.TOPIC: (Post.Stage.DISCUSSING,),
    Post.Stage.DISCUSSING: (Post.Stage.CONVENTION, Post.Stage.PROJECT, Post.Stage.REJECTED),
    Post.Stage.CONVENTION: (Post.Stage.PROJECT, Post.Stage.IMPLEMENTING),
    Post.Stage.PROJECT: (Post.Stage.CONVENTION, Post.Stage.IMPLEMENTING),
    Post.Stage.IMPLEMENTING: (Post.Stage.COMPLETED,),
}


def topic_moves(stage: str) -> tuple[str, ...]:
    """The stages a topic at ``stage`` may be moved to by hand (the page's buttons)."""
    return TOPIC_MOVES.get(stage, ())


def _stage_row(post: Post, *, actor: User, from_stage: str, to_stage: str, note: str, at: dt.datetime) -> None:
    TopicStageChange.objects.create(
        post=post, community_id=post.community_id, from_stage=from_stage, to_stage=to_stage, actor=actor,
        note=note[:200], created_at=at,
    )
    _topic_step(post, actor=actor, step=f"进入“{Post.Stage(to_stage).label}”阶段", note=note[:200], at=at)


def _topic_step(post: Post, *, actor: User, step: str, note: str, at: dt.datetime) -> None:
    """hooks.step_recorded for a 议事厅 topic (a stage move, a reply), in the step's transaction:
    its followers' 信箱 notices (关注, OB-7) and the area's live 宝山圈 pages."""
    hooks.step_recorded.publish(hooks.StepEvent(
        target_type="topic", target_id=post.pk, community_id=post.community_id,
        subdistrict_id=post.community.subdistrict_id, actor_id=actor.pk, title=post.title, step=step, note=note,
        link=post.get_absolute_url(), at=at,
    ))


def move_topic(*, actor: User, post_id: int, stage: str, note: str = "") -> Post:
    """The committee moves a 议事厅 topic along its track; a history row says when, who and why.

    议题 → 讨论; 讨论 → 公约/项目/未通过 (decided by consultation, without a vote);
    公约 ⇄ 项目 directly; 公约/项目 → 实施中 → 已完成.
    """
    with transaction.atomic():
        locked, access = policies.access_post(actor, post_id, for_update=True)
        if locked.board != Board.COUNCIL:
            raise ValidationFailed("只有议事厅的议题有议事进程", field="stage")
        if not access.can_moderate:
            raise PermissionRefused("只有本社区居村委可以推进议事进程")
        _require_visible(access)
        if stage not in Post.Stage.values:
            raise ValidationFailed("请选择要进入的阶段", field="stage")
        note = _clean(note, field="note", label="说明", max_length=200, required=False)
        if stage not in topic_moves(locked.stage):
            raise Conflict(
                f"议题处于“{Post.Stage(locked.stage).label}”阶段，不能转为“{Post.Stage(stage).label}”",
                code=BoardError.STAGE_NOT_ALLOWED,
            )
        now = clock.now()
        _stage_row(locked, actor=actor, from_stage=locked.stage, to_stage=stage, note=note, at=now)
        became_convention = stage == Post.Stage.CONVENTION
        locked.stage = stage
        locked.save(update_fields=["stage", "updated_at"])
        if became_convention:
            _activity(locked.author_id, "convention", locked.community_id, "post", locked.pk)
    return locked


# --- 左邻右舍: 闲置品公益赠送 (§3.4.1 item 2.4) ----------------------------------------------

# "50元", "￥30", "售价", "出售": a giveaway is free; anything that reads like a price is refused.
_PRICE = re.compile(r"(\d+(\.\d+)?\s*元|[¥￥]\s*\d|售价|出售|转卖|价格)")


def _refuse_price(*texts: str) -> None:
    if any(_PRICE.search(t or "") for t in texts):
        raise ValidationFailed("闲置赠送为公益赠送，不能标价或出售", field="body")


def request_giveaway(*, actor: User, post_id: int, note: str = "") -> GiveawayRequest:
    """A neighbour asks for an idle item; the giver hears in 信箱."""
    post, access = policies.access_post(actor, post_id)
    if not access.may_vote:
        raise PermissionRefused("只有本社区居民可以申领闲置物品")
    _require_visible(access)
    giveaway_id = Giveaway.objects.filter(post=post).values_list("pk", flat=True).first()
    if giveaway_id is None:
        raise NotFound("该主题不是闲置赠送", code=BoardError.NOT_A_GIVEAWAY)
    note = _clean(note, field="note", label="留言", max_length=200, required=False)
    with transaction.atomic():
        giveaway = Giveaway.objects.select_for_update().select_related("giver").get(pk=giveaway_id)
        if giveaway.giver_id == actor.pk:
            raise ValidationFailed("不能申领自己赠送的物品")
        if giveaway.status != Giveaway.Status.AVAILABLE:
            raise Conflict("该物品已赠出")
        if GiveawayRequest.objects.filter(giveaway=giveaway, user=actor, status=GiveawayRequest.Status.PENDING).exists():
            raise Conflict("您已申领过该物品")
        try:
            with transaction.atomic():
                req = GiveawayRequest.objects.create(
                    giveaway=giveaway, community_id=post.community_id, user=actor, note=note, created_at=clock.now(),
                )
        except IntegrityError as exc:
            raise Conflict("您已申领过该物品") from exc
        Giveaway.objects.filter(pk=giveaway.pk).update(request_count=F("request_count") + 1)
        send_system_message(
            recipient=giveaway.giver, subject=f"有邻居申领您的闲置物品：{post.title}"[:120],
            body=f"{actor.display_name} 申领了您在左邻右舍赠送的「{post.title}」。{('留言：' + note) if note else ''}"
                 "请在主题页选择赠予对象。",
            link=post.get_absolute_url(),
        )
    return req


def give_away_to(*, actor: User, request_id: int) -> Giveaway:
    """The giver picks one request: the item is 已赠出 to that neighbour, the others hear it is gone."""
    req, access = policies.access_giveaway_request(actor, request_id)
    if not access.can_choose:
        raise PermissionRefused("只有赠送人可以选择赠予对象")
    with transaction.atomic():
        giveaway = Giveaway.objects.select_for_update().select_related("post").get(pk=req.giveaway_id)
        req = GiveawayRequest.objects.select_for_update().select_related("user").get(pk=request_id)
        if giveaway.status != Giveaway.Status.AVAILABLE:
            raise Conflict("该物品已赠出")
        if req.status != GiveawayRequest.Status.PENDING:
            raise Conflict("该申领已取消")
        now = clock.now()
        giveaway.status, giveaway.recipient, giveaway.given_at = Giveaway.Status.GIVEN, req.user, now
        giveaway.save(update_fields=["status", "recipient", "given_at"])
        req.status, req.decided_at = GiveawayRequest.Status.CHOSEN, now
        req.save(update_fields=["status", "decided_at"])
        others = list(GiveawayRequest.objects.filter(giveaway=giveaway, status=GiveawayRequest.Status.PENDING)
                      .select_related("user"))
        GiveawayRequest.objects.filter(pk__in=[o.pk for o in others]).update(
            status=GiveawayRequest.Status.NOT_CHOSEN, decided_at=now)
        post = giveaway.post
        send_system_message(
            recipient=req.user, subject=f"闲置物品赠予您了：{post.title}"[:120],
            body=f"「{post.title}」的赠送人选择了您，请到“{giveaway.pickup_place}”自取。",
            link=post.get_absolute_url(),
        )
        for o in others:
            send_system_message(
                recipient=o.user, subject=f"闲置物品已赠出：{post.title}"[:120],
                body=f"您申领的「{post.title}」已赠予其他邻居，感谢您的关注。", link=post.get_absolute_url(),
            )
        _activity(actor.pk, "giveaway", post.community_id, "post", post.pk)
    return giveaway


def cancel_giveaway_request(*, actor: User, request_id: int) -> GiveawayRequest:
    with transaction.atomic():
        req, access = policies.access_giveaway_request(actor, request_id, for_update=True)
        if not access.can_cancel:
            raise NotFound("该申领不存在或您无权查看", code=BoardError.GIVEAWAY_REQUEST_NOT_FOUND)
        if req.status != GiveawayRequest.Status.PENDING:
            raise Conflict("该申领已结束")
        req.status, req.decided_at = GiveawayRequest.Status.CANCELLED, clock.now()
        req.save(update_fields=["status", "decided_at"])
        Giveaway.objects.filter(pk=req.giveaway_id).update(request_count=F("request_count") - 1)
    return req


# --- 社区服务: bookings -----------------------------------------------------------


def book_service(*, actor: User, post_id: int, note: str = "") -> Booking:
    post, access = policies.access_post(actor, post_id)
    if not access.may_vote:
        raise PermissionRefused("只有本社区居村民和居村委可以预约服务")
    _require_visible(access)
    offer_id = ServiceOffer.objects.filter(post=post).values_list("pk", flat=True).first()
    if offer_id is None:
        raise NotFound("该主题不是服务", code=BoardError.NOT_A_SERVICE)
    note = _clean(note, field="note", label="备注", max_length=200, required=False)
    with transaction.atomic():
        offer = ServiceOffer.objects.select_for_update().get(pk=offer_id)
        if offer.provider_id == actor.pk:
            raise ValidationFailed("不能预约自己提供的服务")
        if not offer.is_open:
            raise Conflict("该服务已停止预约")
        if offer.capacity is not None and offer.confirmed_count >= offer.capacity:
            raise Conflict("名额已满")
        active = (Booking.Status.PENDING, Booking.Status.CONFIRMED)
        if Booking.objects.filter(offer=offer, user=actor, status__in=active).exists():
            raise Conflict("您已预约该服务")
        try:
            with transaction.atomic():
                booking = Booking.objects.create(
                    offer=offer, community_id=post.community_id, user=actor, note=note, created_at=clock.now(),
                    cost=offer.cost,
                )
        except IntegrityError as exc:
            raise Conflict("您已预约该服务") from exc
        if offer.cost:
            # In the booking's transaction: too few 社区豆 refuses the booking and writes nothing.
            points.spend_beans(user_id=actor.pk, amount=offer.cost, action=PointsAction.SERVICE,
                               reason=f"预约社区服务：{post.title}", ref_type="booking", ref_id=booking.pk,
                               community_id=post.community_id)
        send_system_message(
            recipient=offer.provider, subject=f"有人预约了您的服务：{post.title}"[:120],
            body=f"{actor.display_name} 预约了您在社区服务发布的「{post.title}」，请及时确认。",
            link=post.get_absolute_url(),
        )
    return booking


def decide_booking(*, actor: User, booking_id: int, confirm: bool) -> Booking:
    """The provider confirms or declines a pending booking; the booker hears in 信箱."""
    booking, access = policies.access_booking(actor, booking_id)
    if not access.can_decide:
        raise PermissionRefused("只有服务提供者可以确认预约")
    with transaction.atomic():
        # The offer first, then the booking: the order book_service locks them in.
        offer = ServiceOffer.objects.select_for_update().get(pk=booking.offer_id)
        booking = Booking.objects.select_for_update(of=("self",)).select_related("user").get(pk=booking_id)
        if booking.status != Booking.Status.PENDING:
            raise Conflict("该预约已处理")
        if confirm and offer.capacity is not None and offer.confirmed_count >= offer.capacity:
            raise Conflict("名额已满")
        booking.status = Booking.Status.CONFIRMED if confirm else Booking.Status.DECLINED
        booking.decided_at = clock.now()
        booking.save(update_fields=["status", "decided_at"])
        if confirm:
            ServiceOffer.objects.filter(pk=offer.pk).update(confirmed_count=F("confirmed_count") + 1)
        post = Post.objects.get(pk=offer.post_id)
        if not confirm:
            _refund_booking(booking, f"服务预约未能安排，退还：{post.title}")
        send_system_message(
            recipient=booking.user,
            subject=(f"您的服务预约已确认：{post.title}" if confirm else f"您的服务预约未能安排：{post.title}")[:120],
            body=(f"「{post.title}」的提供者{'已确认您的预约' if confirm else '婉拒了您的预约'}。服务时间：{offer.service_time}"),
            link=post.get_absolute_url(),
        )
    return booking


def cancel_booking(*, actor: User, booking_id: int) -> Booking:
    with transaction.atomic():
        booking, access = policies.access_booking(actor, booking_id, for_update=True)
        if not access.can_cancel:
            # Only the booker's own bookings are theirs to name.
            raise NotFound("该预约不存在或您无权查看", code=BoardError.BOOKING_NOT_FOUND)
        if booking.status not in (Booking.Status.PENDING, Booking.Status.CONFIRMED):
            raise Conflict("该预约已结束")
        if booking.status == Booking.Status.CONFIRMED:
            ServiceOffer.objects.filter(pk=booking.offer_id).update(confirmed_count=F("confirmed_count") - 1)
        booking.status, booking.decided_at = Booking.Status.CANCELLED, clock.now()
        booking.save(update_fields=["status", "decided_at"])
        _refund_booking(booking, "取消服务预约，退还社区豆")
    return booking


def _refund_booking(booking: Booking, reason: str) -> None:
    """Give back what the booking was charged (once: the ledger refuses a second refund of one booking)."""
    if booking.cost:
        points.refund_beans(user_id=booking.user_id, amount=booking.cost, reason=reason, ref_type="booking",
                            ref_id=booking.pk, community_id=booking.community_id)


SERVICE_COST_MAX = 10000


def set_service_cost(*, actor: User, post_id: int, cost: int) -> ServiceOffer:
    """积分换服务: the committee sets how many 社区豆 a booking of this 社区服务 costs (0: free).

    Bookings already made keep what they were charged; the new cost applies to the next ones.
    """
    post, access = policies.access_post(actor, post_id)
    if not access.can_moderate:
        raise PermissionRefused("只有本社区居村委可以设置服务所需社区豆")
    if not (0 <= cost <= SERVICE_COST_MAX):
        raise ValidationFailed(f"所需社区豆应为0到{SERVICE_COST_MAX}", field="cost")
    with transaction.atomic():
        offer = ServiceOffer.objects.select_for_update().filter(post=post).first()
        if offer is None:
            raise NotFound("该主题不是服务", code=BoardError.NOT_A_SERVICE)
        offer.cost = cost
        offer.save(update_fields=["cost"])
    return offer


# --- moderation -------------------------------------------------------------------


def _require_moderator(access: policies.PostAccess | policies.ReplyAccess) -> None:
    if not access.can_moderate:
        raise PermissionRefused("只有本社区居村委可以管理版块内容")


def hide_post(*, actor: User, post_id: int, reason: str) -> Post:
    """Hide a post from its community; it stays in the database and in the history, and can be restored."""
    with transaction.atomic():
        locked, access = policies.access_post(actor, post_id, for_update=True)
        _require_moderator(access)
        reason = _clean(reason, field="reason", label="隐藏原因", max_length=200)
        post = locked
        if locked.is_hidden:
            raise Conflict("该主题已隐藏")
        locked.visibility, locked.hidden_reason = Visibility.HIDDEN, reason
        locked.save(update_fields=["visibility", "hidden_reason", "updated_at"])
        rollups.post_visibility(locked, visible=False)
        ModerationAction.objects.create(
            community_id=post.community_id, actor=actor, action=ModerationAction.Action.HIDE, post=locked,
            reason=reason, created_at=clock.now(),
        )
        send_system_message(
            recipient=locked.author, subject=f"您发布的主题已被隐藏：{locked.title}"[:120],
            body=f"您在{catalogue.spec(locked.board).label_for(post.community.kind)}发布的「{locked.title}」已被"
                 f"{post.community.committee_label}隐藏。原因：{reason}",
            link=locked.get_absolute_url(),
        )
    return locked


def restore_post(*, actor: User, post_id: int) -> Post:
    with transaction.atomic():
        locked, access = policies.access_post(actor, post_id, for_update=True)
        _require_moderator(access)
        post = locked
        if not locked.is_hidden:
            raise Conflict("该主题未被隐藏")
        locked.visibility, locked.hidden_reason = Visibility.VISIBLE, ""
        locked.save(update_fields=["visibility", "hidden_reason", "updated_at"])
        rollups.post_visibility(locked, visible=True)
        ModerationAction.objects.create(
            community_id=post.community_id, actor=actor, action=ModerationAction.Action.RESTORE, post=locked,
            created_at=clock.now(),
        )
        send_system_message(
            recipient=locked.author, subject=f"您发布的主题已恢复显示：{locked.title}"[:120],
            body=f"您发布的「{locked.title}」已恢复显示。", link=locked.get_absolute_url(),
        )
    return locked


def hide_reply(*, actor: User, reply_id: int, reason: str) -> Reply:
    with transaction.atomic():
        locked, access = policies.access_reply(actor, reply_id, for_update=True)
        _require_moderator(access)
        reason = _clean(reason, field="reason", label="隐藏原因", max_length=200)
        post = locked.post
        if locked.is_hidden:
            raise Conflict("该回复已隐藏")
        locked.visibility, locked.hidden_reason = Visibility.HIDDEN, reason
        locked.save(update_fields=["visibility", "hidden_reason"])
        # reply_count counts what readers can see.
        _count_replies(post.pk, -1)
        rollups.reply_visibility(locked, post, visible=False)
        ModerationAction.objects.create(
            community_id=post.community_id, actor=actor, action=ModerationAction.Action.HIDE, post=post,
            reply=locked, reason=reason, created_at=clock.now(),
        )
        send_system_message(
            recipient=locked.author, subject=f"您的回复已被隐藏：{post.title}"[:120],
            body=f"您在「{post.title}」下的回复「{locked.body[:50]}」已被{post.community.committee_label}隐藏。原因：{reason}",
            link=post.get_absolute_url(),
        )
    return locked


def restore_reply(*, actor: User, reply_id: int) -> Reply:
    with transaction.atomic():
        locked, access = policies.access_reply(actor, reply_id, for_update=True)
        _require_moderator(access)
        post = locked.post
        if not locked.is_hidden:
            raise Conflict("该回复未被隐藏")
        locked.visibility, locked.hidden_reason = Visibility.VISIBLE, ""
        locked.save(update_fields=["visibility", "hidden_reason"])
        _count_replies(post.pk, 1)
        rollups.reply_visibility(locked, post, visible=True)
        ModerationAction.objects.create(
            community_id=post.community_id, actor=actor, action=ModerationAction.Action.RESTORE, post=post,
            reply=locked, created_at=clock.now(),
        )
        send_system_message(
            recipient=locked.author, subject=f"您的回复已恢复显示：{post.title}"[:120],
            body=f"您在「{post.title}」下的回复已恢复显示。", link=post.get_absolute_url(),
        )
    return locked


# --- 爱宝山 (PC-6) ---------------------------------------------------------------


def publish_announcement(*, actor: User, title: str, body: str, comments_open: bool) -> Announcement:
    if not policies.may_announce(actor):
        raise PermissionRefused("只有具有权限的区级人员可以发布爱宝山公告")
    title = _clean(title, field="title", label="标题", max_length=100)
    body = _clean(body, field="body", label="内容", max_length=10000)
    return Announcement.objects.create(
        author=actor, title=title, body=body, comments_open=bool(comments_open), created_at=clock.now(),
    )


def comment_on_announcement(*, actor: User, announcement_id: int, body: str) -> AnnouncementComment:
    """Residents and committees leave a comment; it waits for the district to choose whether to show it."""
    announcement, access = policies.access_announcement(actor, announcement_id)
    community = access.commenter_community
    if community is None:
        raise PermissionRefused("只有居村民和居村委可以留言")
    if not access.comments_open:
        raise Conflict("该公告未开放评论")
    body = _clean(body, field="body", label="留言", max_length=1000)
    with transaction.atomic():
        comment = AnnouncementComment.objects.create(
            announcement=announcement, community=community, author=actor, body=body, created_at=clock.now(),
        )
        Announcement.objects.filter(pk=announcement.pk).update(comment_count=F("comment_count") + 1)
    return comment


def moderate_comment(*, actor: User, comment_id: int, status: str, audience: str) -> AnnouncementComment:
    """The district chooses whether a comment is shown, and to whom (§4.2.7.4 (2)(3))."""
    policies.access_comment_for_moderation(actor, comment_id)
    if status not in (AnnouncementComment.Status.SHOWN, AnnouncementComment.Status.HIDDEN):
        raise ValidationFailed("请选择是否公开", field="status")
    if audience not in AnnouncementComment.Audience.values:
        raise ValidationFailed("请选择查看范围", field="audience")
    with transaction.atomic():
        comment = policies.access_comment_for_moderation(actor, comment_id, for_update=True)
        comment.status, comment.audience = status, audience
        comment.reviewed_by, comment.reviewed_at = actor, clock.now()
        comment.save(update_fields=["status", "audience", "reviewed_by", "reviewed_at"])
    return comment
