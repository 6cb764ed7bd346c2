"""Case tracking (问题跟踪): one case model for every source, its history, ratings and reminders.

A case's public status (what the resident follows) and its delivery state to
the grid (`send_state`) are separate fields, as in FixMyStreet: the grid may
be down while the case is, publicly, 已上报网格化.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from shequtong.common.categories import Category
from shequtong.common.models import AppendOnly
from shequtong.places.models import Community, Subdistrict

from . import overdue


class Source(models.TextChoices):
    """Where a case came from (问题来源, CT-1); the label is the list tag."""

    MENTION = "mention", _("@居委")
    TAG = "tag", _("身边事标签")
    LETTER = "letter", _("人民信箱")
    VISIT = "visit", _("面对面")
    PATROL_COMMITTEE = "patrol_committee", _("居委巡查")
    PATROL_SUBDISTRICT = "patrol_subdistrict", _("街镇巡查")
    PATROL_DISTRICT = "patrol_district", _("区巡查")
    EPIDEMIC_HELP = "epidemic_help", _("防疫求助")


# The filter options use the specification's wording (§4.2.2.2.1).
SOURCE_FILTER_LABELS: dict[str, str] = {
    Source.MENTION: "来自@居委",
    Source.TAG: "来自身边事",
    Source.LETTER: "来自人民信箱",
    Source.VISIT: "来自面对面",
    Source.PATROL_COMMITTEE: "来自居委巡查",
    Source.PATROL_SUBDISTRICT: "来自街镇巡查",
    Source.PATROL_DISTRICT: "来自区巡查",
    Source.EPIDEMIC_HELP: "来自防疫求助",
}
PATROL_SOURCES = {"committee": Source.PATROL_COMMITTEE, "subdistrict": Source.PATROL_SUBDISTRICT,
                  "district": Source.PATROL_DISTRICT}


class Status(models.TextChoices):
    NEW = "new", _("待受理")
    ACCEPTED = "accepted", _("已受理")
    IN_PROGRESS = "in_progress", _("处理中")
    ESCALATED = "escalated", _("已上报网格化")
    RESOLVED = "resolved", _("已解决")
    CLOSED = "closed", _("已关闭")


# Sources whose case text is the raiser's own words (the rest are worded by staff).
RAISER_WORDED_SOURCES = ("letter", "mention", "tag", "epidemic_help")

# Not yet resolved: these count towards the overdue buckets.
OPEN_STATUSES = (Status.NEW, Status.ACCEPTED, Status.IN_PROGRESS, Status.ESCALATED)
RATEABLE_STATUSES = (Status.RESOLVED, Status.CLOSED)


class SendState(models.TextChoices):
    """Delivery of an escalation to the grid, independent of the public status."""

    NONE = "none", _("未上报")
    PENDING = "pending", _("待送达网格化")
    SENT = "sent", _("已送达网格化")
    DONE = "done", _("网格化已反馈")
    FAILED = "failed", _("上报失败")


# Touched when a case raised before today is saved or deleted, by a bulk writer of cases (the history
# import) and by a community merge: 数据 问题解决 keeps those cases' figures under it (observe.figures.cases).
CASES_BEFORE_TODAY = "cases:before-today"
# Two narrower parts of the same figures, kept apart because handling a case (the frequent write) leaves
# them as they are (cases.apps says when each is touched):
# - which cases were raised on which day before today, and where (the trend's 新增问题);
CASES_RAISED_BEFORE_TODAY = "cases:raised-before-today"
# - which cases were resolved on which day before today, and where (the trend's 已解决).
CASES_RESOLVED_BEFORE_TODAY = "cases:resolved-before-today"
# All three: what a bulk writer of cases touches.
CASES_KEPT_FIGURES = (CASES_BEFORE_TODAY, CASES_RAISED_BEFORE_TODAY, CASES_RESOLVED_BEFORE_TODAY)


class Case(models.Model):
    community = models.ForeignKey(Community, on_delete=models.PROTECT, related_name="cases")
    # Denormalised from the community so subdistrict lists and rollups need no join.
    subdistrict = models.ForeignKey(Subdistrict, on_delete=models.PROTECT, related_name="+")
    source = models.CharField(_("来源"), max_length=20, choices=Source.choices)
    # Blank only until the committee tags a case from an @ mention (CT-2).
    category = models.CharField(_("问题标签"), max_length=20, choices=Category.choices, blank=True)
    title = models.CharField(_("标题"), max_length=200)
    content = models.TextField(_("内容"), max_length=5000)
    raised_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                  related_name="raised_cases", verbose_name=_("提出人"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+", verbose_name=_("记录人"))
    # The colleague of the committee who handles the case now (转派); blank: the committee as a whole.
    assignee = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                 related_name="assigned_cases", verbose_name=_("承办人"))
    # The link back to what the case was recorded from (a letter, a reply, a post, a visit).
    origin_type = models.CharField(max_length=30, blank=True)
    origin_id = models.BigIntegerField(null=True, blank=True)
    origin_url = models.CharField(max_length=300, blank=True)

    status = models.CharField(_("状态"), max_length=12, choices=Status.choices, default=Status.NEW)
    send_state = models.CharField(_("网格化送达"), max_length=10, choices=SendState.choices, default=SendState.NONE)
    escalation_key = models.CharField(max_length=120, blank=True)
    external_id = models.CharField(_("网格化工单号"), max_length=60, blank=True)
    grid_status = models.CharField(_("网格化状态"), max_length=30, blank=True)
    grid_result = models.TextField(_("网格化办理结果"), blank=True)
    grid_checked_at = models.DateTimeField(null=True, blank=True)
    # Title and content cut into words by jieba (common/chinese.py), kept by cases.services;
    # full-text indexed on PostgreSQL (the migration's GIN index, common/fulltext.py).
    search_text = models.TextField(blank=True, default="", editable=False)

    first_response_at = models.DateTimeField(_("首次回应时间"), null=True, blank=True)
    escalated_at = models.DateTimeField(null=True, blank=True)
    resolved_at = models.DateTimeField(_("解决时间"), null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(_("提出时间"))
    updated_at = models.DateTimeField(_("更新时间"))

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("问题")
        verbose_name_plural = _("问题")
        constraints = [
            # One case per recorded thing: a mention or post published twice makes one case.
            models.UniqueConstraint(fields=["origin_type", "origin_id"], condition=Q(origin_id__isnull=False),
                                    name="uniq_case_origin"),
            models.CheckConstraint(condition=Q(source__in=Source.values), name="case_source_valid"),
            models.CheckConstraint(condition=Q(status__in=Status.values), name="case_status_valid"),
            models.CheckConstraint(condition=Q(category__in=[*Category.values, ""]), name="case_category_valid"),
        ]
        indexes = [
            models.Index(fields=["community", "status", "created_at"], name="case_comm_status"),
            models.Index(fields=["subdistrict", "status", "created_at"], name="case_sub_status"),
            models.Index(fields=["status", "created_at"], name="case_status_created"),
            models.Index(fields=["raised_by", "created_at"], name="case_raised_by"),
            models.Index(fields=["send_state", "grid_checked_at"], name="case_send_state"),
            # The overdue buckets count open cases only: answered from this index alone.
            models.Index(fields=["subdistrict", "created_at"], include=["first_response_at", "community", "status"],
                         condition=Q(status__in=["new", "accepted", "in_progress", "escalated"]), name="case_open"),
            # Newest first across the district (全局信息穿透, the district's case list): 20 rows, not a sort.
            models.Index(fields=["-created_at", "-id"], name="case_created"),
            # A committee's list as it opens (its communities, newest first): the page's 21 rows read in
            # order, then joined; without it the planner joined all the community's cases to their
            # ratings (a sequential scan) before sorting (9.4 ms at full scale, 0.3 ms with it).
            models.Index(fields=["community", "-created_at", "-id"], name="case_comm_created"),
            # The cases raised in a period, counted per subdistrict, status, source and category, and
            # how many were responded to (the city operations centre's 问题跟踪 and 治慧中心 feeds):
            # answered from this index alone.
            # 数据 问题解决 reads its per-place figures, breakdowns and trend from it in one scan (resolved_at: the
            # time to resolution).
            models.Index(fields=["created_at"], include=["subdistrict", "status", "source", "category",
                                                         "first_response_at", "resolved_at", "community"],
                         name="case_period"),
            # The cases resolved in a period, per day (数据 问题解决 and 数据透视 trends): from the index alone.
            models.Index(fields=["resolved_at"], include=["status", "subdistrict", "community"],
                         condition=Q(resolved_at__isnull=False), name="case_resolved"),
            # The cases first answered in a period, per place (数据透视 · 社工与居民互动): from the index alone, not a
            # parallel scan of every case (45 ms at full scale).
            models.Index(fields=["first_response_at"], include=["subdistrict", "community"],
                         condition=Q(first_response_at__isnull=False), name="case_first_response"),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.title}"

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("cases:detail", args=[self.pk])

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    @property
    def needs_category(self) -> bool:
        return not self.category

    @property
    def overdue_buckets(self) -> list[str]:
        return overdue.buckets_of(self)

    @property
    def overdue_labels(self) -> list[str]:
        return [str(overdue.Overdue(b).label) for b in self.overdue_buckets]

    @property
    def source_filter_label(self) -> str:
        return SOURCE_FILTER_LABELS.get(self.source, "")

    # --- What the resident who raised the case sees (issue 14 item 6) ----------------
    # Staff see the case as recorded; the raiser sees their own words, the public
    # steps and the results, never the committee's wording, tags or notes.

    @property
    def raiser_wrote_it(self) -> bool:
        """Is the case's text the raiser's own (a letter, an @居委, a tagged post, a 防疫求助)?"""
        return self.source in RAISER_WORDED_SOURCES

    @property
    def resident_title(self) -> str:
        """The title the raiser sees: their own, or a neutral one for a case staff worded (面对面, 巡查)."""
        if self.raiser_wrote_it:
            return self.title
        what = self.get_category_display() if self.category else str(_("问题"))
        if self.source == Source.VISIT:
            return str(_("您在面对面走访中反映的%(what)s") % {"what": what})
        return str(_("您反映的%(what)s") % {"what": what})

    @property
    def resident_content(self) -> str:
        """The text the raiser sees: their own words; for a 面对面 case the problem as recorded, without staff notes."""
        if self.raiser_wrote_it:
            return self.content
        if self.source == Source.VISIT:
            # visits.services writes "<problem>\n\n（面对面对象：…；走访日期：…）": the note is the committee's.
            return self.content.split("\n\n（面对面对象", 1)[0]
        return ""

    @property
    def origin_open_to_raiser(self) -> bool:
        """May the raiser open ``origin_url``? Their letter, post or chat message yes; a visit record or a patrol no."""
        return bool(self.origin_url) and self.raiser_wrote_it and self.source != Source.EPIDEMIC_HELP

    @property
    def short_title(self) -> str:
        """The raiser's title cut for a notification subject (『…』 inside a 120-character subject)."""
        t = self.resident_title
        return t if len(t) <= 24 else t[:23] + "…"

    @property
    def grid_title(self) -> str:
        """The title sent to the grid: a letter carries 【人民信箱】 (LB-4)."""
        prefix = "【人民信箱】" if self.source == Source.LETTER else ""
        return prefix + self.title


