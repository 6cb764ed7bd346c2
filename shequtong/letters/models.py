"""人民信箱: residents' and committees' problems and suggestions (LB-1..LB-5).

Every letter is also a case (`Letter.case`): its status and handling history
live there, so 问题提醒 and the grid treat it like any other case (LB-4).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from shequtong.cases.models import Case
from shequtong.common.categories import Category
from shequtong.places.models import Community, Estate, Subdistrict


class SubCategory(models.Model):
    """A 小类 under one of the five categories; administrators edit the list."""

    category = models.CharField(_("大类"), max_length=20, choices=Category.choices)
    name = models.CharField(_("小类"), max_length=40)
    sort_order = models.PositiveSmallIntegerField(_("排序"), default=0)
    is_active = models.BooleanField(_("启用"), default=True)

    class Meta:
        ordering = ["category", "sort_order", "id"]
        verbose_name = _("问题小类")
        verbose_name_plural = _("问题小类")
        constraints = [models.UniqueConstraint(fields=["category", "name"], name="uniq_subcategory_name")]

    def __str__(self) -> str:
        return f"{self.get_category_display()} · {self.name}"


class Letter(models.Model):
    class Kind(models.TextChoices):
        PROBLEM = "problem", _("问题")
        SUGGESTION = "suggestion", _("建议")

    community = models.ForeignKey(Community, on_delete=models.PROTECT, related_name="letters")
    subdistrict = models.ForeignKey(Subdistrict, on_delete=models.PROTECT, related_name="+")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="letters")
    # The writer's estate (小区, or 村民小组 in a village) when they wrote, from their membership;
    # observers drill letters down to it (LB-5). Empty for a committee's own letters.
    estate = models.ForeignKey(Estate, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
                               verbose_name=_("小区/村民小组"))
    # Written in the committee version (sub-categories multi-choice, LB-2).
    by_committee = models.BooleanField(_("居村委提交"), default=False)
    kind = models.CharField(_("类型"), max_length=12, choices=Kind.choices, default=Kind.PROBLEM)
    category = models.CharField(_("大类"), max_length=20, choices=Category.choices)
    subcategories = models.ManyToManyField(SubCategory, related_name="letters", verbose_name=_("小类"))
    title = models.CharField(_("标题"), max_length=200)
    content = models.TextField(_("内容"), max_length=2000)
    case = models.OneToOneField(Case, on_delete=models.PROTECT, null=True, blank=True, related_name="letter")
    created_at = models.DateTimeField(_("提交时间"))

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("人民信箱来信")
        verbose_name_plural = _("人民信箱来信")
        constraints = [models.CheckConstraint(condition=Q(category__in=Category.values), name="letter_category_valid")]
        indexes = [
            models.Index(fields=["author", "-created_at"], name="letter_author"),
            models.Index(fields=["community", "-created_at"], name="letter_community"),
            models.Index(fields=["community", "estate"], name="letter_community_estate"),
            models.Index(fields=["subdistrict", "category", "-created_at"], name="letter_sub_cat"),
            # The letters of a period, newest first (the city operations centre's 人民信箱 feed): its counts
            # per subdistrict and category from this index alone, its carousel without a sort.
            models.Index(fields=["-created_at", "-id"], include=["subdistrict", "category"], name="letter_window"),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("letters:detail", args=[self.pk])


class LetterPhoto(models.Model):
    """A photo on a letter (up to 9, issue 14 item 4): checked by content and stored without metadata
    (boards.images.check_images, as posts' images); served only to those who may read the letter."""

    letter = models.ForeignKey(Letter, on_delete=models.CASCADE, related_name="photos")
    community = models.ForeignKey(Community, on_delete=models.PROTECT, related_name="+")
    image = models.ImageField(_("照片"), upload_to="letters/%Y/%m/", width_field="width", height_field="height")
    width = models.PositiveIntegerField(default=0)
    height = models.PositiveIntegerField(default=0)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["letter_id", "position", "id"]
        verbose_name = _("来信照片")
        verbose_name_plural = _("来信照片")

    def __str__(self) -> str:
        return self.image.name

    def get_absolute_url(self) -> str:
        return reverse("letters:photo", args=[self.pk])


class LetterStat(models.Model):
    """Letters per community, category and day: the rollup behind the observer drill-down (LB-5).

    Kept by `submit_letter` in the same transaction; `rebuild_stats`
    recomputes it from the letters (after bulk loads).
    """

    day = models.DateField()
    community = models.ForeignKey(Community, on_delete=models.CASCADE, related_name="+")
    subdistrict = models.ForeignKey(Subdistrict, on_delete=models.CASCADE, related_name="+")
    category = models.CharField(max_length=20, choices=Category.choices)
    letters = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-day"]
        verbose_name = _("人民信箱统计")
        verbose_name_plural = _("人民信箱统计")
        constraints = [models.UniqueConstraint(fields=["day", "community", "category"], name="uniq_letter_stat")]
        indexes = [
            models.Index(fields=["subdistrict", "category", "day"], name="letterstat_sub_cat"),
            # The drill-down's sums per category and per community, from the indexes alone.
            models.Index(fields=["category"], include=["letters"], name="letterstat_cat"),
            models.Index(fields=["subdistrict", "community"], include=["letters"], name="letterstat_sub_comm"),
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.community_id} {self.category}: {self.letters}"
