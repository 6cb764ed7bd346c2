"""信箱: personal in-app mail and system notices."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Message(models.Model):
    class Kind(models.TextChoices):
        LETTER = "letter", _("私信")
        SYSTEM = "system", _("系统通知")
        REMINDER = "reminder", _("提醒")

    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="inbox_messages")
    sender = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    kind = models.CharField(_("类型"), max_length=10, choices=Kind.choices, default=Kind.SYSTEM)
    subject = models.CharField(_("标题"), max_length=120)
    body = models.TextField(_("内容"), max_length=5000)
    link = models.CharField(_("链接"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("时间"), db_index=True)
    read_at = models.DateTimeField(_("阅读时间"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("信件")
        verbose_name_plural = _("信件")
        indexes = [models.Index(fields=["recipient", "-created_at"]), models.Index(fields=["recipient", "read_at"])]

    def __str__(self) -> str:
        return self.subject

    @property
    def sender_name(self) -> str:
        return self.sender.display_name if self.sender_id and self.sender else str(_("社区通"))
