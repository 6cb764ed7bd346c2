"""抽奖 and 有奖答题 (§3.5.2.7.6–7, §4.2.7.6–7; LQ-1..LQ-6).

A campaign belongs to a community (its committee set it up, its residents
take part) or, with no community, to the district (district observers set it
up through 爱宝山, every resident takes part).

Built for bursts (LQ-6): every limit lives in the database. A person's draws
are counted in ``Player`` (in total) and ``PlayerDay`` (per day) by
conditional UPDATEs; a prize's stock by ``UPDATE … SET drawn = drawn + 1
WHERE drawn < quantity`` with a CHECK constraint behind it; a quiz's
participant cap the same way; one attempt per person by a unique constraint.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _


class Status(models.TextChoices):
    DRAFT = "draft", _("未发布")
    PUBLISHED = "published", _("已发布")
    CLOSED = "closed", _("已关闭")


class Campaign(models.Model):
    community = models.ForeignKey("places.Community", null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    subdistrict = models.ForeignKey("places.Subdistrict", null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    starts_at = models.DateTimeField(_("开始时间"))
    ends_at = models.DateTimeField(_("结束时间"))
    rules = models.JSONField(_("活动规则"), default=list)
    banner = models.ImageField(upload_to="campaigns/", blank=True)
    on_home = models.BooleanField(_("首页宣传"), default=False)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField()
    published_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    closed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                  related_name="+")

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return f"Campaign {self.pk}"

    def phase(self, now: object) -> str:
        """未发布 / 未开始 / 进行中 / 已结束 / 已关闭 at ``now``."""
        if self.status == Status.DRAFT:
            return "未发布"
        if self.status == Status.CLOSED:
            return "已关闭"
        if now < self.starts_at:  # type: ignore[operator]
            return "未开始"
        if now >= self.ends_at:  # type: ignore[operator]
            return "已结束"
        return "进行中"

    @property
    def place_label(self) -> str:
        return self.community.name if self.community_id and self.community else "全区（爱宝山）"


class Lottery(Campaign):
    theme = models.CharField(_("抽奖主题"), max_length=100)
    expected_participants = models.PositiveIntegerField(_("预计抽奖人数"))
    draws_total = models.PositiveIntegerField(_("每人最多抽奖次数"))
    draws_per_day = models.PositiveIntegerField(_("每人每日抽奖次数"))
    bean_cost = models.PositiveIntegerField(_("每次抽奖消耗社区豆"), default=0)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["status", "community", "-starts_at"], name="lottery_status_place")]
        constraints = [
            models.CheckConstraint(condition=Q(ends_at__gt=F("starts_at")), name="lottery_ends_after_start"),
            models.CheckConstraint(condition=Q(draws_per_day__gte=1, draws_total__gte=1, expected_participants__gte=1),
                                   name="lottery_limits_positive"),
        ]

    def __str__(self) -> str:
        return f"Lottery {self.pk}"

    def get_absolute_url(self) -> str:
        return reverse("campaigns:lottery", args=[self.pk])

    @property
    def title(self) -> str:
        return self.theme

    @property
    def banner_url(self) -> str:
        return reverse("campaigns:lottery_banner", args=[self.pk])

    def win_chance(self) -> float:
        """Chance of a prize per draw: the stock spread over the draws the set-up expects."""
        stock = sum(p.quantity for p in self.prizes.all())
        expected = max(1, self.expected_participants * self.draws_total)
        return min(1.0, stock / expected)


class Prize(models.Model):
    lottery = models.ForeignKey(Lottery, on_delete=models.CASCADE, related_name="prizes")
    position = models.PositiveSmallIntegerField(default=0)
    name = models.CharField(_("奖项名称"), max_length=60)
    quantity = models.PositiveIntegerField(_("数量"))
    note = models.CharField(_("备注"), max_length=200, blank=True)
    drawn = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["position", "id"]
        constraints = [models.CheckConstraint(condition=Q(drawn__lte=F("quantity")), name="prize_stock_holds")]

    def __str__(self) -> str:
        return f"Prize {self.pk}"

    @property
    def left(self) -> int:
        return max(0, self.quantity - self.drawn)


class Player(models.Model):
    """One person's draws in a lottery, in total (the per-person limit, by conditional UPDATE)."""

    lottery = models.ForeignKey(Lottery, on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    draws = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["lottery", "user"], name="lottery_one_player_row")]

    def __str__(self) -> str:
        return f"Player {self.pk}"


