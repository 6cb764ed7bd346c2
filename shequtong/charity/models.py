"""社会公益服务项目管理平台 (CP-1..CP-7): projects, their review and shelf state, and their history.

A project belongs to a social organisation (the account holding the
``social_org`` role; its community and subdistrict are where that role is
granted) and moves draft → submitted → approved or rejected; the
organisation may withdraw a submitted project back to draft before the
service centre (``service_centre`` covering the project's subdistrict)
decides. An approved project goes on and off shelf; only a project on shelf
is shown to residents. Every step is a ``ProjectEvent`` (append-only).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from shequtong.common.models import AppendOnly
from shequtong.places.models import Community, Subdistrict


class ServiceCategory(models.TextChoices):
    ELDERLY = "elderly", _("为老服务")
    DISABLED = "disabled", _("助残服务")
    YOUTH = "youth", _("青少年服务")
    FAMILY = "family", _("妇女儿童与家庭服务")
    CULTURE = "culture", _("社区文化")
    HEALTH = "health", _("健康服务")
    ENVIRONMENT = "environment", _("环境保护")
    EMPLOYMENT = "employment", _("就业帮扶")
    RELIEF = "relief", _("困难帮扶")
    OTHER = "other", _("其他")


class Audience(models.TextChoices):
    ELDERLY = "elderly", _("老年人")
    DISABLED = "disabled", _("残疾人")
    CHILDREN = "children", _("儿童")
    YOUTH = "youth", _("青少年")
    WOMEN = "women", _("妇女")
    HARDSHIP = "hardship", _("困难家庭")
    EVERYONE = "everyone", _("全体居民")


class ProjectStatus(models.TextChoices):
    DRAFT = "draft", _("草稿")
    SUBMITTED = "submitted", _("待审核")
    APPROVED = "approved", _("审核通过")
    REJECTED = "rejected", _("审核不通过")


# What the organisation may still change without withdrawing first (spec 4.2.9.1.1 (2): "可随时修改").
EDITABLE_STATUSES = (ProjectStatus.DRAFT, ProjectStatus.REJECTED, ProjectStatus.APPROVED)
# What the service centre reads (never an organisation's draft).
CENTRE_STATUSES = (ProjectStatus.SUBMITTED, ProjectStatus.APPROVED, ProjectStatus.REJECTED)


class CharityProject(models.Model):
    organisation = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="charity_projects",
                                     verbose_name=_("社会组织"))
    # Where the organisation's role is granted; the centre covering this subdistrict reviews.
    community = models.ForeignKey(Community, on_delete=models.PROTECT, related_name="charity_projects")
    subdistrict = models.ForeignKey(Subdistrict, on_delete=models.PROTECT, related_name="+")
    title = models.CharField(_("项目名称"), max_length=60)
    category = models.CharField(_("服务类别"), max_length=20, choices=ServiceCategory.choices)
    services = models.TextField(_("服务项目"), max_length=500)
    audience = models.JSONField(_("服务对象"), default=list, blank=True)
    communities = models.ManyToManyField(Community, related_name="charity_projects_served", verbose_name=_("服务社区"))
    starts_on = models.DateField(_("开始日期"))
    ends_on = models.DateField(_("结束日期"))
    cover = models.ImageField(_("封面图片"), upload_to="charity/covers/%Y/%m/", blank=True)
    description = models.TextField(_("项目介绍"), max_length=5000)

    status = models.CharField(_("状态"), max_length=10, choices=ProjectStatus.choices, default=ProjectStatus.DRAFT)
    on_shelf = models.BooleanField(_("已上架"), default=False)
    reject_reason = models.CharField(_("不通过原因"), max_length=200, blank=True)
    submitted_at = models.DateTimeField(_("提交时间"), null=True, blank=True)
    reviewed_at = models.DateTimeField(_("审核时间"), null=True, blank=True)
    reviewed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                    related_name="+", verbose_name=_("审核人"))
    # Rollups kept by the services (statistics and lists read them, never COUNT(*) per row).
    progress = models.PositiveSmallIntegerField(_("总体进度"), default=0)
    slots_count = models.PositiveIntegerField(_("服务场次"), default=0)
    bookings_count = models.PositiveIntegerField(_("预约人次"), default=0)      # live (not cancelled) bookings
    reviews_count = models.PositiveIntegerField(_("评价数"), default=0)         # approved reviews
    rating_total = models.PositiveIntegerField(_("评分合计"), default=0)        # stars of approved reviews
    created_at = models.DateTimeField(_("创建时间"))
    updated_at = models.DateTimeField(_("更新时间"))

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("公益服务项目")
        verbose_name_plural = _("公益服务项目")
        constraints = [
            models.CheckConstraint(condition=Q(status__in=ProjectStatus.values), name="charity_project_status_valid"),
            models.CheckConstraint(condition=Q(category__in=ServiceCategory.values), name="charity_project_category_valid"),
            models.CheckConstraint(condition=Q(ends_on__gte=models.F("starts_on")), name="charity_project_period_valid"),
            models.CheckConstraint(condition=Q(on_shelf=False) | Q(status=ProjectStatus.APPROVED),
                                   name="charity_project_shelf_needs_approval"),
            models.CheckConstraint(condition=Q(progress__lte=100), name="charity_project_progress_range"),
        ]
        indexes = [
            models.Index(fields=["organisation", "-created_at"], name="charity_proj_org"),
            models.Index(fields=["subdistrict", "status"], name="charity_proj_sub_status"),
            models.Index(fields=["community", "status"], name="charity_proj_comm_status"),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("charity:project", args=[self.pk])

    @property
    def audience_labels(self) -> list[str]:
        return [str(Audience(a).label) for a in self.audience if a in Audience.values]

    @property
    def average_rating(self) -> float | None:
        return round(self.rating_total / self.reviews_count, 1) if self.reviews_count else None

    @property
    def shelf_label(self) -> str:
        if self.status != ProjectStatus.APPROVED:
            return ""
        return str(_("已上架")) if self.on_shelf else str(_("已下架"))


class ServiceSite(models.Model):
    """A social organisation's service site (社会组织服务站点): where its projects are delivered (CP-2)."""

    organisation = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="charity_sites",
                                     verbose_name=_("社会组织"))
    community = models.ForeignKey(Community, on_delete=models.PROTECT, related_name="charity_sites")
    subdistrict = models.ForeignKey(Subdistrict, on_delete=models.PROTECT, related_name="+")
    name = models.CharField(_("站点名称"), max_length=60)
    address = models.CharField(_("站点地址"), max_length=200)
    communities = models.ManyToManyField(Community, related_name="charity_sites_served", verbose_name=_("服务社区"))
    opening_hours = models.CharField(_("开放时间"), max_length=100)
    lead_name = models.CharField(_("站点负责人"), max_length=30)
    # The account that receives residents' 信箱 letters to the site lead (the organisation's by default).
    lead = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="charity_sites_led")
    introduction = models.TextField(_("站点介绍"), max_length=2000, blank=True)
    created_at = models.DateTimeField(_("创建时间"))
    updated_at = models.DateTimeField(_("更新时间"))

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("服务站点")
        verbose_name_plural = _("服务站点")
        indexes = [models.Index(fields=["organisation", "-created_at"], name="charity_site_org"),
                   models.Index(fields=["subdistrict"], name="charity_site_sub")]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("charity:site", args=[self.pk])


