"""信箱: personal in-app mail (private letters between people) and system notices."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Message(models.Model):
    """One letter or notice delivered to one recipient.

    A letter (kind "letter") has a sender; the first letter of a conversation
    is its root (thread is null) and every reply points at the root, so a
    conversation is "the root plus the rows whose thread is the root". A
    conversation always has exactly two people: the root's sender and
    recipient. `community` is the community in whose scope the letter was
    written (the permission check that allowed it); notices have none.
    """

    class Kind(models.TextChoices):
        LETTER = "letter", _("私信")
        SYSTEM = "system", _("系统通知")
        REMINDER = "reminder", _("提醒")

    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="inbox_messages")
    sender = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    # Who the sender wrote as (e.g. "友谊一村居委 · 社工"), frozen at sending so
    # lists need no role look-ups and history stays true after role changes.
    sender_label = models.CharField(_("发信人身份"), max_length=80, blank=True)
    kind = models.CharField(_("类型"), max_length=10, choices=Kind.choices, default=Kind.SYSTEM)
    subject = models.CharField(_("标题"), max_length=120)
    body = models.TextField(_("内容"), max_length=5000)
    link = models.CharField(_("链接"), max_length=200, blank=True)
    community = models.ForeignKey(
        "places.Community", on_delete=models.PROTECT, null=True, blank=True, related_name="+",
    )
    thread = models.ForeignKey("self", on_delete=models.CASCADE, null=True, blank=True, related_name="replies")
    created_at = models.DateTimeField(_("时间"), db_index=True)
    read_at = models.DateTimeField(_("阅读时间"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("信件")
        verbose_name_plural = _("信件")
        indexes = [
            models.Index(fields=["recipient", "-created_at"]),
            models.Index(fields=["recipient", "read_at"]),
            models.Index(fields=["recipient", "kind", "-created_at"]),
            models.Index(fields=["sender", "kind", "-created_at"]),
        ]

    def __str__(self) -> str:
        return self.subject

    @property
    def sender_name(self) -> str:
        return self.sender.display_name if self.sender_id and self.sender else str(_("社区通"))

    @property
    def is_letter(self) -> bool:
        return self.kind == self.Kind.LETTER

    @property
    def root_id(self) -> int:
        return self.thread_id or self.pk
