"""Every change of 积分: earning (through hooks, within daily caps), 签到, spending, gifts, invitations.

The ledger (``PointsEntry``) is the only source of a balance. Each function
writes its entry and changes ``PointsAccount`` by a conditional UPDATE in the
same transaction, so the two never disagree: a spend is
``UPDATE … SET beans = beans - n WHERE user = … AND beans >= n``; when it
changes no row the person has too few 社区豆 and nothing is written. Under
PostgreSQL's READ COMMITTED the second of two racing spends re-reads the row
after the first commits, so a balance never goes below zero (the CHECK
constraint is the last guard).
"""

from __future__ import annotations

import datetime as dt
import functools
import logging
import operator
import secrets
from dataclasses import dataclass
from typing import Any

from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.db.models import Count, F, Q, QuerySet, Sum

from shequtong.accounts import scope
from shequtong.accounts import services as account_services
from shequtong.accounts.models import RoleGrant, User
from shequtong.accounts.roles import Role
from shequtong.common import clock, counters, hooks, prepared
from shequtong.common.errors import Conflict, PermissionRefused, ValidationFailed
from shequtong.common.masking import mask_phone
from shequtong.common.phones import InvalidPhone, normalise_phone
from shequtong.inbox.services import send_system_message
from shequtong.places import selectors as places_selectors
from shequtong.places.models import Community

from .errors import PointsError
from .models import (
    ONCE_PER_SOURCE,
    REFUND_PURPOSE,
    SPEND_PURPOSES,
    Action,
    Auction,
    Bid,
    Donation,
    Gift,
    Invitation,
    InviteCode,
    PointsAccount,
    PointsEntry,
    PointsStats,
    Redemption,
)
from .policies import access_auction, access_gift, access_redemption, manages_place

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Rule:
    reputation: int
    beans: int
    daily_cap: int | None   # rewards a day for this action; None: no daily cap


# What each action earns (§3.4.3 item 2.1) and how often a day, so nobody farms points.
EARN_RULES: dict[str, Rule] = {
    Action.JOIN: Rule(50, 50, None),          # once per person (unique constraint)
    Action.POST: Rule(5, 5, 3),
    Action.READ: Rule(1, 1, 10),
    Action.REPLY: Rule(2, 2, 5),
    Action.LIKE: Rule(1, 1, 10),
    Action.VOTE: Rule(3, 3, 5),
    Action.CHECKIN: Rule(2, 5, 1),
    Action.INVITE: Rule(20, 30, 5),
    Action.CONVENTION: Rule(30, 30, None),    # extra for a topic that became a convention
}


# --- the ledger primitives ------------------------------------------------------------

def _ensure_account(user_id: int, community_id: int | None = None) -> None:
    if PointsAccount.objects.filter(pk=user_id).exists():
        return
    community = Community.objects.filter(pk=community_id).first() if community_id else None
    try:
        with transaction.atomic():
            PointsAccount.objects.create(user_id=user_id, community=community,
                                         subdistrict_id=community.subdistrict_id if community else None)
    except IntegrityError:
        pass  # created by a concurrent request


def _bump(community_id: int | None, **deltas: int) -> None:
    if not community_id:
        return
    sub_id = places_selectors.subdistrict_of(community_id)
    if sub_id is None:
        return
    counters.increment(PointsStats, keys={"community_id": community_id}, deltas=deltas,
                       defaults={"subdistrict_id": sub_id})


def _already(action: str, ref_type: str, ref_id: int | None) -> Q | None:
    """The entries that make a reward of ``action`` for this source a second one (the ledger's unique constraints).

    The join grant is once per person; a capped action once per source (a source without an id is
    never a repeat); 签到 once a day is its daily cap of 1.
    """
    if action == Action.JOIN:
        return Q()
    if action in _ONCE_PER_SOURCE and ref_id is not None:
        return Q(ref_type=ref_type, ref_id=ref_id)
    return None


# The actions of the ledger's "points_one_reward_per_source" constraint.
_ONCE_PER_SOURCE = frozenset(ONCE_PER_SOURCE)


CAPPED_SECONDS = 26 * 3600   # the day is in the key; a little over a day covers any clock's day


def _capped_key(user_id: int, action: str, day: dt.date) -> str:
    return f"points-capped:{user_id}:{action}:{day.isoformat()}"


