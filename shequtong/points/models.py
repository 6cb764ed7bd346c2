"""积分 (§3.4.3 item 2): an append-only ledger, the balance it sums to, gifts and their redemptions.

Two balances per person: 社区威望 (``reputation``, only grows) and 社区豆
(``beans``, spendable). ``PointsEntry`` is the ledger and the only source of
a balance: ``PointsAccount`` keeps the running sums, changed by a conditional
UPDATE in the same transaction as the entry it sums (services.py), so
balance == sum(ledger) always holds (tests/points/test_concurrency.py).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from shequtong.common.models import AppendOnly

# 社区达人 levels from 社区威望 (§3.4.3 item 2.8): the lowest 社区威望 of each level.
LEVELS: tuple[tuple[int, str], ...] = (
    (0, "社区新秀"),
    (100, "社区精英"),
    (500, "社区达人"),
    (2000, "社区专家"),
    (5000, "社区大师"),
)


def level_of(reputation: int) -> str:
    name = LEVELS[0][1]
    for floor, label in LEVELS:
        if reputation >= floor:
            name = label
    return name


def level_index(reputation: int) -> int:
    return max(i for i, (floor, _label) in enumerate(LEVELS) if reputation >= floor)


def level_expression(user_path: str) -> models.Case:
    """The 社区达人 level of the user at ``user_path`` as a query expression (annotate a list, no query per row).

    ``Post.objects.annotate(author_level=level_expression("author"))``; no account yet is 社区新秀.
    """
    rep = f"{user_path}__points_account__reputation"
    return models.Case(*[models.When(**{f"{rep}__gte": floor}, then=models.Value(label))
                         for floor, label in reversed(LEVELS[1:])],
                       default=models.Value(LEVELS[0][1]), output_field=models.CharField())


class Action(models.TextChoices):
    JOIN = "join", _("实名加入")
    POST = "post", _("发布主题")
    READ = "read", _("阅读主题")
    REPLY = "reply", _("评论主题")
    LIKE = "like", _("点赞")
    VOTE = "vote", _("参与投票")
    CHECKIN = "checkin", _("签到")
    INVITE = "invite", _("邀请居村民实名加入")
    CONVENTION = "convention", _("议题形成公约")
    QUALITY = "quality", _("优质贡献奖励")
    GIFT = "gift", _("兑换礼品")
    DRAW = "draw", _("抽奖")
    REFUND = "refund", _("退还")
    SERVICE = "service", _("预约社区服务")
    SIGNUP = "signup", _("活动报名")
    BID = "bid", _("竞拍出价")
    DONATE = "donate", _("捐赠")
    DONATED = "donated", _("收到捐赠")


# Rewarded at most once per source (a post, a reply, a like ...): the ledger's constraint
# "points_one_reward_per_source" and services.earn's look before the insert.
ONCE_PER_SOURCE = ("post", "read", "reply", "like", "vote", "invite", "convention")


# What 社区豆 are spent on: the action of the spend → its PointsStats column and label (统计: 社区豆用途).
SPEND_PURPOSES: dict[str, tuple[str, str]] = {
    Action.GIFT: ("spent_gift", "积分换礼品"),
    Action.SERVICE: ("spent_service", "积分换服务"),
    Action.SIGNUP: ("spent_signup", "积分报名"),
    Action.BID: ("spent_bid", "积分竞拍"),
    Action.DRAW: ("spent_draw", "积分大转盘"),
    Action.DONATE: ("spent_donate", "积分捐赠"),
}
# A refund names its source; the source's kind tells which purpose it gives back to.
REFUND_PURPOSE = {"booking": Action.SERVICE, "rural_signup": Action.SIGNUP, "bid": Action.BID}


class PointsAccount(models.Model):
    """A person's two balances: the running sums of their ledger entries."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, primary_key=True,
                                related_name="points_account")
    community = models.ForeignKey("places.Community", null=True, blank=True, on_delete=models.SET_NULL,
                                  related_name="+")
    subdistrict = models.ForeignKey("places.Subdistrict", null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")
    reputation = models.PositiveIntegerField(_("社区威望"), default=0)
    beans = models.PositiveIntegerField(_("社区豆"), default=0)
    updated_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(beans__gte=0), name="points_beans_not_negative"),
            models.CheckConstraint(condition=Q(reputation__gte=0), name="points_reputation_not_negative"),
        ]
        indexes = [models.Index(fields=["community", "reputation"], name="points_acct_comm_rep")]

    def __str__(self) -> str:
        return f"PointsAccount {self.pk}"

    @property
    def level(self) -> str:
        return level_of(self.reputation)


