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

import logging
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.db.models import F

from shequtong.accounts import scope
from shequtong.accounts import services as account_services
from shequtong.accounts.models import RoleGrant, User
from shequtong.accounts.roles import Role
from shequtong.common import clock, counters, hooks
from shequtong.common.errors import Conflict, PermissionRefused, ValidationFailed
from shequtong.common.masking import mask_phone
from shequtong.common.phones import InvalidPhone, normalise_phone
from shequtong.inbox.services import send_system_message
from shequtong.places.models import Community

from .errors import PointsError
from .models import Action, Gift, Invitation, PointsAccount, PointsEntry, PointsStats, Redemption
from .policies import access_gift, access_redemption, manages_place

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
    sub_id = Community.objects.filter(pk=community_id).values_list("subdistrict_id", flat=True).first()
    if sub_id is None:
        return
    counters.increment(PointsStats, keys={"community_id": community_id}, deltas=deltas,
                       defaults={"subdistrict_id": sub_id})


def earn(*, user_id: int, action: str, community_id: int | None = None, ref_type: str = "",
         ref_id: int | None = None, reason: str = "") -> PointsEntry | None:
    """Reward ``action`` once per source and within its daily cap; None when nothing is due.

    Runs inside the caller's transaction (the post, the reply, the join), so the
    reward commits or rolls back with its cause. The account row is locked, so
    two rewards of one person at once count their cap one after the other.
    """
    rule = EARN_RULES[action]
    today = clock.today()
    with transaction.atomic():
        _ensure_account(user_id, community_id)
        account = PointsAccount.objects.select_for_update().get(pk=user_id)
        if rule.daily_cap is not None and (
                PointsEntry.objects.filter(user_id=user_id, action=action, day=today).count() >= rule.daily_cap):
            return None
        try:
            with transaction.atomic():
                entry = PointsEntry.objects.create(
                    user_id=user_id, action=action, reputation=rule.reputation, beans=rule.beans,
                    reason=(reason or str(Action(action).label))[:200], ref_type=ref_type, ref_id=ref_id,
                    community_id=community_id or account.community_id, day=today, created_at=clock.now())
        except IntegrityError:
            return None  # already rewarded for this source (or today's 签到, or the join grant)
        PointsAccount.objects.filter(pk=user_id).update(
            reputation=F("reputation") + rule.reputation, beans=F("beans") + rule.beans, updated_at=clock.now())
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
        _bump(community_id, beans_spent=amount, redemptions=1 if action == Action.GIFT else 0)
    return entry


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
    phone_idx = User.objects.filter(pk=event.user_id).values_list("phone_index", flat=True).first()
    if not phone_idx:
        return
    invitation = Invitation.objects.select_for_update().filter(phone_index=phone_idx, joined_user__isnull=True).first()
    if invitation is None or invitation.inviter_id == event.user_id:
        return
    invitation.joined_user_id, invitation.joined_at = event.user_id, clock.now()
    invitation.save(update_fields=["joined_user", "joined_at"])
    inviter_community = scope.home_community(User.objects.get(pk=invitation.inviter_id))
    earn(user_id=invitation.inviter_id, action=Action.INVITE, community_id=inviter_community.pk if inviter_community else None,
         ref_type="user", ref_id=event.user_id, reason="邀请的邻居已实名加入")
