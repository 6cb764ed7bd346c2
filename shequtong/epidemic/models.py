"""疫情防控常态化 (EP-1..EP-4): clues, help requests, community health archives and their warnings.

Clues (线索上报) and help requests (防疫求助) share one table, ``Report``, told
apart by ``kind``; ``Clue`` and ``HelpRequest`` are its proxies (the glossary's
names). Both carry what §3.5.1 item 6 says the old forms lacked: who, where
(estate, building, room), when, what, a contact and photos. The committee
answers online: 待受理 → 已受理 (with a note) → 处理中 → 已办结 (with the
result); every step is a ``ReportEvent`` the reporter sees.

A ``HealthArchive`` is one person under 居家隔离观察 or 社区健康管理, kept by the
committee. Its state moves only from one of those two to 转确诊 or 解除观察
(``ARCHIVE_MOVES``). Identity, contacts and every measured value are
special-category personal data, encrypted at rest (``EncryptedTextField``);
only what the statistics and warnings count stays in clear: the state, and
per measurement whether it was febrile or had a listed symptom.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from shequtong.accounts import names
from shequtong.common import masking
from shequtong.common.fields import EncryptedTextField
from shequtong.common.models import AppendOnly
from shequtong.places.models import Community, Estate, Subdistrict


def _derive_masked(obj: models.Model, kwargs: dict[str, Any], *, clear: str, masked: str) -> None:
    """Before a save that writes the encrypted name ``clear``: clean it and store its masked form (as Visit.save)."""
    update_fields = kwargs.get("update_fields")
    if clear not in obj.get_deferred_fields() and (update_fields is None or clear in update_fields):
        name, mask, _grams = names.derived(getattr(obj, clear))
        setattr(obj, clear, name)
        setattr(obj, masked, mask)
        if update_fields is not None:
            kwargs["update_fields"] = {*update_fields, masked}


# --- 线索上报 / 防疫求助 ---------------------------------------------------------------


class ReportKind(models.TextChoices):
    CLUE = "clue", _("线索上报")
    HELP = "help", _("防疫求助")


class ResponseStatus(models.TextChoices):
    """The committee's response (响应状态), the filter of the committee's lists (§4.2.6.1 (3))."""

    SUBMITTED = "submitted", _("待受理")
    ACCEPTED = "accepted", _("已受理")
    IN_PROGRESS = "in_progress", _("处理中")
    DONE = "done", _("已办结")


# The committee's actions and the only moves they make (services.respond_report).
RESPONSE_MOVES: dict[str, tuple[tuple[str, ...], str]] = {
    "accept": ((ResponseStatus.SUBMITTED,), ResponseStatus.ACCEPTED),
    "progress": ((ResponseStatus.ACCEPTED,), ResponseStatus.IN_PROGRESS),
    "finish": ((ResponseStatus.ACCEPTED, ResponseStatus.IN_PROGRESS), ResponseStatus.DONE),
}
RESPONSE_LABELS = {"accept": _("受理"), "progress": _("处理中"), "finish": _("办结")}


class Report(models.Model):
    kind = models.CharField(_("类型"), max_length=5, choices=ReportKind.choices)
    community = models.ForeignKey(Community, on_delete=models.PROTECT, related_name="epidemic_reports")
    # Denormalised so subdistrict lists and counts need no join (Scope.filter uses it).
    subdistrict = models.ForeignKey(Subdistrict, on_delete=models.PROTECT, related_name="+")
    reporter = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="epidemic_reports",
                                 verbose_name=_("上报人"))
    by_committee = models.BooleanField(_("居村委上报"), default=False)
    # Where (§3.5.1 item 6): estate or village group, building, room.
    estate = models.ForeignKey(Estate, on_delete=models.PROTECT, related_name="+", verbose_name=_("小区/村民小组"))
    building = models.CharField(_("楼号"), max_length=20, blank=True)
    room = models.CharField(_("室号"), max_length=20, blank=True)
    # Who and when.
    people = EncryptedTextField(_("涉及人员"))
    occurred_at = models.DateTimeField(_("发生时间"))
    # What.
    content = models.TextField(_("情况描述"), max_length=2000)
    # Contact: the name encrypted like User.real_name and shown masked (contact_masked_name,
    # derived on save; nothing searches it), the phone encrypted.
    contact_name = EncryptedTextField(_("联系人"))
    contact_masked_name = models.CharField(max_length=30, blank=True, default="", editable=False)
    contact_phone = EncryptedTextField(_("联系电话"))

    status = models.CharField(_("响应状态"), max_length=12, choices=ResponseStatus.choices,
                              default=ResponseStatus.SUBMITTED)
    response_note = models.TextField(_("受理说明"), blank=True, max_length=2000)
    result = models.TextField(_("办结结果"), blank=True, max_length=2000)
    accepted_at = models.DateTimeField(_("受理时间"), null=True, blank=True)
    done_at = models.DateTimeField(_("办结时间"), null=True, blank=True)
    handled_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+", verbose_name=_("响应人"))
    # A help request turned into a case (cases.Case, source 防疫求助): an id, not a foreign key,
    # so this app does not depend on the cases schema (as visits do).
    case_id = models.BigIntegerField(null=True, blank=True)
    image_count = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(_("上报时间"))
    updated_at = models.DateTimeField(_("更新时间"))

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("疫情上报")
        verbose_name_plural = _("疫情上报")
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=ReportKind.values), name="epi_report_kind_valid"),
            models.CheckConstraint(condition=Q(status__in=ResponseStatus.values), name="epi_report_status_valid"),
            # Only a help request becomes a case.
            models.CheckConstraint(condition=Q(case_id__isnull=True) | Q(kind=ReportKind.HELP), name="epi_case_only_help"),
        ]
        indexes = [
            models.Index(fields=["kind", "community", "-created_at"], name="epi_report_comm"),
            models.Index(fields=["kind", "subdistrict", "-created_at"], name="epi_report_sub"),
            models.Index(fields=["reporter", "-created_at"], name="epi_report_mine"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} #{self.pk}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        """Keep the masked contact name in step with the (encrypted) one."""
        _derive_masked(self, kwargs, clear="contact_name", masked="contact_masked_name")
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        return reverse(f"epidemic:{self.kind}_detail", args=[self.pk])

    @property
    def contact_display(self) -> str:
        """The contact's masked name (stored: lists and exports decrypt nothing to show it)."""
        return self.contact_masked_name

    @property
    def masked_phone(self) -> str:
        return masking.mask_phone(self.contact_phone)

    @property
    def masked_people(self) -> str:
        return masking.mask_text(self.people or "")

    @property
    def place_display(self) -> str:
        parts = [self.estate.name]
        if self.building:
            parts.append(f"{self.building}号楼")
        if self.room:
            parts.append(f"{self.room}室")
        return " ".join(parts)

    @property
    def response_seconds(self) -> int | None:
        """From the report to the committee's 受理 (the observers' response time)."""
        if self.accepted_at is None:
            return None
        return int((self.accepted_at - self.created_at).total_seconds())


