"""Imports and what they brought in (issue 20 item 2).

An `ImportJob` is one file uploaded from the page (or named on the command line): its
kind, its dry-run report, its progress and outcome. The uploaded bytes are kept only
encrypted (`file_blob`, AES-256-GCM under the personal-data keyring) and are dropped when
the job ends, succeeded or not: residents' ID numbers and phones are never stored in clear,
not even in a failed import's leftovers. There is no staging table: rows are validated in
memory and written straight into the encrypted columns of their models.

`ImportedRecord` maps an outside identifier (a history record's id on the old platform)
to the row made from it, so a re-run recognises what is already in and changes nothing.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class ImportKind(models.TextChoices):
    TREE = "tree", _("辖区（街镇、居村委、小区/村民小组）")
    STAFF = "staff", _("居村委工作人员及角色")
    RESIDENTS = "residents", _("居民")
    HISTORY = "history", _("原平台历史数据")


class ImportJob(models.Model):
    class Status(models.TextChoices):
        UPLOADED = "uploaded", _("已上传")
        CHECKED = "checked", _("已预检")
        QUEUED = "queued", _("排队中")
        RUNNING = "running", _("导入中")
        DONE = "done", _("已完成")
        FAILED = "failed", _("失败")
        CANCELLED = "cancelled", _("已取消")

    kind = models.CharField(_("导入内容"), max_length=20, choices=ImportKind.choices)
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.UPLOADED)
    file_name = models.CharField(_("文件名"), max_length=200)
    file_format = models.CharField(max_length=10)  # xlsx, csv, jsonl
    # The uploaded file, encrypted (operations/filestore.py); emptied when the job ends.
    file_blob = models.BinaryField(null=True, blank=True, editable=False)
    file_sha256 = models.CharField(max_length=64, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("上传时间"))
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(_("完成时间"), null=True, blank=True)
    # Progress: data rows read so far (committed, so a resumed run skips them) of `rows_total`.
    rows_total = models.PositiveIntegerField(default=0)
    rows_done = models.PositiveIntegerField(default=0)
    # {"created": n, "updated": n, "unchanged": n, "skipped": n, "duplicates": n}
    counts = models.JSONField(default=dict, blank=True)
    # The dry run's problems: [{"row": n, "column": "…", "problem": "…"}] (at most REPORT_LIMIT).
    problems = models.JSONField(default=list, blank=True)
    problem_count = models.PositiveIntegerField(default=0)
    error = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("导入任务")
        verbose_name_plural = _("导入任务")

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · {self.file_name}"

    @property
    def percent(self) -> int:
        return min(100, round(100 * self.rows_done / self.rows_total)) if self.rows_total else 0

    @property
    def finished(self) -> bool:
        return self.status in (self.Status.DONE, self.Status.FAILED, self.Status.CANCELLED)


class ImportedRecord(models.Model):
    """One record of the old platform and the row it became (history import idempotency)."""

    kind = models.CharField(max_length=20)  # user, post, reply, letter, case
    external_id = models.CharField(max_length=64)
    object_id = models.BigIntegerField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["kind", "external_id"], name="uniq_imported_record")]

    def __str__(self) -> str:
        return f"{self.kind}:{self.external_id} → {self.object_id}"
