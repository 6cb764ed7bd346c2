"""Bookkeeping for the grid link: callbacks already received, and how far the updates feed was read."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class WebhookReceipt(models.Model):
    """A grid callback that was accepted; its webhook-id is never processed twice.

    Rows older than the replay window can go (a message that old is refused
    by its timestamp anyway); the worker prunes them.
    """

    webhook_id = models.CharField(max_length=120, unique=True)
    external_id = models.CharField(_("网格化工单号"), max_length=60, blank=True)
    status = models.CharField(_("网格化状态"), max_length=30, blank=True)
    received_at = models.DateTimeField(_("接收时间"), db_index=True)

    class Meta:
        ordering = ["-received_at", "-id"]
        verbose_name = _("网格化回调")
        verbose_name_plural = _("网格化回调")

    def __str__(self) -> str:
        return f"{self.webhook_id} {self.external_id} {self.status}"


class SyncCursor(models.Model):
    """Up to when a feed (the grid's updates extension) has been read."""

    name = models.CharField(max_length=40, unique=True)
    position = models.DateTimeField()
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("同步进度")
        verbose_name_plural = _("同步进度")

    def __str__(self) -> str:
        return f"{self.name} @ {self.position:%Y-%m-%d %H:%M:%S}"