def _remember_capped(key: str) -> None:
    """Once the transaction commits, today's cap of this person and action is reached for good.

    The ledger is append-only, so a reached cap stays reached; the kept flag lets the next rewards of
    the day return at once, without locking the account or counting (issue 11). Lost (eviction, Redis
    gone), it only costs the count again.
    """
    transaction.on_commit(lambda: cache.set(key, 1, CAPPED_SECONDS))


@prepared.query
def _locked_account(user_id: int) -> QuerySet[PointsAccount]:
    """The person's account, locked until the transaction ends (a list of one, or empty)."""
    return PointsAccount.objects.select_for_update().filter(pk=user_id)[:1]


@prepared.query
def _today_and_source(user_id: int, action: str, today: dt.date, ref_type: str,
                      ref_id: int) -> QuerySet[PointsEntry, tuple[int, int]]:
    """(rewards of ``action`` today, rewards for this source) of one person: earn's one look."""
    today_q, source_q = Q(day=today), Q(ref_type=ref_type, ref_id=ref_id)
    return (PointsEntry.objects.filter(today_q | source_q, user_id=user_id, action=action)
            .values("user_id").order_by()
            .annotate(today=Count("pk", filter=today_q), already=Count("pk", filter=source_q))
            .values_list("today", "already"))


@prepared.update
def _credit(user_id: int, reputation: int, beans: int, at: dt.datetime) -> tuple[QuerySet[PointsAccount], dict[str, Any]]:
    return (PointsAccount.objects.filter(pk=user_id),
            {"reputation": F("reputation") + reputation, "beans": F("beans") + beans, "updated_at": at})


def earn(*, user_id: int, action: str, community_id: int | None = None, ref_type: str = "",
         ref_id: int | None = None, reason: str = "") -> PointsEntry | None:
    """Reward ``action`` once per source and within its daily cap; None when nothing is due.

    Runs inside the caller's transaction (the post, the reply, the join), so the
    reward commits or rolls back with its cause. The account row is locked first,
    so two rewards of one person at once come one after the other: the second's
    one look at the ledger (today's count and an earlier reward for the source)
    sees the first's entry, and the entry is inserted without a savepoint (the
    unique constraints stay the last guard). Five statements when it rewards:
    lock, look, entry, account, 统计; two when it does not; none once today's cap
    is reached and kept (``_remember_capped``) (issue 11).
    """
    rule = EARN_RULES[action]
    today = clock.today()
    capped_key = _capped_key(user_id, action, today) if rule.daily_cap is not None else ""
    if capped_key and cache.get(capped_key):
        return None  # today's cap was reached and committed: the ledger only grows, so it still is
    # No savepoint of our own: nothing here is caught inside the caller's transaction.
    with transaction.atomic(savepoint=False):
        locked = _locked_account(user_id)
        if not locked:  # the first reward of this person
            _ensure_account(user_id, community_id)
            locked = _locked_account(user_id)
        account = locked[0]
        looks: dict[str, Q] = {}
        if rule.daily_cap is not None:
            looks["today"] = Q(day=today)
        already = _already(action, ref_type, ref_id)
        if already is not None:
            looks["already"] = already
        if looks:
            if len(looks) == 2 and ref_id is not None and action in _ONCE_PER_SOURCE:
                # The board's rewards (a post, a reply, a like, a read): the look compiled once.
                counts = _today_and_source(user_id, action, today, ref_type, ref_id)
                found = dict(zip(("today", "already"), counts[0] if counts else (0, 0), strict=True))
            else:
                found = (PointsEntry.objects.filter(user_id=user_id, action=action)
                         .filter(functools.reduce(operator.or_, looks.values()))
                         .aggregate(**{name: Count("pk", filter=q) for name, q in looks.items()}))
            if rule.daily_cap is not None and found["today"] + (0 if found.get("already") else 1) >= rule.daily_cap:
                _remember_capped(capped_key)  # this reward (or none) is today's last
            if found.get("already") or (rule.daily_cap is not None and found["today"] >= rule.daily_cap):
                return None  # already rewarded for this source (or the join grant), or today's cap (签到) is reached
        entry = prepared.create(
            PointsEntry, user_id=user_id, action=action, reputation=rule.reputation, beans=rule.beans,
            reason=(reason or str(Action(action).label))[:200], ref_type=ref_type, ref_id=ref_id,
            community_id=community_id or account.community_id, day=today, created_at=clock.now())
        _credit(user_id, rule.reputation, rule.beans, clock.now())
        _bump(entry.community_id, reputation_earned=rule.reputation, beans_earned=rule.beans,
              checkins=1 if action == Action.CHECKIN else 0)
    return entry


