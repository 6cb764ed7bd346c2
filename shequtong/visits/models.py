"""我与群众面对面 (FV-1..FV-5): staff visit records, the problems raised, their history and rollups.

A visit belongs to a community (the recording staff member's) and moves
draft → submitted → approved → archived, or back to the author when the
secretary returns it. Observers see only approved and archived records.
The person visited is either a platform member (a user) or someone without
an account, whose address is personal data and is encrypted at rest.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from shequtong.accounts import names
from shequtong.common.categories import Category
from shequtong.common.fields import EncryptedTextField
from shequtong.common.models import AppendOnly
from shequtong.places.models import Community, Subdistrict


class VisitType(models.TextChoices):
    HOME = "home", _("入户走访")
    ROUTINE = "routine", _("日常走访")
    CARE = "care", _("重点关爱")
    RECEPTION = "reception", _("接待来访")
    MEDIATION = "mediation", _("矛盾调解")
    OTHER = "other", _("其他")


class VisitTag(models.TextChoices):
    ELDERLY = "elderly", _("老年人")
    ALONE = "alone", _("独居")
    HARDSHIP = "hardship", _("困难家庭")
    DISABLED = "disabled", _("残疾人")
    VETERAN = "veteran", _("退役军人")
    PARTY = "party", _("党员")
    NEWCOMER = "newcomer", _("新居民")
    YOUTH = "youth", _("青少年")


class Status(models.TextChoices):
    DRAFT = "draft", _("草稿")
    SUBMITTED = "submitted", _("待审核")
    RETURNED = "returned", _("已退回")
    APPROVED = "approved", _("已通过")
    ARCHIVED = "archived", _("已归档")


# What observers (and every staff member of the committee) may read (FV-3, FV-5).
PUBLISHED_STATUSES = (Status.APPROVED, Status.ARCHIVED)
# What the author may still change.
EDITABLE_STATUSES = (Status.DRAFT, Status.RETURNED)


class Visit(models.Model):
    community = models.ForeignKey(Community, on_delete=models.PROTECT, related_name="visits")
    # Denormalised so subdistrict lists need no join.
    subdistrict = models.ForeignKey(Subdistrict, on_delete=models.PROTECT, related_name="+")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="visits_recorded",
                                   verbose_name=_("记录人"))
    # The person visited: a platform member, or a name and address.
    person = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                               related_name="visits_received", verbose_name=_("面对面对象"))
    # A person who is not a member: the name encrypted like User.real_name, shown masked
    # (person_masked_name, derived on save); nothing searches it.
    person_name = EncryptedTextField(_("姓名"))
    person_masked_name = models.CharField(max_length=30, blank=True, default="", editable=False)
    person_address = EncryptedTextField(_("地址"))
    visit_type = models.CharField(_("类型"), max_length=20, choices=VisitType.choices)
    tags = models.JSONField(_("标签"), default=list, blank=True)
    title = models.CharField(_("标题"), max_length=100)
    content = models.TextField(_("内容"), max_length=5000)
    visited_on = models.DateField(_("走访日期"))
    audio = models.FileField(_("录音"), upload_to="visits/audio/%Y/%m/", blank=True)
    audio_type = models.CharField(max_length=40, blank=True)
    # What the speech backend heard in the clip (integrations/speech.py), kept beside the typed content.
    transcript = models.TextField(_("语音转写"), max_length=5000, blank=True)
    # The group chat the committee opened with the member visited (FV-4), reused for later messages.
    contact_group = models.ForeignKey("chats.GroupChat", on_delete=models.SET_NULL, null=True, blank=True,
                                      related_name="+", verbose_name=_("联系群聊"))

    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.DRAFT)
    return_reason = models.CharField(_("退回原因"), max_length=200, blank=True)
    submitted_at = models.DateTimeField(_("提交时间"), null=True, blank=True)
    reviewed_at = models.DateTimeField(_("审核时间"), null=True, blank=True)
    reviewed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                    related_name="+", verbose_name=_("审核人"))
    archived_at = models.DateTimeField(_("归档时间"), null=True, blank=True)
    # Title, content and problems in one lower-cased column for keyword search.
    search_text = models.TextField(blank=True, editable=False)
    created_at = models.DateTimeField(_("创建时间"))
    updated_at = models.DateTimeField(_("更新时间"))

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("面对面记录")
        verbose_name_plural = _("面对面记录")
        constraints = [
            models.CheckConstraint(condition=Q(status__in=Status.values), name="visit_status_valid"),
            models.CheckConstraint(condition=Q(visit_type__in=VisitType.values), name="visit_type_valid"),
            # Someone was visited: a member or a named person.
            models.CheckConstraint(condition=Q(person__isnull=False) | ~Q(person_masked_name=""), name="visit_has_person"),
        ]
        indexes = [
            models.Index(fields=["community", "status", "-created_at"], name="visit_comm_status"),
            models.Index(fields=["subdistrict", "status", "-created_at"], name="visit_sub_status"),
            models.Index(fields=["created_by", "-created_at"], name="visit_author"),
        ]

    def __str__(self) -> str:
        return self.title

    def save(self, *args: Any, **kwargs: Any) -> None:
        """Keep the masked name in step with the (encrypted) name of a non-member."""
        update_fields = kwargs.get("update_fields")
        if "person_name" not in self.get_deferred_fields() and (update_fields is None or "person_name" in update_fields):
            self.person_name, self.person_masked_name, _grams = names.derived(self.person_name)
            if update_fields is not None:
                kwargs["update_fields"] = {*update_fields, "person_masked_name"}
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("visits:detail", args=[self.pk])

    @property
    def person_display(self) -> str:
        """The visited person's masked name (张*明), member or not."""
        if self.person_id and self.person is not None:
            return self.person.display_name
        return self.person_masked_name

    @property
    def is_member(self) -> bool:
        return self.person_id is not None

    @property
    def masked_address(self) -> str:
        """The first characters of the address (street or estate), the rest hidden."""
        address = self.person_address or ""
        if not address:
            return ""
        keep = min(6, max(1, len(address) // 2))
        return address[:keep] + "****"

    @property
    def tag_labels(self) -> list[str]:
        return [str(VisitTag(t).label) for t in self.tags if t in VisitTag.values]

    @property
    def is_published(self) -> bool:
        return self.status in PUBLISHED_STATUSES

    @property
    def is_editable(self) -> bool:
        return self.status in EDITABLE_STATUSES


class VisitProblem(models.Model):
    """A problem the person raised, in one of the five categories; may be sent on as a case."""

    visit = models.ForeignKey(Visit, on_delete=models.CASCADE, related_name="problems")
    category = models.CharField(_("问题标签"), max_length=20, choices=Category.choices)
    content = models.TextField(_("问题描述"), max_length=2000)
    position = models.PositiveSmallIntegerField(default=0)
    # The case this problem became (cases.Case, origin_type "visit_problem"); an id, not a
    # foreign key, so visits do not depend on the cases schema.
    case_id = models.BigIntegerField(null=True, blank=True)
    sent_at = models.DateTimeField(_("转问题跟踪时间"), null=True, blank=True)
    sent_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")

    class Meta:
        ordering = ["visit", "position", "id"]
        verbose_name = _("面对面问题")
        verbose_name_plural = _("面对面问题")
        constraints = [models.CheckConstraint(condition=Q(category__in=Category.values), name="visit_problem_category_valid")]

    def __str__(self) -> str:
        return f"{self.get_category_display()}: {self.content[:20]}"

    @property
    def is_sent(self) -> bool:
        return self.case_id is not None


class VisitEvent(AppendOnly, models.Model):
    """One step of a visit's history (append-only)."""

    append_only_label = "visit history"

    class Kind(models.TextChoices):
        CREATED = "created", _("创建记录")
        UPDATED = "updated", _("修改记录")
        SUBMITTED = "submitted", _("提交审核")
        APPROVED = "approved", _("审核通过")
        RETURNED = "returned", _("退回修改")
        ARCHIVED = "archived", _("归档")
        CASE = "case", _("记录到问题跟踪")
        LETTER = "letter", _("信箱联系")
        EMAIL = "email", _("邮件联系")
        GROUP = "group", _("群聊联系")

    visit = models.ForeignKey(Visit, on_delete=models.CASCADE, related_name="events")
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    kind = models.CharField(max_length=12, choices=Kind.choices)
    note = models.TextField(blank=True, max_length=2000)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("面对面记录历史")
        verbose_name_plural = _("面对面记录历史")

    def __str__(self) -> str:
        return f"#{self.visit_id} {self.get_kind_display()}"



    @property
    def actor_name(self) -> str:
        return self.actor.display_name if self.actor_id and self.actor else ""


class VisitStats(models.Model):
    """Per-community rollup of published visits, kept by visits.services (observer counts, FV-5)."""

    community = models.OneToOneField(Community, on_delete=models.CASCADE, primary_key=True, related_name="visit_stats")
    subdistrict = models.ForeignKey(Subdistrict, on_delete=models.CASCADE, related_name="+")
    published = models.PositiveIntegerField(_("记录数"), default=0)       # approved + archived
    archived = models.PositiveIntegerField(_("已归档"), default=0)
    problems = models.PositiveIntegerField(_("问题数"), default=0)        # problems in published records
    cases = models.PositiveIntegerField(_("转问题跟踪"), default=0)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("面对面统计")
        verbose_name_plural = _("面对面统计")

    def __str__(self) -> str:
        return f"{self.community_id}: {self.published}"
