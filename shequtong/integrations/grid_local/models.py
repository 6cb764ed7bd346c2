"""The local grid backend's request table."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class LocalGridRequest(models.Model):
    """A request held by the local grid backend (integrations/grid_local.py).

    It stands in for the district grid system when none is configured; staff
    (Django admin) or tests close a request with a result, and the worker's
    poll brings that result back to the case. The table was created by
    `notifications` (0001) and moved here without copying a row
    (notifications 0004, grid_local 0001-0002).
    """

    class Status(models.TextChoices):
        OPEN = "open", _("已受理")
        IN_PROGRESS = "in_progress", _("处理中")
        CLOSED = "closed", _("已办结")

    idempotency_key = models.CharField(max_length=120, unique=True)
    service_code = models.CharField(_("类别"), max_length=40)
    title = models.CharField(_("标题"), max_length=200)
    description = models.TextField(_("描述"))
    address = models.CharField(_("地址"), max_length=200, blank=True)
    attributes = models.JSONField(default=dict, blank=True)
    status = models.CharField(_("状态"), max_length=12, choices=Status.choices, default=Status.OPEN)
    result = models.TextField(_("办理结果"), blank=True)
    created_at = models.DateTimeField(_("接收时间"))
    updated_at = models.DateTimeField(_("更新时间"))

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("网格化工单（本地）")
        verbose_name_plural = _("网格化工单（本地）")

    def __str__(self) -> str:
        return f"GRID-{self.pk} {self.title}"

    @property
    def external_id(self) -> str:
        return f"LOCAL-{self.pk}"