def spend_beans(*, user_id: int, amount: int, action: str, reason: str, ref_type: str = "",
                ref_id: int | None = None, community_id: int | None = None) -> PointsEntry:
    """Take ``amount`` 社区豆 from the person, or refuse (Conflict) and write nothing.

    The primitive every spend goes through (gifts, paid lottery draws): call it
    inside the transaction of what the 社区豆 buy, so a refusal further on
    (the last prize just went) gives them back by rolling back.
    """
    if amount <= 0:
        raise ValidationFailed("社区豆数量必须大于0", field="amount")
    with transaction.atomic():
        _ensure_account(user_id, community_id)
        changed = PointsAccount.objects.filter(pk=user_id, beans__gte=amount).update(
            beans=F("beans") - amount, updated_at=clock.now())
        if not changed:
            raise Conflict("社区豆不足", code=PointsError.NOT_ENOUGH_BEANS)
        entry = PointsEntry.objects.create(
            user_id=user_id, action=action, reputation=0, beans=-amount, reason=reason[:200], ref_type=ref_type,
            ref_id=ref_id, community_id=community_id, day=clock.today(), created_at=clock.now())
        purpose = SPEND_PURPOSES.get(action)
        _bump(community_id, beans_spent=amount, redemptions=1 if action == Action.GIFT else 0,
              **({purpose[0]: amount} if purpose else {}))
    return entry


def refund_beans(*, user_id: int, amount: int, reason: str, ref_type: str, ref_id: int,
                 community_id: int | None = None) -> PointsEntry | None:
    """Give back 社区豆 that were charged or held for ``ref_type``/``ref_id``; at most once per source.

    Call inside the transaction of what ends the charge (a cancelled booking, an outbid bid): a second
    call for the same source writes nothing (a unique constraint) and returns None.
    """
    if amount <= 0:
        return None
    with transaction.atomic():
        _ensure_account(user_id, community_id)
        try:
            with transaction.atomic():
                entry = PointsEntry.objects.create(
                    user_id=user_id, action=Action.REFUND, reputation=0, beans=amount, reason=reason[:200],
                    ref_type=ref_type, ref_id=ref_id, community_id=community_id, day=clock.today(), created_at=clock.now())
        except IntegrityError:
            return None
        PointsAccount.objects.filter(pk=user_id).update(beans=F("beans") + amount, updated_at=clock.now())
        purpose = SPEND_PURPOSES.get(REFUND_PURPOSE.get(ref_type, ""))
        _bump(community_id, beans_spent=-amount, **({purpose[0]: -amount} if purpose else {}))
    return entry


def _lock_accounts(*user_ids: int) -> None:
    """Lock the accounts of a transfer in one order (by id), so two crossing transfers never deadlock."""
    for uid in sorted(set(user_ids)):
        _ensure_account(uid)
    list(PointsAccount.objects.select_for_update().filter(pk__in=set(user_ids)).order_by("pk").values_list("pk", flat=True))


# --- residents ---------------------------------------------------------------------------

def check_in(*, actor: User) -> PointsEntry:
    """签到: once a day, for a member of a community."""
    community = scope.home_community(actor)
    if community is None:
        raise PermissionRefused("加入社区后才能签到")
    entry = earn(user_id=actor.pk, action=Action.CHECKIN, community_id=community.pk, reason="每日签到")
    if entry is None:
        raise Conflict("今天已签到，明天再来吧", code=PointsError.ALREADY_CHECKED_IN)
    return entry