class ClueManager(models.Manager["Clue"]):
    def get_queryset(self) -> models.QuerySet[Clue]:
        return super().get_queryset().filter(kind=ReportKind.CLUE)


class HelpRequestManager(models.Manager["HelpRequest"]):
    def get_queryset(self) -> models.QuerySet[HelpRequest]:
        return super().get_queryset().filter(kind=ReportKind.HELP)


class Clue(Report):
    """线索上报."""

    objects = ClueManager()  # type: ignore[misc]

    class Meta:
        proxy = True
        verbose_name = _("线索上报")
        verbose_name_plural = _("线索上报")


class HelpRequest(Report):
    """防疫求助."""

    objects = HelpRequestManager()  # type: ignore[misc]

    class Meta:
        proxy = True
        verbose_name = _("防疫求助")
        verbose_name_plural = _("防疫求助")


class ReportImage(models.Model):
    """A photo of a report, re-encoded without metadata; served only through a checked view."""

    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="images")
    file = models.FileField(upload_to="epidemic/%Y/%m/")
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["report", "position", "id"]

    def __str__(self) -> str:
        return self.file.name


class ReportEvent(AppendOnly, models.Model):
    """One step of a report's history (append-only); the reporter sees every one."""

    append_only_label = "epidemic report history"

    class Kind(models.TextChoices):
        SUBMITTED = "submitted", _("提交")
        ACCEPTED = "accepted", _("已受理")
        IN_PROGRESS = "in_progress", _("处理中")
        DONE = "done", _("已办结")
        CASE = "case", _("转为问题跟踪")

    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="events")
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    kind = models.CharField(max_length=12, choices=Kind.choices)
    note = models.TextField(blank=True, max_length=2000)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"#{self.report_id} {self.get_kind_display()}"

    @property
    def actor_name(self) -> str:
        return self.actor.display_name if self.actor_id and self.actor else ""


