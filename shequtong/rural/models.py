"""乡村振兴 (RV-1..RV-3, spec §3.5.2.8, §4.2.8): the district 农委's items for the villages.

An item is written by a 农委 administrator and moves
draft → submitted (待审核) → approved (待发布) → published (已发布) → ended (已终止);
another administrator approves or rejects it (未通过, with a reason), an approved
item may be sent back (已退回) instead of published, and the author edits a
draft, rejected or returned item and submits it again. Only published items are
seen outside the 农委; an ended one disappears everywhere at once.

Items are district-wide: every rural community (村委) sees every published item.
Reads, likes and sign-ups are counted per item (counters on the row) and per
village (`ItemVillageStats`), both kept by rural.services.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from shequtong.common.models import AppendOnly
from shequtong.places.models import Community, Estate, Subdistrict

USER = settings.AUTH_USER_MODEL


class ItemType(models.TextChoices):
    POLICY = "policy", _("政策解读")
    FARMING = "farming", _("农技服务")
    ACTIVITY = "activity", _("乡村活动")
    NEWS = "news", _("新闻")


class Status(models.TextChoices):
    DRAFT = "draft", _("草稿")
    SUBMITTED = "submitted", _("待审核")
    REJECTED = "rejected", _("未通过")
    APPROVED = "approved", _("待发布")
    RETURNED = "returned", _("已退回")
    PUBLISHED = "published", _("已发布")
    ENDED = "ended", _("已终止")


# What the author may still change, submit or delete.
EDITABLE_STATUSES = (Status.DRAFT, Status.REJECTED, Status.RETURNED)


class Item(models.Model):
    title = models.CharField(_("标题"), max_length=100)
    body = models.TextField(_("内容"), max_length=10000)
    item_type = models.CharField(_("类型"), max_length=10, choices=ItemType.choices)
    # 乡村活动 only: when and where, how many places, and until when one may sign up.
    starts_at = models.DateTimeField(_("活动时间"), null=True, blank=True)
    place = models.CharField(_("活动地点"), max_length=100, blank=True)
    capacity = models.PositiveIntegerField(_("名额"), null=True, blank=True)
    # 积分报名 (§3.4.3 item 2.3): 社区豆 a sign-up costs (0: free), taken when signing up, given back on cancelling.
    cost = models.PositiveIntegerField(_("报名所需社区豆"), default=0)
    signup_deadline = models.DateTimeField(_("报名截止时间"), null=True, blank=True)

    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.DRAFT)
    author = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="rural_items", verbose_name=_("创建人"))
    reviewed_by = models.ForeignKey(USER, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
                                    verbose_name=_("审核人"))
    reviewed_at = models.DateTimeField(_("审核时间"), null=True, blank=True)
    reject_reason = models.CharField(_("不通过原因"), max_length=200, blank=True)
    return_reason = models.CharField(_("退回原因"), max_length=200, blank=True)
    submitted_at = models.DateTimeField(_("提交时间"), null=True, blank=True)
    published_by = models.ForeignKey(USER, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
                                     verbose_name=_("发布人"))
    published_at = models.DateTimeField(_("发布时间"), null=True, blank=True)
    ended_at = models.DateTimeField(_("终止时间"), null=True, blank=True)
    # 置顶: pinned items come first, by pin_order (1 first), then newest.
    pin_order = models.PositiveSmallIntegerField(_("置顶顺序"), null=True, blank=True)

    read_count = models.PositiveIntegerField(_("阅读数"), default=0)
    like_count = models.PositiveIntegerField(_("点赞数"), default=0)
    signup_count = models.PositiveIntegerField(_("报名人数"), default=0)
    # Title and body cut into words by jieba (common/chinese.py), kept by rural.services.
    search_text = models.TextField(blank=True, default="", editable=False)
    created_at = models.DateTimeField(_("创建时间"))
    updated_at = models.DateTimeField(_("更新时间"))

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("乡村振兴信息")
        verbose_name_plural = _("乡村振兴信息")
        constraints = [
            models.CheckConstraint(condition=Q(status__in=Status.values), name="rural_item_status_valid"),
            models.CheckConstraint(condition=Q(item_type__in=ItemType.values), name="rural_item_type_valid"),
            # Places are never over-booked, whatever the requests' timing (services lock the row too).
            models.CheckConstraint(condition=Q(capacity__isnull=True) | Q(signup_count__lte=models.F("capacity")),
                                   name="rural_item_within_capacity"),
        ]
        indexes = [
            models.Index(fields=["status", "pin_order", "-published_at"], name="rural_item_board"),
            models.Index(fields=["author", "-created_at"], name="rural_item_author"),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("rural:detail", args=[self.pk])

    @property
    def is_activity(self) -> bool:
        return self.item_type == ItemType.ACTIVITY

    @property
    def is_published(self) -> bool:
        return self.status == Status.PUBLISHED

    @property
    def is_pinned(self) -> bool:
        return self.pin_order is not None

    @property
    def places_left(self) -> int | None:
        if self.capacity is None:
            return None
        return max(0, self.capacity - self.signup_count)


class ItemImage(models.Model):
    item = models.ForeignKey(Item, on_delete=models.CASCADE, related_name="images")
    image = models.ImageField(_("图片"), upload_to="rural/%Y/%m/", width_field="width", height_field="height")
    width = models.PositiveIntegerField(default=0)
    height = models.PositiveIntegerField(default=0)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["item_id", "position", "id"]
        verbose_name = _("图片")
        verbose_name_plural = _("图片")

    def __str__(self) -> str:
        return self.image.name


class ItemRead(models.Model):
    """One row per person per item: the read count counts people (PC-7). `community` is the reader's village."""

    item = models.ForeignKey(Item, on_delete=models.CASCADE, related_name="reads")
    user = models.ForeignKey(USER, on_delete=models.CASCADE, related_name="+")
    community = models.ForeignKey(Community, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    created_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["item", "user"], name="rural_uniq_read")]

    def __str__(self) -> str:
        return f"{self.user_id}→{self.item_id}"