class BindingStatus(models.TextChoices):
    DRAFT = "draft", _("草稿")
    SUBMITTED = "submitted", _("待审核")
    BOUND = "bound", _("已绑定")
    REJECTED = "rejected", _("审核不通过")
    UNBOUND = "unbound", _("已解除")


class SiteBinding(models.Model):
    """社会公益服务项目与服务站点绑定: filled in, submitted, reviewed by the centre, unbound (CP-2)."""

    project = models.ForeignKey(CharityProject, on_delete=models.CASCADE, related_name="bindings")
    site = models.ForeignKey(ServiceSite, on_delete=models.PROTECT, related_name="bindings")
    status = models.CharField(_("状态"), max_length=10, choices=BindingStatus.choices, default=BindingStatus.DRAFT)
    service_time = models.CharField(_("服务时间"), max_length=100)
    note = models.CharField(_("绑定说明"), max_length=500, blank=True)
    reject_reason = models.CharField(_("不通过原因"), max_length=200, blank=True)
    submitted_at = models.DateTimeField(_("提交时间"), null=True, blank=True)
    reviewed_at = models.DateTimeField(_("审核时间"), null=True, blank=True)
    reviewed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                    related_name="+")
    created_at = models.DateTimeField(_("创建时间"))
    updated_at = models.DateTimeField(_("更新时间"))

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("项目站点绑定")
        verbose_name_plural = _("项目站点绑定")
        constraints = [
            models.CheckConstraint(condition=Q(status__in=BindingStatus.values), name="charity_binding_status_valid"),
            # One live binding per project and site; an unbound one may be filled in again.
            models.UniqueConstraint(fields=["project", "site"], condition=~Q(status="unbound"),
                                    name="charity_binding_one_live"),
        ]

    def __str__(self) -> str:
        return f"{self.project_id} ↔ {self.site_id}"

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("charity:binding", args=[self.pk])