# --- 社区健康管理 ---------------------------------------------------------------------


class Reason(models.TextChoices):
    HOME_ISOLATION = "home_isolation", _("居家隔离观察")
    HEALTH_MANAGEMENT = "health_management", _("社区健康管理")


class ArchiveState(models.TextChoices):
    HOME_ISOLATION = "home_isolation", _("居家隔离观察")
    HEALTH_MANAGEMENT = "health_management", _("社区健康管理")
    CONFIRMED = "confirmed", _("转确诊")
    RELEASED = "released", _("解除观察")


OBSERVED_STATES = (ArchiveState.HOME_ISOLATION, ArchiveState.HEALTH_MANAGEMENT)
# The only moves (§4.2.6.3.2 (3)): from observation to 转确诊 or 解除观察; nothing else.
ARCHIVE_MOVES: dict[str, tuple[tuple[str, ...], str]] = {
    "confirm": (OBSERVED_STATES, ArchiveState.CONFIRMED),
    "release": (OBSERVED_STATES, ArchiveState.RELEASED),
}
# Daily data is still recorded for a confirmed person (§4.2.6.3.2 (4)); not after release.
MEASURABLE_STATES = (*OBSERVED_STATES, ArchiveState.CONFIRMED)

# The listed symptoms (a measurement with any of them raises a warning).
SYMPTOMS: tuple[tuple[str, str], ...] = (
    ("fever", "发热"), ("cough", "咳嗽"), ("fatigue", "乏力"), ("sore_throat", "咽痛"),
    ("diarrhoea", "腹泻"), ("smell_taste", "嗅觉味觉减退"), ("breathing", "呼吸困难"),
)
SYMPTOM_LABELS = dict(SYMPTOMS)


class HealthArchive(models.Model):
    community = models.ForeignKey(Community, on_delete=models.PROTECT, related_name="health_archives")
    subdistrict = models.ForeignKey(Subdistrict, on_delete=models.PROTECT, related_name="+")
    estate = models.ForeignKey(Estate, on_delete=models.PROTECT, related_name="+", verbose_name=_("小区/村民小组"))
    building = models.CharField(_("楼号"), max_length=20, blank=True)
    room = models.CharField(_("室号"), max_length=20, blank=True)
    # The member who fills in the daily report (the person or a family member), if any:
    # every archive with the same account is one family, filled in together.
    account = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                related_name="health_archives", verbose_name=_("填报账号"))
    relation = models.CharField(_("与填报人关系"), max_length=10, blank=True)
    # Encrypted like User.real_name; every list, export and sort uses the masked form
    # (person_masked_name, derived on save). Nothing searches it; the clear name leaves only
    # through the audited 查看完整信息 (services.reveal_archive).
    person_name = EncryptedTextField(_("姓名"))
    person_masked_name = models.CharField(max_length=30, blank=True, default="", editable=False)
    id_number = EncryptedTextField(_("身份证号"))
    phone = EncryptedTextField(_("联系电话"))
    contacts = EncryptedTextField(_("紧急联系人"))
    health_note = EncryptedTextField(_("健康情况"))
    reason = models.CharField(_("管理类型"), max_length=20, choices=Reason.choices)
    state = models.CharField(_("状态"), max_length=20, choices=ArchiveState.choices)
    started_on = models.DateField(_("开始日期"))
    confirmed_at = models.DateTimeField(_("转确诊时间"), null=True, blank=True)
    released_at = models.DateTimeField(_("解除观察时间"), null=True, blank=True)
    # 转确诊 is reported to the subdistrict at once (§4.2.6.3.2 (4)).
    reported_at = models.DateTimeField(_("上报街镇时间"), null=True, blank=True)
    last_measured_on = models.DateField(_("最近填报"), null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("建档时间"))
    updated_at = models.DateTimeField(_("更新时间"))

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("健康档案")
        verbose_name_plural = _("健康档案")
        constraints = [
            models.CheckConstraint(condition=Q(reason__in=Reason.values), name="epi_archive_reason_valid"),
            models.CheckConstraint(condition=Q(state__in=ArchiveState.values), name="epi_archive_state_valid"),
        ]
        indexes = [
            models.Index(fields=["community", "state"], name="epi_archive_comm"),
            models.Index(fields=["subdistrict", "state"], name="epi_archive_sub"),
            models.Index(fields=["account"], name="epi_archive_account"),
        ]

    def __str__(self) -> str:
        return f"{self.person_display} ({self.get_state_display()})"

    def save(self, *args: Any, **kwargs: Any) -> None:
        """Keep the masked name in step with the (encrypted) name."""
        _derive_masked(self, kwargs, clear="person_name", masked="person_masked_name")
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        return reverse("epidemic:archive_detail", args=[self.pk])

    @property
    def person_display(self) -> str:
        """The masked name (张*明), stored: showing it decrypts nothing."""
        return self.person_masked_name

    @property
    def masked_id_number(self) -> str:
        return masking.mask_id_number(self.id_number)

    @property
    def masked_phone(self) -> str:
        return masking.mask_phone(self.phone)

    @property
    def is_observed(self) -> bool:
        return self.state in OBSERVED_STATES

    @property
    def place_display(self) -> str:
        parts = [self.estate.name]
        if self.building:
            parts.append(f"{self.building}号楼")
        if self.room:
            parts.append(f"{self.room}室")
        return " ".join(parts)