class CaseEvent(AppendOnly, models.Model):
    """One step in a case's history (append-only); all of it is shown to the resident who raised it."""

    append_only_label = "case history"

    class Kind(models.TextChoices):
        CREATED = "created", _("记录问题")
        CATEGORY = "category", _("设置问题标签")
        ACCEPTED = "accepted", _("受理")
        REPLY = "reply", _("回复")
        UPDATE = "update", _("更新进度")
        ESCALATED = "escalated", _("上报网格化")
        GRID_SENT = "grid_sent", _("网格化已接收")
        GRID_UPDATE = "grid_update", _("网格化处理进度")
        GRID_RESULT = "grid_result", _("网格化反馈结果")
        GRID_FAILED = "grid_failed", _("上报网格化失败")
        GRID_RESENT = "grid_resent", _("网格化工单丢失，重新上报")
        RESOLVED = "resolved", _("已解决")
        REOPENED = "reopened", _("重新处理")
        CLOSED = "closed", _("关闭")
        RATED = "rated", _("评分")
        REMINDER = "reminder", _("逾期提醒")
        REASSIGNED = "reassigned", _("转派")

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="events")
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    status_from = models.CharField(max_length=12, choices=Status.choices, blank=True)
    status_to = models.CharField(max_length=12, choices=Status.choices, blank=True)
    note = models.TextField(blank=True, max_length=5000)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("处理记录")
        verbose_name_plural = _("处理记录")
        indexes = [
            # 宝山圈 shows the newest steps across the observer's area (observe.feed): a short walk down this index.
            models.Index(fields=["-created_at", "-id"], name="caseevent_created"),
        ]

    def __str__(self) -> str:
        return f"#{self.case_id} {self.get_kind_display()}"

    @property
    def is_public(self) -> bool:
        """Shown to the resident who raised the case: the steps of handling and their results."""
        return self.kind in PUBLIC_EVENT_KINDS

    @property
    def public_note(self) -> str:
        """The note the raiser reads: the committee's words to them, never an internal note (上报说明, 转派)."""
        return self.note if self.kind in PUBLIC_NOTE_KINDS else ""


    @property
    def actor_name(self) -> str:
        if self.actor_id is None:
            return str(_("网格化系统")) if self.kind.startswith("grid") else str(_("社区通"))
        return self.actor.display_name if self.actor else ""


