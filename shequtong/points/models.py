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
                                    condition=Q(action__in=["post", "read", "reply", "like", "vote", "invite", "convention"]),
                                    name="points_one_reward_per_source"),
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