def redeem_gift(*, actor: User, gift_id: int) -> Redemption:
    """Exchange 社区豆 for a gift: the balance and the stock are both conditional updates in one transaction."""
    with transaction.atomic():
        gift, access = access_gift(actor, gift_id)
        if not access.can_redeem:
            raise PermissionRefused("该礼品不在您的兑换范围内" if gift.is_active else "该礼品已下架",
                                    code=PointsError.GIFT_ENDED)
        community = scope.home_community(actor)
        community_id = community.pk if community else None
        redemption = Redemption.objects.create(gift=gift, user=actor, community_id=community_id, cost=gift.cost,
                                               created_at=clock.now())
        spend_beans(user_id=actor.pk, amount=gift.cost, action=Action.GIFT, reason=f"兑换礼品：{gift.name}",
                    ref_type="redemption", ref_id=redemption.pk, community_id=community_id)
        # The stock last: the gift's row is the hot one, held for the shortest time.
        if not Gift.objects.filter(pk=gift.pk, is_active=True, redeemed__lt=F("stock")).update(redeemed=F("redeemed") + 1):
            raise Conflict("该礼品已兑完", code=PointsError.OUT_OF_STOCK)
        send_system_message(recipient=actor, subject=f"礼品兑换成功：{gift.name}",
                            body=f"您已使用{gift.cost}社区豆兑换“{gift.name}”。领取方式：{gift.how_to_collect}")
    return redemption


def invite_neighbour(*, actor: User, phone: str) -> Invitation:
    """Invite a neighbour by phone; when they join with their real name the inviter earns (§3.4.3 item 2.1)."""
    if scope.home_community(actor) is None:
        raise PermissionRefused("加入社区后才能邀请邻居")
    try:
        phone = normalise_phone(phone)
    except InvalidPhone as exc:
        raise ValidationFailed(str(exc), field="phone") from exc
    index = account_services.phone_index(phone)
    joined = User.objects.filter(phone_index=index).values_list("pk", flat=True).first()
    if joined and RoleGrant.objects.filter(user_id=joined, role=Role.RESIDENT).exists():
        raise Conflict("该居民已经实名加入社区通", code=PointsError.ALREADY_MEMBER)
    try:
        with transaction.atomic():
            return Invitation.objects.create(inviter=actor, phone_index=index, masked_phone=mask_phone(phone),
                                             created_at=clock.now())
    except IntegrityError as exc:
        raise Conflict("该手机号已被邀请", code=PointsError.ALREADY_INVITED) from exc


# --- committees: extra for high quality (§3.4.3 item 2.1) --------------------------------

QUALITY_MAX = 500


def award_quality(*, actor: User, user_id: int, reputation: int, beans: int, reason: str) -> PointsEntry:
    """Extra 社区威望 and 社区豆 the committee gives for a high-quality topic or a constructive reply."""
    reason = reason.strip()
    if not reason or len(reason) > 100:
        raise ValidationFailed("请填写奖励原因（100字以内）", field="reason")
    if not (0 <= reputation <= QUALITY_MAX and 0 <= beans <= QUALITY_MAX and reputation + beans > 0):
        raise ValidationFailed(f"奖励应为0到{QUALITY_MAX}，且不能都为0", field="beans")
    community_ids = set(RoleGrant.objects.filter(user_id=user_id, role=Role.RESIDENT).values_list("community_id", flat=True))
    committee = scope.scope_for(actor, "committee")
    community = next((c for c in Community.objects.filter(pk__in=community_ids) if committee.covers_community(c)), None)
    if community is None:
        raise PermissionRefused("只能奖励本社区的居村民")
    return credit(user_id=user_id, reputation=reputation, beans=beans, reason=f"优质贡献：{reason}",
                  community_id=community.pk, ref_id=actor.pk)


def award_quality_by_phone(*, actor: User, phone: str, reputation: int, beans: int, reason: str) -> PointsEntry:
    """The committee's page names the resident by phone (it is never shown, only matched by its blind index)."""
    try:
        phone = normalise_phone(phone)
    except InvalidPhone as exc:
        raise ValidationFailed(str(exc), field="phone") from exc
    user_id = User.objects.filter(phone_index=account_services.phone_index(phone)).values_list("pk", flat=True).first()
    if user_id is None:
        raise ValidationFailed("没有找到使用该手机号的本社区居村民", field="phone")
    return award_quality(actor=actor, user_id=user_id, reputation=reputation, beans=beans, reason=reason)