class Milestone(models.Model):
    """项目节点及目标 (CP-3): saved without review; its completion is the latest progress report's."""

    project = models.ForeignKey(CharityProject, on_delete=models.CASCADE, related_name="milestones")
    title = models.CharField(_("项目节点"), max_length=60)
    target = models.CharField(_("节点目标"), max_length=500)
    due_on = models.DateField(_("计划完成日期"))
    weight = models.PositiveSmallIntegerField(_("权重"), default=1)
    completion = models.PositiveSmallIntegerField(_("完成度"), default=0)
    # Deleted milestones stay (their progress reports are history) but leave the plan and the roll-up.
    deleted_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(_("创建时间"))
    updated_at = models.DateTimeField(_("更新时间"))

    class Meta:
        ordering = ["due_on", "id"]
        verbose_name = _("项目节点")
        verbose_name_plural = _("项目节点")
        constraints = [
            models.CheckConstraint(condition=Q(weight__gte=1, weight__lte=100), name="charity_milestone_weight_range"),
            models.CheckConstraint(condition=Q(completion__lte=100), name="charity_milestone_completion_range"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_achieved(self) -> bool:
        return self.completion >= 100


class ProgressReport(models.Model):
    """节点目标完成情况 (CP-4): completion, evidence text and photos; edits and deletions are history."""

    milestone = models.ForeignKey(Milestone, on_delete=models.CASCADE, related_name="reports")
    project = models.ForeignKey(CharityProject, on_delete=models.CASCADE, related_name="+")
    completion = models.PositiveSmallIntegerField(_("完成度"))
    evidence = models.TextField(_("完成情况说明"), max_length=2000)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    deleted_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(_("创建时间"))
    updated_at = models.DateTimeField(_("更新时间"))

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("完成情况")
        verbose_name_plural = _("完成情况")
        constraints = [models.CheckConstraint(condition=Q(completion__lte=100), name="charity_report_completion_range")]

    def __str__(self) -> str:
        return f"{self.milestone_id}: {self.completion}%"


class ProgressPhoto(models.Model):
    report = models.ForeignKey(ProgressReport, on_delete=models.CASCADE, related_name="photos")
    image = models.ImageField(upload_to="charity/progress/%Y/%m/")

    class Meta:
        ordering = ["id"]
        verbose_name = _("完成情况照片")
        verbose_name_plural = _("完成情况照片")

    def __str__(self) -> str:
        return self.image.name


class ServiceSlot(models.Model):
    """A bookable time of a project at a bound site (CP-7): capacity places, booked until it starts."""

    binding = models.ForeignKey(SiteBinding, on_delete=models.PROTECT, related_name="slots")
    project = models.ForeignKey(CharityProject, on_delete=models.CASCADE, related_name="slots")
    site = models.ForeignKey(ServiceSite, on_delete=models.PROTECT, related_name="slots")
    title = models.CharField(_("服务内容"), max_length=60)
    starts_at = models.DateTimeField(_("开始时间"))
    ends_at = models.DateTimeField(_("结束时间"))
    capacity = models.PositiveIntegerField(_("名额"))
    booked = models.PositiveIntegerField(_("已预约"), default=0)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["starts_at", "id"]
        verbose_name = _("服务场次")
        verbose_name_plural = _("服务场次")
        constraints = [
            models.CheckConstraint(condition=Q(booked__lte=models.F("capacity")), name="charity_slot_not_overbooked"),
            models.CheckConstraint(condition=Q(ends_at__gt=models.F("starts_at")), name="charity_slot_period_valid"),
        ]
        indexes = [models.Index(fields=["project", "starts_at"], name="charity_slot_proj_start")]

    def __str__(self) -> str:
        return f"{self.title} {self.starts_at:%Y-%m-%d %H:%M}"

    @property
    def places_left(self) -> int:
        return max(0, self.capacity - self.booked)


class BookingStatus(models.TextChoices):
    BOOKED = "booked", _("已预约")
    CANCELLED = "cancelled", _("已取消")


class SlotBooking(models.Model):
    slot = models.ForeignKey(ServiceSlot, on_delete=models.CASCADE, related_name="bookings")
    project = models.ForeignKey(CharityProject, on_delete=models.CASCADE, related_name="bookings")
    resident = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="charity_bookings")
    status = models.CharField(_("状态"), max_length=10, choices=BookingStatus.choices, default=BookingStatus.BOOKED)
    created_at = models.DateTimeField(_("预约时间"))
    cancelled_at = models.DateTimeField(_("取消时间"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("服务预约")
        verbose_name_plural = _("服务预约")
        constraints = [
            models.UniqueConstraint(fields=["slot", "resident"], condition=Q(status="booked"),
                                    name="charity_booking_once_per_slot"),
        ]
        indexes = [models.Index(fields=["resident", "-created_at"], name="charity_booking_resident")]

    def __str__(self) -> str:
        return f"{self.slot_id}: {self.resident_id}"


class ReviewStatus(models.TextChoices):
    PENDING = "pending", _("待审核")
    APPROVED = "approved", _("已通过")
    REJECTED = "rejected", _("未通过")


class ProjectReview(models.Model):
    """A resident's rating (1–5) and review after taking part; shown once the service centre approves it."""

    project = models.ForeignKey(CharityProject, on_delete=models.CASCADE, related_name="reviews")
    resident = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="charity_reviews")
    stars = models.PositiveSmallIntegerField(_("评分"))
    text = models.TextField(_("评价"), max_length=1000)
    status = models.CharField(_("状态"), max_length=10, choices=ReviewStatus.choices, default=ReviewStatus.PENDING)
    moderation_note = models.CharField(_("审核意见"), max_length=200, blank=True)
    moderated_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                     related_name="+")
    moderated_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(_("评价时间"))

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("项目评价")
        verbose_name_plural = _("项目评价")
        constraints = [
            models.CheckConstraint(condition=Q(stars__gte=1, stars__lte=5), name="charity_review_stars_range"),
            models.UniqueConstraint(fields=["project", "resident"], name="charity_review_once"),
        ]

    def __str__(self) -> str:
        return f"{self.project_id}: {self.stars}"


class ProjectEvent(AppendOnly, models.Model):
    """One step of a project's history (append-only): review, shelf, binding, plan and progress."""

    append_only_label = "charity project history"

    class Kind(models.TextChoices):
        CREATED = "created", _("新建项目")
        UPDATED = "updated", _("修改项目")
        SUBMITTED = "submitted", _("提交审核")
        WITHDRAWN = "withdrawn", _("撤回审核申请")
        APPROVED = "approved", _("审核通过")
        REJECTED = "rejected", _("审核不通过")
        SHELVED = "shelved", _("上架")
        UNSHELVED = "unshelved", _("下架")
        BINDING_CREATED = "binding_created", _("填写站点绑定信息")
        BINDING_UPDATED = "binding_updated", _("修改站点绑定信息")
        BINDING_SUBMITTED = "binding_submitted", _("提交站点绑定审核")
        BINDING_WITHDRAWN = "binding_withdrawn", _("撤回站点绑定审核")
        BINDING_APPROVED = "binding_approved", _("站点绑定审核通过")
        BINDING_REJECTED = "binding_rejected", _("站点绑定审核不通过")
        BINDING_UNBOUND = "binding_unbound", _("解除站点绑定")
        MILESTONE_ADDED = "milestone_added", _("增加项目节点及目标")
        MILESTONE_UPDATED = "milestone_updated", _("编辑项目节点及目标")
        MILESTONE_DELETED = "milestone_deleted", _("删除项目节点及目标")
        PROGRESS_SAVED = "progress_saved", _("保存节点目标完成情况")
        PROGRESS_UPDATED = "progress_updated", _("修改节点目标完成情况")
        PROGRESS_DELETED = "progress_deleted", _("删除节点目标完成情况")
        SLOT_OPENED = "slot_opened", _("开放服务预约")
        REVIEW_APPROVED = "review_approved", _("居民评价审核通过")
        REVIEW_REJECTED = "review_rejected", _("居民评价审核未通过")

    project = models.ForeignKey(CharityProject, on_delete=models.CASCADE, related_name="events")
    binding = models.ForeignKey(SiteBinding, on_delete=models.CASCADE, null=True, blank=True, related_name="events")
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    kind = models.CharField(max_length=24, choices=Kind.choices)
    note = models.TextField(blank=True, max_length=2000)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("公益项目历史")
        verbose_name_plural = _("公益项目历史")

    def __str__(self) -> str:
        return f"#{self.project_id} {self.get_kind_display()}"

    @property
    def actor_name(self) -> str:
        return self.actor.display_name if self.actor_id and self.actor else ""