class PlayerDay(models.Model):
    """One person's draws in a lottery on one day (the per-day limit; people per day = rows per day)."""

    lottery = models.ForeignKey(Lottery, on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    day = models.DateField()
    draws = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["lottery", "user", "day"], name="lottery_one_player_day_row")]
        indexes = [models.Index(fields=["lottery", "day"], name="lottery_player_day")]

    def __str__(self) -> str:
        return f"PlayerDay {self.pk}"


class Award(models.Model):
    """A prize someone won (a lottery draw or a quiz tier): 我的奖品, and the committee marks it collected."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    community = models.ForeignKey("places.Community", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    lottery = models.ForeignKey(Lottery, null=True, blank=True, on_delete=models.CASCADE, related_name="awards")
    quiz = models.ForeignKey("Quiz", null=True, blank=True, on_delete=models.CASCADE, related_name="awards")
    prize_name = models.CharField(max_length=60)
    how_to_collect = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField()
    collected_at = models.DateTimeField(null=True, blank=True)
    collected_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                     related_name="+")

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["user", "-created_at"], name="award_user")]

    def __str__(self) -> str:
        return f"Award {self.pk}"

    @property
    def campaign(self) -> Lottery | Quiz:
        return self.lottery or self.quiz  # type: ignore[return-value]


class Draw(models.Model):
    """One press of 抽奖 that counted: won a prize or not."""

    lottery = models.ForeignKey(Lottery, on_delete=models.CASCADE, related_name="draws")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    day = models.DateField()
    prize = models.ForeignKey(Prize, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    award = models.OneToOneField(Award, null=True, blank=True, on_delete=models.SET_NULL, related_name="draw")
    created_at = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["lottery", "day"], name="draw_lottery_day"),
                   models.Index(fields=["lottery", "user"], name="draw_lottery_user")]

    def __str__(self) -> str:
        return f"Draw {self.pk}"


class Quiz(Campaign):
    title = models.CharField(_("活动名称"), max_length=100)
    participant_cap = models.PositiveIntegerField(_("可参与的人数"))
    participants = models.PositiveIntegerField(default=0)
    time_limit_minutes = models.PositiveIntegerField(_("答题时限（分钟）"), default=10)
    settled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(ends_at__gt=F("starts_at")), name="quiz_ends_after_start"),
            models.CheckConstraint(condition=Q(participants__lte=F("participant_cap")), name="quiz_cap_holds"),
        ]

    def __str__(self) -> str:
        return f"Quiz {self.pk}"

    def get_absolute_url(self) -> str:
        return reverse("campaigns:quiz", args=[self.pk])

    @property
    def banner_url(self) -> str:
        return reverse("campaigns:quiz_banner", args=[self.pk])


class Question(models.Model):
    quiz = models.ForeignKey(Quiz, on_delete=models.CASCADE, related_name="questions")
    position = models.PositiveSmallIntegerField(default=0)
    text = models.CharField(_("题目"), max_length=300)
    options = models.JSONField(default=list)   # list[str]
    answers = models.JSONField(default=list)   # indexes of the correct options
    score = models.PositiveIntegerField(_("分值"))

    class Meta:
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return f"Question {self.pk}"


class QuizPrize(models.Model):
    quiz = models.ForeignKey(Quiz, on_delete=models.CASCADE, related_name="prizes")
    level = models.PositiveSmallIntegerField(_("奖品等级"))
    name = models.CharField(_("奖品名称"), max_length=60)
    quantity = models.PositiveIntegerField(_("数量"))
    awarded = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["level", "id"]
        constraints = [models.CheckConstraint(condition=Q(awarded__lte=F("quantity")), name="quiz_prize_stock_holds")]

    def __str__(self) -> str:
        return f"QuizPrize {self.pk}"

    @property
    def left(self) -> int:
        return max(0, self.quantity - self.awarded)

    @property
    def level_label(self) -> str:
        return "一二三四五六七八九十"[self.level - 1] + "等奖" if 1 <= self.level <= 10 else f"{self.level}等奖"


class Attempt(models.Model):
    quiz = models.ForeignKey(Quiz, on_delete=models.CASCADE, related_name="attempts")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    community = models.ForeignKey("places.Community", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    day = models.DateField()
    started_at = models.DateTimeField()
    deadline = models.DateTimeField()
    submitted_at = models.DateTimeField(null=True, blank=True)
    answers = models.JSONField(default=dict)
    score = models.PositiveIntegerField(default=0)
    prize = models.ForeignKey(QuizPrize, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["-score", "submitted_at", "id"]
        constraints = [models.UniqueConstraint(fields=["quiz", "user"], name="quiz_one_attempt_per_person")]
        indexes = [models.Index(fields=["quiz", "day"], name="attempt_quiz_day")]

    def __str__(self) -> str:
        return f"Attempt {self.pk}"