def credit(*, user_id: int, reputation: int, beans: int, reason: str, community_id: int | None,
           ref_id: int | None = None) -> PointsEntry:
    """Add to both balances with one ledger entry (the committee's award; the demo data's history)."""
    with transaction.atomic():
        _ensure_account(user_id, community_id)
        PointsAccount.objects.select_for_update().get(pk=user_id)
        entry = PointsEntry.objects.create(
            user_id=user_id, action=Action.QUALITY, reputation=reputation, beans=beans, reason=reason[:200],
            ref_type="user" if ref_id else "", ref_id=ref_id, community_id=community_id, day=clock.today(),
            created_at=clock.now())
        PointsAccount.objects.filter(pk=user_id).update(
            reputation=F("reputation") + reputation, beans=F("beans") + beans, updated_at=clock.now())
        _bump(community_id, reputation_earned=reputation, beans_earned=beans)
    return entry


# --- committees and the district: gifts ---------------------------------------------------

@dataclass(frozen=True)
class GiftInput:
    name: str
    description: str
    kind: str
    cost: int
    stock: int
    how_to_collect: str
    community_id: int | None   # None: a district gift


def create_gift(*, actor: User, data: GiftInput) -> Gift:
    if data.community_id is not None:
        community = scope.community_in_scope(actor, "committee", data.community_id)
    elif not manages_place(actor, None):
        raise PermissionRefused("只有区级观察员可以发布全区礼品")
    else:
        community = None
    errors = {}
    if not data.name.strip() or len(data.name.strip()) > 60:
        errors["name"] = "请填写礼品名称（60字以内）"
    if data.kind not in Gift.Kind.values:
        errors["kind"] = "请选择礼品类型"
    if not (1 <= data.cost <= 100000):
        errors["cost"] = "所需社区豆应为1到100000"
    if not (0 <= data.stock <= 100000):
        errors["stock"] = "库存应为0到100000"
    if not data.how_to_collect.strip() or len(data.how_to_collect.strip()) > 200:
        errors["how_to_collect"] = "请填写领取方式（200字以内）"
    if len(data.description) > 500:
        errors["description"] = "礼品说明不能超过500字"
    if errors:
        field, message = next(iter(errors.items()))
        raise ValidationFailed(message, field=field)
    return Gift.objects.create(
        community=community, subdistrict_id=community.subdistrict_id if community else None, name=data.name.strip(),
        description=data.description.strip(), kind=data.kind, cost=data.cost, stock=data.stock,
        how_to_collect=data.how_to_collect.strip(), created_by=actor, created_at=clock.now())


def end_gift(*, actor: User, gift_id: int) -> Gift:
    with transaction.atomic():
        gift, access = access_gift(actor, gift_id, for_update=True)
        if not access.is_manager:
            raise PermissionRefused("只有发布方可以下架礼品")
        gift.is_active = False
        gift.save(update_fields=["is_active"])
    return gift


def collect_redemption(*, actor: User, redemption_id: int) -> Redemption:
    with transaction.atomic():
        row, access = access_redemption(actor, redemption_id, for_update=True)
        if not access.is_manager:
            raise PermissionRefused("只有发布方可以登记领取")
        if not access.can_collect:
            raise Conflict("该礼品已领取", code=PointsError.ALREADY_COLLECTED)
        row.status, row.collected_at, row.collected_by = Redemption.Status.COLLECTED, clock.now(), actor
        row.save(update_fields=["status", "collected_at", "collected_by"])
    return row


# --- hook subscribers ----------------------------------------------------------------------

_BOARD_REASONS = {
    "post": "发布主题", "read": "阅读主题", "reply": "评论主题", "like": "点赞", "vote": "参与投票",
    "convention": "议题形成公约（额外奖励）",
}


def on_activity(event: hooks.ActivityEvent) -> None:
    if event.action not in _BOARD_REASONS:
        return
    earn(user_id=event.user_id, action=event.action, community_id=event.community_id,
         ref_type=event.source_type, ref_id=event.source_id, reason=_BOARD_REASONS[event.action])