class ArchiveEvent(AppendOnly, models.Model):
    """One step of an archive's history (append-only)."""

    append_only_label = "health archive history"

    class Kind(models.TextChoices):
        CREATED = "created", _("建档")
        UPDATED = "updated", _("修改档案")
        CONFIRMED = "confirmed", _("转确诊")
        REPORTED = "reported", _("上报街镇")
        RELEASED = "released", _("解除观察")

    archive = models.ForeignKey(HealthArchive, on_delete=models.CASCADE, related_name="events")
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    kind = models.CharField(max_length=12, choices=Kind.choices)
    note = models.TextField(blank=True, max_length=500)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"#{self.archive_id} {self.get_kind_display()}"

    @property
    def actor_name(self) -> str:
        return self.actor.display_name if self.actor_id and self.actor else ""


class Measurement(models.Model):
    """One daily report: temperature, symptoms, notes (all encrypted); the two flags in clear for counting."""

    archive = models.ForeignKey(HealthArchive, on_delete=models.CASCADE, related_name="measurements")
    measured_on = models.DateField(_("日期"))
    temperature = EncryptedTextField(_("体温"))
    symptoms = EncryptedTextField(_("症状"))  # comma-separated codes of SYMPTOMS
    note = EncryptedTextField(_("备注"))
    febrile = models.BooleanField(default=False)       # temperature ≥ 37.3 °C
    symptomatic = models.BooleanField(default=False)   # any listed symptom
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    by_staff = models.BooleanField(default=False)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["-measured_on", "-created_at", "-id"]
        indexes = [models.Index(fields=["archive", "-measured_on"], name="epi_measure_archive")]

    def __str__(self) -> str:
        return f"#{self.archive_id} {self.measured_on}"

    @property
    def symptom_labels(self) -> list[str]:
        return [SYMPTOM_LABELS[c] for c in (self.symptoms or "").split(",") if c in SYMPTOM_LABELS]

    @property
    def abnormal(self) -> bool:
        return self.febrile or self.symptomatic


class WarningKind(models.TextChoices):
    FEVER = "fever", _("体温异常")
    SYMPTOM = "symptom", _("出现症状")
    MISSED = "missed", _("未按时填报")


class HealthWarning(models.Model):
    """A symptom warning (症状预警) of one archive on one day; unique, so staff are told once."""

    archive = models.ForeignKey(HealthArchive, on_delete=models.CASCADE, related_name="warnings")
    community = models.ForeignKey(Community, on_delete=models.CASCADE, related_name="+")
    subdistrict = models.ForeignKey(Subdistrict, on_delete=models.CASCADE, related_name="+")
    estate = models.ForeignKey(Estate, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(_("预警类型"), max_length=10, choices=WarningKind.choices)
    day = models.DateField(_("日期"))
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["-day", "-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["archive", "kind", "day"], name="epi_warning_once"),
            models.CheckConstraint(condition=Q(kind__in=WarningKind.values), name="epi_warning_kind_valid"),
        ]
        indexes = [models.Index(fields=["community", "-day"], name="epi_warning_comm")]

    def __str__(self) -> str:
        return f"#{self.archive_id} {self.get_kind_display()} {self.day}"