# The steps the raiser sees (the rest are the committee's own: tags, reminders, 转派, delivery trouble).
PUBLIC_EVENT_KINDS = frozenset({
    CaseEvent.Kind.CREATED, CaseEvent.Kind.ACCEPTED, CaseEvent.Kind.REPLY, CaseEvent.Kind.UPDATE,
    CaseEvent.Kind.ESCALATED, CaseEvent.Kind.GRID_SENT, CaseEvent.Kind.GRID_UPDATE, CaseEvent.Kind.GRID_RESULT,
    CaseEvent.Kind.RESOLVED, CaseEvent.Kind.REOPENED, CaseEvent.Kind.CLOSED, CaseEvent.Kind.RATED,
})
# Steps whose note is written for the raiser (a reply, progress, the result, their own rating).
PUBLIC_NOTE_KINDS = frozenset({
    CaseEvent.Kind.REPLY, CaseEvent.Kind.UPDATE, CaseEvent.Kind.GRID_RESULT, CaseEvent.Kind.RESOLVED,
    CaseEvent.Kind.REOPENED, CaseEvent.Kind.RATED, CaseEvent.Kind.GRID_UPDATE,
})


class CaseRating(models.Model):
    """The raiser's 1–5 stars and feedback on a resolved case (CT-7); one per case."""

    case = models.OneToOneField(Case, on_delete=models.CASCADE, related_name="rating")
    rater = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    community = models.ForeignKey(Community, on_delete=models.PROTECT, related_name="+")
    subdistrict = models.ForeignKey(Subdistrict, on_delete=models.PROTECT, related_name="+")
    stars = models.PositiveSmallIntegerField(_("评分"))
    feedback = models.TextField(_("意见/建议"), blank=True, max_length=1000)
    created_at = models.DateTimeField(_("评价时间"))

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("问题评分")
        verbose_name_plural = _("问题评分")
        constraints = [models.CheckConstraint(condition=Q(stars__gte=1, stars__lte=5), name="rating_stars_1_5")]
        indexes = [
            models.Index(fields=["community", "-created_at"], name="rating_comm"),
            # The ratings given in a period, counted and summed per place (数据 问题解决, 数据透视 问题处置): from
            # the index alone instead of a scan of every rating.
            models.Index(fields=["created_at"], include=["subdistrict", "community", "stars"], name="rating_period"),
        ]

    def __str__(self) -> str:
        return f"#{self.case_id}: {self.stars}★"