def on_membership(event: hooks.MembershipEvent) -> None:
    """Joining with a real name: the initial grant once, and the inviter's reward."""
    if event.change != "joined" or event.role != Role.RESIDENT:
        return
    earn(user_id=event.user_id, action=Action.JOIN, community_id=event.community_id, reason="首次实名加入社区通")
    PointsAccount.objects.filter(pk=event.user_id, community__isnull=True).update(
        community_id=event.community_id, subdistrict_id=event.subdistrict_id)
    joined = User.objects.filter(pk=event.user_id).values("phone_index", "invite_code").first()
    if not joined:
        return
    inviter_id = _inviter_of(event.user_id, joined["phone_index"], joined["invite_code"])
    if inviter_id is None or not RoleGrant.objects.filter(user_id=inviter_id, role=Role.RESIDENT).exists():
        return
    since = clock.today() - dt.timedelta(days=30)
    if PointsEntry.objects.filter(user_id=inviter_id, action=Action.INVITE, day__gt=since).count() >= INVITE_MONTHLY_CAP:
        return  # the daily cap is earn()'s; this one stops a month of farming
    inviter_community = scope.home_community(User.objects.get(pk=inviter_id))
    earn(user_id=inviter_id, action=Action.INVITE, community_id=inviter_community.pk if inviter_community else None,
         ref_type="user", ref_id=event.user_id, reason="邀请的邻居已实名加入")


# --- 积分竞拍 (§3.4.3 item 2.5) ------------------------------------------------------------

@dataclass(frozen=True)
class AuctionInput:
    community_id: int
    title: str
    description: str
    how_to_collect: str
    start_price: int
    increment: int
    starts_at: dt.datetime
    ends_at: dt.datetime


def create_auction(*, actor: User, data: AuctionInput) -> Auction:
    """The committee puts an item up for its community's residents."""
    community = scope.community_in_scope(actor, "committee", data.community_id)
    errors = {}
    if not data.title.strip() or len(data.title.strip()) > 60:
        errors["title"] = "请填写拍品名称（60字以内）"
    if not (1 <= data.start_price <= 100000):
        errors["start_price"] = "起拍价应为1到100000社区豆"
    if not (1 <= data.increment <= 10000):
        errors["increment"] = "最小加价应为1到10000社区豆"
    if data.ends_at <= data.starts_at:
        errors["ends_at"] = "结束时间应晚于开始时间"
    elif data.ends_at <= clock.now():
        errors["ends_at"] = "结束时间应晚于现在"
    elif data.ends_at - data.starts_at > dt.timedelta(days=90):
        errors["ends_at"] = "竞拍时长不能超过90天"
    if not data.how_to_collect.strip() or len(data.how_to_collect.strip()) > 200:
        errors["how_to_collect"] = "请填写领取方式（200字以内）"
    if len(data.description) > 500:
        errors["description"] = "拍品说明不能超过500字"
    if errors:
        field, message = next(iter(errors.items()))
        raise ValidationFailed(message, field=field)
    return Auction.objects.create(
        community=community, subdistrict_id=community.subdistrict_id, title=data.title.strip(),
        description=data.description.strip(), how_to_collect=data.how_to_collect.strip(), start_price=data.start_price,
        increment=data.increment, starts_at=data.starts_at, ends_at=data.ends_at, created_by=actor,
        created_at=clock.now())


def place_bid(*, actor: User, auction_id: int, amount: int) -> Bid:
    """Bid ``amount`` 社区豆: they are held at once; the bid it beats is released in the same transaction.

    The auction's row lock orders the bids on one auction; the two accounts involved are then locked
    in id order (``_lock_accounts``), so bids on two auctions by the same people cannot deadlock. A
    refusal anywhere (too low, too few 社区豆, the time is up) rolls everything back: the previous
    leader keeps their hold.
    """
    with transaction.atomic():
        auction, access = access_auction(actor, auction_id, for_update=True)
        if not access.is_audience:
            raise PermissionRefused("只有本社区居村民可以参与竞拍", code=PointsError.NOT_AUDIENCE)
        now = clock.now()
        state = auction.state(now)
        if state == "upcoming":
            raise Conflict("竞拍尚未开始", code=PointsError.AUCTION_NOT_RUNNING)
        if state == "ended":
            raise Conflict("竞拍已结束", code=PointsError.AUCTION_NOT_RUNNING)
        if amount < auction.min_bid:
            raise ValidationFailed(f"出价至少为{auction.min_bid}社区豆", field="amount")
        if amount > 1000000:
            raise ValidationFailed("出价过高", field="amount")
        previous = Bid.objects.filter(pk=auction.top_bid_id).first() if auction.top_bid_id else None
        _lock_accounts(actor.pk, *([previous.user_id] if previous else []))
        if previous is not None:
            previous.status = Bid.Status.RELEASED
            previous.save(update_fields=["status"])
            refund_beans(user_id=previous.user_id, amount=previous.amount, ref_type="bid", ref_id=previous.pk,
                         reason=f"竞拍出价被超出，退还：{auction.title}", community_id=auction.community_id)
        bid = Bid.objects.create(auction=auction, user=actor, amount=amount, created_at=now)
        spend_beans(user_id=actor.pk, amount=amount, action=Action.BID, reason=f"竞拍出价（冻结）：{auction.title}",
                    ref_type="bid", ref_id=bid.pk, community_id=auction.community_id)
        Auction.objects.filter(pk=auction.pk).update(top_bid=bid, top_amount=amount, bid_count=F("bid_count") + 1)
        if previous is not None and previous.user_id != actor.pk:
            send_system_message(recipient=User.objects.get(pk=previous.user_id), subject=f"您的竞拍出价已被超出：{auction.title}",
                                body=f"有人出价{amount}社区豆，高于您的{previous.amount}社区豆；您冻结的社区豆已退还。")
    return bid