class PointsEntry(AppendOnly, models.Model):
    """One change of a balance and why: the ledger (never changed, never deleted)."""

    append_only_label = "the points ledger"

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="points_entries")
    action = models.CharField(max_length=20, choices=Action.choices)
    reputation = models.IntegerField(default=0)   # >= 0 always (社区威望 only grows)
    beans = models.IntegerField(default=0)        # > 0 earned, < 0 spent
    reason = models.CharField(max_length=200)
    ref_type = models.CharField(max_length=30, blank=True)
    ref_id = models.BigIntegerField(null=True, blank=True)
    community = models.ForeignKey("places.Community", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    day = models.DateField()
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["user", "action", "day"], name="points_entry_cap"),
            models.Index(fields=["user", "-created_at"], name="points_entry_user"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(reputation__gte=0), name="points_entry_reputation_grows"),
            # The initial grant once per person; one 签到 a day; one reward per source of a capped action.
            models.UniqueConstraint(fields=["user"], condition=Q(action="join"), name="points_one_join_grant"),
            models.UniqueConstraint(fields=["user", "day"], condition=Q(action="checkin"), name="points_one_checkin_a_day"),
            models.UniqueConstraint(fields=["user", "action", "ref_type", "ref_id"],
                                    condition=Q(action__in=list(ONCE_PER_SOURCE)),
                                    name="points_one_reward_per_source"),
            # A hold or a charge is given back at most once (a cancelled booking, an outbid bid).
            models.UniqueConstraint(fields=["user", "ref_type", "ref_id"], condition=Q(action="refund"),
                                    name="points_one_refund_per_source"),
        ]

    def __str__(self) -> str:
        return f"PointsEntry {self.pk}"


class PointsStats(models.Model):
    """Per-community rollup of the ledger that the statistics pages read (no COUNT over the ledger)."""

    community = models.OneToOneField("places.Community", on_delete=models.CASCADE, related_name="+")
    subdistrict = models.ForeignKey("places.Subdistrict", on_delete=models.CASCADE, related_name="+")
    reputation_earned = models.BigIntegerField(default=0)
    beans_earned = models.BigIntegerField(default=0)
    beans_spent = models.BigIntegerField(default=0)
    checkins = models.BigIntegerField(default=0)
    redemptions = models.BigIntegerField(default=0)
    # 社区豆 spent by purpose (§3.4.3 items 2.2–2.7), net of refunds; they sum to beans_spent.
    spent_gift = models.BigIntegerField(default=0)
    spent_service = models.BigIntegerField(default=0)
    spent_signup = models.BigIntegerField(default=0)
    spent_bid = models.BigIntegerField(default=0)
    spent_draw = models.BigIntegerField(default=0)
    spent_donate = models.BigIntegerField(default=0)

    def __str__(self) -> str:
        return f"PointsStats {self.pk}"


class Gift(models.Model):
    """A gift residents exchange 社区豆 for: virtual or physical, with stock and how to collect it.

    ``community`` null: a district gift (the district observers manage it), open to every resident.
    """

    class Kind(models.TextChoices):
        PHYSICAL = "physical", _("实物礼品")
        VIRTUAL = "virtual", _("虚拟礼品")

    community = models.ForeignKey("places.Community", null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    subdistrict = models.ForeignKey("places.Subdistrict", null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    name = models.CharField(_("礼品名称"), max_length=60)
    description = models.CharField(_("礼品说明"), max_length=500, blank=True)
    kind = models.CharField(_("礼品类型"), max_length=10, choices=Kind.choices, default=Kind.PHYSICAL)
    cost = models.PositiveIntegerField(_("所需社区豆"))
    stock = models.PositiveIntegerField(_("库存"))
    redeemed = models.PositiveIntegerField(default=0)
    how_to_collect = models.CharField(_("领取方式"), max_length=200)
    is_active = models.BooleanField(default=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["cost", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(redeemed__lte=models.F("stock")), name="points_gift_stock_holds"),
            models.CheckConstraint(condition=Q(cost__gt=0), name="points_gift_costs_something"),
        ]

    def __str__(self) -> str:
        return f"Gift {self.pk}"

    @property
    def left(self) -> int:
        return max(0, self.stock - self.redeemed)


class Redemption(models.Model):
    class Status(models.TextChoices):
        WAITING = "waiting", _("待领取")
        COLLECTED = "collected", _("已领取")

    gift = models.ForeignKey(Gift, on_delete=models.PROTECT, related_name="redemptions")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    community = models.ForeignKey("places.Community", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    cost = models.PositiveIntegerField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.WAITING)
    created_at = models.DateTimeField()
    collected_at = models.DateTimeField(null=True, blank=True)
    collected_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                     related_name="+")

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"Redemption {self.pk}"


class Invitation(models.Model):
    """A resident invited a neighbour by phone; when that neighbour joins with a real name, the inviter earns.

    Only the phone's blind index is kept (and its masked form for the inviter's list).
    """

    inviter = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    phone_index = models.CharField(max_length=64, unique=True)
    masked_phone = models.CharField(max_length=20)
    created_at = models.DateTimeField()
    joined_user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")
    joined_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"Invitation {self.pk}"


class InviteCode(models.Model):
    """A resident's own invite code: the link ``/accounts/register/?invite=<code>`` they share with neighbours.

    The neighbour who registers with it (``User.invite_code``) and whose join is then approved earns the
    inviter 社区豆 once (points.services.on_membership), within the invite caps.
    """

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, primary_key=True,
                                related_name="+")
    code = models.CharField(max_length=12, unique=True)
    created_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"InviteCode {self.pk}"