class ItemLike(models.Model):
    item = models.ForeignKey(Item, on_delete=models.CASCADE, related_name="likes")
    user = models.ForeignKey(USER, on_delete=models.CASCADE, related_name="+")
    community = models.ForeignKey(Community, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    created_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["item", "user"], name="rural_uniq_like")]

    def __str__(self) -> str:
        return f"{self.user_id}♥{self.item_id}"


class SignUp(models.Model):
    """A villager's or village committee member's place in an activity (报名); cancelled = deleted."""

    item = models.ForeignKey(Item, on_delete=models.CASCADE, related_name="signups")
    user = models.ForeignKey(USER, on_delete=models.CASCADE, related_name="rural_signups")
    community = models.ForeignKey(Community, on_delete=models.PROTECT, related_name="+")
    # Denormalised so lists per subdistrict need no join.
    subdistrict = models.ForeignKey(Subdistrict, on_delete=models.PROTECT, related_name="+")
    estate = models.ForeignKey(Estate, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(_("报名时间"))
    cost = models.PositiveIntegerField(_("所付社区豆"), default=0)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("报名")
        verbose_name_plural = _("报名")
        constraints = [models.UniqueConstraint(fields=["item", "user"], name="rural_uniq_signup")]
        indexes = [
            models.Index(fields=["item", "community", "created_at"], name="rural_signup_village"),
            models.Index(fields=["user", "-created_at"], name="rural_signup_mine"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id}@{self.item_id}"


class ItemVillageStats(models.Model):
    """Per item and village: reads, likes and sign-ups by its people (the 农委's and observers' counts)."""

    item = models.ForeignKey(Item, on_delete=models.CASCADE, related_name="village_stats")
    community = models.ForeignKey(Community, on_delete=models.CASCADE, related_name="+")
    subdistrict = models.ForeignKey(Subdistrict, on_delete=models.CASCADE, related_name="+")
    reads = models.PositiveIntegerField(_("阅读数"), default=0)
    likes = models.PositiveIntegerField(_("点赞数"), default=0)
    signups = models.PositiveIntegerField(_("报名人数"), default=0)

    class Meta:
        verbose_name = _("乡村振兴村级统计")
        verbose_name_plural = _("乡村振兴村级统计")
        constraints = [models.UniqueConstraint(fields=["item", "community"], name="rural_uniq_village_stats")]

    def __str__(self) -> str:
        return f"{self.item_id}/{self.community_id}"


class ItemEvent(AppendOnly, models.Model):
    """One step of an item's history (append-only)."""

    append_only_label = "rural item history"

    class Kind(models.TextChoices):
        CREATED = "created", _("新建")
        UPDATED = "updated", _("修改")
        SUBMITTED = "submitted", _("提交审核")
        APPROVED = "approved", _("审核通过")
        REJECTED = "rejected", _("审核不通过")
        RETURNED = "returned", _("退回")
        PUBLISHED = "published", _("发布")
        ENDED = "ended", _("终止")
        PINNED = "pinned", _("置顶")
        UNPINNED = "unpinned", _("取消置顶")

    item = models.ForeignKey(Item, on_delete=models.CASCADE, related_name="events")
    actor = models.ForeignKey(USER, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    kind = models.CharField(max_length=12, choices=Kind.choices)
    note = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("乡村振兴信息历史")
        verbose_name_plural = _("乡村振兴信息历史")

    def __str__(self) -> str:
        return f"#{self.item_id} {self.get_kind_display()}"

    @property
    def actor_name(self) -> str:
        return self.actor.display_name if self.actor_id and self.actor else ""