def _settle(auction: Auction) -> bool:
    """The highest bid wins (its hold stays spent); nothing else is held any more. Under the auction's lock."""
    if auction.settled_at is not None:
        return False
    auction.settled_at = clock.now()
    fields = ["settled_at"]
    if auction.top_bid_id:
        bid = Bid.objects.select_related("user").get(pk=auction.top_bid_id)
        bid.status = Bid.Status.WON
        bid.save(update_fields=["status"])
        auction.winner_id = bid.user_id
        fields.append("winner")
        send_system_message(recipient=bid.user, subject=f"竞拍成功：{auction.title}",
                            body=f"您以{bid.amount}社区豆拍得“{auction.title}”。领取方式：{auction.how_to_collect}")
    auction.save(update_fields=fields)
    return True


def settle_auction(*, actor: User, auction_id: int) -> Auction:
    """The committee ends an auction whose time is up (the scheduler does it too)."""
    with transaction.atomic():
        auction, access = access_auction(actor, auction_id, for_update=True)
        if not access.is_manager:
            raise PermissionRefused("只有发布竞拍的居村委可以结束竞拍")
        if clock.now() < auction.ends_at:
            raise Conflict("竞拍结束时间未到", code=PointsError.AUCTION_NOT_ENDED)
        if not _settle(auction):
            raise Conflict("竞拍已结算", code=PointsError.AUCTION_NOT_RUNNING)
    return auction


def settle_ended_auctions() -> int:
    """For the scheduler: settle every auction whose time is up."""
    done = 0
    for pk in Auction.objects.filter(settled_at__isnull=True, ends_at__lte=clock.now()).values_list("pk", flat=True):
        with transaction.atomic():
            done += _settle(Auction.objects.select_for_update().get(pk=pk))
    return done


def collect_auction(*, actor: User, auction_id: int) -> Auction:
    with transaction.atomic():
        auction, access = access_auction(actor, auction_id, for_update=True)
        if not access.is_manager:
            raise PermissionRefused("只有发布竞拍的居村委可以登记领取")
        if auction.winner_id is None or auction.collected_at is not None:
            raise Conflict("没有待领取的拍品", code=PointsError.ALREADY_COLLECTED)
        auction.collected_at = clock.now()
        auction.save(update_fields=["collected_at"])
    return auction


# --- 积分捐赠 (§3.4.3 item 2.7) -------------------------------------------------------------

DONATION_MAX = 1000        # 社区豆 in one donation
DONATION_DAILY_MAX = 2000  # 社区豆 a person gives away in a day (a stolen account cannot be emptied at once)