class RatingStat(models.Model):
    """Per-community rating rollup (count, star total and the ratings of each star), kept by `rate_case`."""

    community = models.OneToOneField(Community, on_delete=models.CASCADE, primary_key=True, related_name="rating_stat")
    subdistrict = models.ForeignKey(Subdistrict, on_delete=models.CASCADE, related_name="+")
    ratings = models.PositiveIntegerField(default=0)
    stars_total = models.PositiveIntegerField(default=0)
    # The star distribution (评分's drill-down, observe.drills.ratings): how many ratings gave 1 … 5 stars.
    stars_1 = models.PositiveIntegerField(default=0)
    stars_2 = models.PositiveIntegerField(default=0)
    stars_3 = models.PositiveIntegerField(default=0)
    stars_4 = models.PositiveIntegerField(default=0)
    stars_5 = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("评分统计")
        verbose_name_plural = _("评分统计")

    def __str__(self) -> str:
        return f"{self.community_id}: {self.average}"

    @property
    def average(self) -> float | None:
        return self.stars_total / self.ratings if self.ratings else None


STAR_FIELDS = ("stars_1", "stars_2", "stars_3", "stars_4", "stars_5")  # RatingStat's count of each star, 1 … 5


def star_field(stars: int) -> str:
    return STAR_FIELDS[stars - 1]