class Auction(models.Model):
    """积分竞拍 (§3.4.3 item 2.5): an item the committee puts up for its community's residents.

    Each bid holds its 社区豆 (a ledger entry taking them); a bid that is outbid is released at once (a refund
    entry), so at most one bid per auction holds beans (a unique constraint); at the end the highest bid wins
    and only its amount stays spent.
    """

    community = models.ForeignKey("places.Community", on_delete=models.CASCADE, related_name="+")
    subdistrict = models.ForeignKey("places.Subdistrict", on_delete=models.CASCADE, related_name="+")
    title = models.CharField(_("拍品名称"), max_length=60)
    description = models.CharField(_("拍品说明"), max_length=500, blank=True)
    how_to_collect = models.CharField(_("领取方式"), max_length=200)
    start_price = models.PositiveIntegerField(_("起拍价（社区豆）"))
    increment = models.PositiveIntegerField(_("最小加价（社区豆）"), default=1)
    starts_at = models.DateTimeField(_("开始时间"))
    ends_at = models.DateTimeField(_("结束时间"))
    top_bid = models.ForeignKey("Bid", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    top_amount = models.PositiveIntegerField(default=0)
    bid_count = models.PositiveIntegerField(default=0)
    settled_at = models.DateTimeField(null=True, blank=True)
    winner = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    collected_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["ends_at", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(ends_at__gt=models.F("starts_at")), name="points_auction_window"),
            models.CheckConstraint(condition=Q(start_price__gt=0) & Q(increment__gt=0), name="points_auction_prices"),
        ]
        indexes = [models.Index(fields=["community", "ends_at"], name="points_auction_comm")]

    def __str__(self) -> str:
        return f"Auction {self.pk}"

    def state(self, now: object) -> str:
        if self.settled_at is not None or now >= self.ends_at:  # type: ignore[operator]
            return "ended"
        return "running" if now >= self.starts_at else "upcoming"  # type: ignore[operator]

    @property
    def min_bid(self) -> int:
        return self.top_amount + self.increment if self.top_bid_id else self.start_price


class Bid(models.Model):
    class Status(models.TextChoices):
        HELD = "held", _("领先（冻结中）")
        RELEASED = "released", _("已被超出（已退还）")
        WON = "won", _("竞拍成功")

    auction = models.ForeignKey(Auction, on_delete=models.CASCADE, related_name="bids")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    amount = models.PositiveIntegerField(_("出价（社区豆）"))
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.HELD)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["-amount", "id"]
        constraints = [
            # Outbid bids are released in the same transaction: only the leading bid ever holds beans.
            models.UniqueConstraint(fields=["auction"], condition=Q(status="held"), name="points_one_held_bid"),
            models.UniqueConstraint(fields=["auction"], condition=Q(status="won"), name="points_one_winning_bid"),
        ]
        indexes = [models.Index(fields=["user", "-created_at"], name="points_bid_user")]

    def __str__(self) -> str:
        return f"Bid {self.pk}"


class Donation(models.Model):
    """积分捐赠 (§3.4.3 item 2.7): 社区豆 given to another person or to a charity project (charity app)."""

    donor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                  related_name="+")
    # A charity project's id (charity sits above points, so no foreign key from here).
    project_id = models.BigIntegerField(null=True, blank=True)
    amount = models.PositiveIntegerField(_("捐赠社区豆"))
    note = models.CharField(_("留言"), max_length=100, blank=True)
    community = models.ForeignKey("places.Community", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="points_donation_positive"),
            models.CheckConstraint(condition=Q(recipient__isnull=False) | Q(project_id__isnull=False),
                                   name="points_donation_has_recipient"),
        ]
        indexes = [models.Index(fields=["project_id", "-created_at"], name="points_donation_project"),
                   models.Index(fields=["donor", "-created_at"], name="points_donation_donor")]

    def __str__(self) -> str:
        return f"Donation {self.pk}"