def donate(*, actor: User, amount: int, recipient_id: int | None = None, project_id: int | None = None,
           project_title: str = "", note: str = "") -> Donation:
    """Give 社区豆 to another person (they receive them) or to a charity project (the project's tally).

    The donor's spend and the recipient's credit are one transaction with both accounts locked in id order.
    Callers for a project (charity.services) check the project first.
    """
    if not (1 <= amount <= DONATION_MAX):
        raise ValidationFailed(f"捐赠数量应为1到{DONATION_MAX}社区豆", field="amount")
    note = note.strip()
    if len(note) > 100:
        raise ValidationFailed("留言不能超过100字", field="note")
    if recipient_id is not None and recipient_id == actor.pk:
        raise ValidationFailed("不能捐赠给自己", field="phone")
    home = scope.home_community(actor)
    if home is None:
        raise PermissionRefused("加入社区后才能捐赠")
    with transaction.atomic():
        _lock_accounts(actor.pk, *([recipient_id] if recipient_id else []))
        given_today = -(PointsEntry.objects.filter(user=actor, action=Action.DONATE, day=clock.today())
                        .aggregate(b=Sum("beans"))["b"] or 0)
        if given_today + amount > DONATION_DAILY_MAX:
            raise Conflict(f"每天最多捐赠{DONATION_DAILY_MAX}社区豆", code=PointsError.DONATION_LIMIT)
        donation = Donation.objects.create(donor=actor, recipient_id=recipient_id, project_id=project_id, amount=amount,
                                           note=note, community=home, created_at=clock.now())
        to = f"公益项目“{project_title}”" if project_id else "邻居"
        spend_beans(user_id=actor.pk, amount=amount, action=Action.DONATE, reason=f"捐赠给{to}"[:200],
                    ref_type="donation", ref_id=donation.pk, community_id=home.pk)
        if recipient_id is not None:
            recipient = User.objects.get(pk=recipient_id)
            r_home = scope.home_community(recipient)
            PointsEntry.objects.create(
                user_id=recipient_id, action=Action.DONATED, reputation=0, beans=amount,
                reason=f"收到{actor.display_name}的捐赠"[:200], ref_type="donation", ref_id=donation.pk,
                community_id=r_home.pk if r_home else None, day=clock.today(), created_at=clock.now())
            PointsAccount.objects.filter(pk=recipient_id).update(beans=F("beans") + amount, updated_at=clock.now())
            _bump(r_home.pk if r_home else None, beans_earned=amount)
            send_system_message(recipient=recipient, subject=f"您收到{amount}社区豆",
                                body=f"{actor.display_name}向您捐赠了{amount}社区豆。" + (f"留言：{note}" if note else ""))
    return donation


def donate_to_phone(*, actor: User, phone: str, amount: int, note: str = "") -> Donation:
    """To a resident named by phone (matched by its blind index, never shown)."""
    try:
        phone = normalise_phone(phone)
    except InvalidPhone as exc:
        raise ValidationFailed(str(exc), field="phone") from exc
    user_id = User.objects.filter(phone_index=account_services.phone_index(phone)).values_list("pk", flat=True).first()
    if user_id is None or not RoleGrant.objects.filter(user_id=user_id, role=Role.RESIDENT).exists():
        raise ValidationFailed("没有找到使用该手机号的实名居村民", field="phone")
    return donate(actor=actor, amount=amount, recipient_id=user_id, note=note)


# --- invite codes ---------------------------------------------------------------------------

INVITE_CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"   # no 0/O, 1/I: read aloud and typed by neighbours
INVITE_MONTHLY_CAP = 20    # rewarded invitations per inviter in 30 days (besides the daily cap)


def invite_code_for(*, actor: User) -> InviteCode:
    """The resident's invite code, made on first request (a POST)."""
    if scope.home_community(actor) is None:
        raise PermissionRefused("加入社区后才能邀请邻居")
    existing = InviteCode.objects.filter(pk=actor.pk).first()
    if existing:
        return existing
    for _ in range(5):
        code = "".join(secrets.choice(INVITE_CODE_ALPHABET) for _ in range(8))
        try:
            with transaction.atomic():
                return InviteCode.objects.create(user=actor, code=code, created_at=clock.now())
        except IntegrityError:
            found = InviteCode.objects.filter(pk=actor.pk).first()
            if found:
                return found
    raise Conflict("生成邀请码失败，请重试")


def _inviter_of(user_id: int, phone_idx: str | None, invite_code: str) -> int | None:
    """Who invited this neighbour: a phone invitation first, else the code they registered with."""
    if phone_idx:
        invitation = Invitation.objects.select_for_update().filter(phone_index=phone_idx, joined_user__isnull=True).first()
        if invitation is not None and invitation.inviter_id != user_id:
            invitation.joined_user_id, invitation.joined_at = user_id, clock.now()
            invitation.save(update_fields=["joined_user", "joined_at"])
            return invitation.inviter_id
    if invite_code:
        inviter = InviteCode.objects.filter(code=invite_code.strip().upper()).values_list("user_id", flat=True).first()
        if inviter is not None and inviter != user_id:
            return inviter
    return None