class OverdueReminder(models.Model):
    """That a case's reminder for one overdue bucket was sent; never twice (CT-6)."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="reminders")
    bucket = models.CharField(max_length=20, choices=overdue.Overdue.choices)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("逾期提醒")
        verbose_name_plural = _("逾期提醒")
        constraints = [models.UniqueConstraint(fields=["case", "bucket"], name="uniq_reminder_per_bucket")]

    def __str__(self) -> str:
        return f"#{self.case_id} {self.bucket}"


# --- Rollups for 问题跟踪 on the city operations centre's screens (cityops CO-2; cases/rollups.py) ---------

class CaseStep(models.Model):
    """One status move of a case and the time spent before it: the rollup behind the handling flow.

    Written with the CaseEvent that records the move (services._event, same transaction); rebuilt
    from the events by ``rollups.rebuild_steps`` and checked nightly (observe ``rebuild_rollups``,
    "case_steps"). A move is an event whose ``status_from`` and ``status_to`` are both set and differ;
    the time before it runs from the case's previous move, or from its creation for the first one.
    The case's subdistrict and creation time are copied here: the flow counts the moves of the
    cases raised in a period, so it reads this table alone, through a covering index, and a median
    is exact (one row a move, not a histogram).
    """

    event = models.OneToOneField(CaseEvent, on_delete=models.CASCADE, primary_key=True, related_name="+")
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="+")
    subdistrict = models.ForeignKey(Subdistrict, on_delete=models.CASCADE, related_name="+")
    case_created_at = models.DateTimeField()
    status_from = models.CharField(max_length=12, choices=Status.choices)
    status_to = models.CharField(max_length=12, choices=Status.choices)
    at = models.DateTimeField()
    seconds = models.FloatField()

    class Meta:
        verbose_name = _("处理环节")
        verbose_name_plural = _("处理环节")
        indexes = [
            models.Index(fields=["case_created_at"], include=["subdistrict", "status_from", "status_to", "seconds"],
                         name="casestep_window"),
            models.Index(fields=["subdistrict", "case_created_at"], include=["status_from", "status_to", "seconds"],
                         name="casestep_sub_window"),
            models.Index(fields=["case", "at"], name="casestep_case"),
        ]

    def __str__(self) -> str:
        return f"#{self.case_id} {self.status_from}→{self.status_to}"


class CaseTermStat(models.Model):
    """How many cases raised on a (local) day in a subdistrict use a word: residents' most common concerns.

    Words are those of the case's stored jieba segmentation (``search_text``) that say something
    (``rollups.terms_of``); a case counts once per word. A day's rows are written at once, when the
    day is over, by the scheduled job ``cases.term_rollup`` (``rollups.close_term_days``), together
    with its ``CaseTermDay`` mark; readers count the days without a mark from the cases themselves.
    """

    day = models.DateField()
    subdistrict = models.ForeignKey(Subdistrict, on_delete=models.CASCADE, related_name="+")
    term = models.CharField(max_length=20)
    cases = models.PositiveIntegerField()

    class Meta:
        verbose_name = _("问题词频")
        verbose_name_plural = _("问题词频")
        constraints = [models.UniqueConstraint(fields=["day", "subdistrict", "term"], include=["cases"],
                                               name="casetermstat_key")]
        indexes = [models.Index(fields=["subdistrict", "day"], include=["term", "cases"], name="casetermstat_sub_day")]

    def __str__(self) -> str:
        return f"{self.day} {self.subdistrict_id} {self.term}: {self.cases}"


class CaseTermDay(models.Model):
    """A local day whose cases are all counted in CaseTermStat (how many cases it had then)."""

    day = models.DateField(primary_key=True)
    cases = models.PositiveIntegerField()
    counted_at = models.DateTimeField()

    class Meta:
        verbose_name = _("词频已统计日期")
        verbose_name_plural = _("词频已统计日期")

    def __str__(self) -> str:
        return f"{self.day}: {self.cases}"
