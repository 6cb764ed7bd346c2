"""小区群: one group chat per estate, plus groups the committee or residents create (PC-4, PC-10, §3.4.1 2.11/3.11).

Who belongs to an estate group is derived, never copied: the residents whose
resident grant names the estate, plus the community's committee staff. A
committee group lists its resident members in GroupMember; committee staff
of the community are in every group of their community. A group residents
create (居民建群) belongs to their estate: its members are listed in
GroupMember and must still live in that estate; it is invisible outside it.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from shequtong.common.models import AppendOnly
from shequtong.places.models import Community, Estate


class GroupChat(models.Model):
    class Kind(models.TextChoices):
        ESTATE = "estate", _("小区群")
        CUSTOM = "custom", _("居委建群")
        RESIDENT = "resident", _("居民建群")

    community = models.ForeignKey(Community, on_delete=models.PROTECT, related_name="group_chats")
    estate = models.ForeignKey(Estate, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    kind = models.CharField(_("类型"), max_length=10, choices=Kind.choices)
    name = models.CharField(_("群名称"), max_length=50)
    announcement = models.TextField(_("群公告"), max_length=1000, blank=True)
    announcement_at = models.DateTimeField(_("公告时间"), null=True, blank=True)
    announcement_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(_("创建时间"))
    # Kept by send_message so lists sort and show unread markers without
    # touching the message table.
    last_message_id = models.BigIntegerField(default=0)
    last_message_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["community_id", "kind", "id"]
        verbose_name = _("小区群")
        verbose_name_plural = _("小区群")
        constraints = [
            models.UniqueConstraint(fields=["estate"], condition=Q(kind="estate"), name="uniq_estate_group_chat"),
            models.CheckConstraint(
                condition=(Q(kind="estate") & Q(estate__isnull=False)) | (Q(kind="custom") & Q(estate__isnull=True))
                | (Q(kind="resident") & Q(estate__isnull=False)),
                name="group_chat_kind_matches_estate",
            ),
        ]
        indexes = [models.Index(fields=["community", "kind"])]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("chats:detail", args=[self.pk])

    @property
    def is_estate(self) -> bool:
        return self.kind == self.Kind.ESTATE

    @property
    def is_residents(self) -> bool:
        """A group residents created among neighbours of their estate."""
        return self.kind == self.Kind.RESIDENT


class GroupMember(models.Model):
    """A resident added to a committee-created group, or invited to (or creating) a residents' group."""

    group = models.ForeignKey(GroupChat, on_delete=models.CASCADE, related_name="members")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    added_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    added_at = models.DateTimeField(_("加入时间"))

    class Meta:
        ordering = ["added_at", "id"]
        verbose_name = _("群成员")
        verbose_name_plural = _("群成员")
        constraints = [models.UniqueConstraint(fields=["group", "user"], name="uniq_group_member")]
        indexes = [models.Index(fields=["user", "group"])]

    def __str__(self) -> str:
        return f"{self.group_id}:{self.user_id}"


class GroupMessage(models.Model):
    """One message in a group. Ordered by id: the id is the paging cursor."""

    class Kind(models.TextChoices):
        TEXT = "text", _("消息")
        ANNOUNCEMENT = "announcement", _("群公告")

    group = models.ForeignKey(GroupChat, on_delete=models.CASCADE, related_name="messages")
    community = models.ForeignKey(Community, on_delete=models.PROTECT, related_name="+")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    # "居委"/"村委" when a committee member wrote it, frozen at sending.
    author_role = models.CharField(max_length=10, blank=True)
    kind = models.CharField(_("类型"), max_length=15, choices=Kind.choices, default=Kind.TEXT)
    body = models.TextField(_("内容"), max_length=1000)
    created_at = models.DateTimeField(_("发送时间"))
    hidden_at = models.DateTimeField(_("隐藏时间"), null=True, blank=True)
    hidden_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    hidden_reason = models.CharField(_("隐藏原因"), max_length=200, blank=True)

    class Meta:
        ordering = ["id"]
        verbose_name = _("群消息")
        verbose_name_plural = _("群消息")
        indexes = [
            models.Index(fields=["group", "id"]),
            models.Index(fields=["community", "hidden_at"]),
        ]

    def __str__(self) -> str:
        return self.body[:30]

    def get_absolute_url(self) -> str:
        return reverse("chats:detail", args=[self.group_id]) + f"#m{self.pk}"

    @property
    def is_hidden(self) -> bool:
        return self.hidden_at is not None


class GroupMention(models.Model):
    """Someone pressed @居委/@村委 beside a group message (CT-1, CT-5); cases subscribe to the hook."""

    message = models.ForeignKey(GroupMessage, on_delete=models.CASCADE, related_name="mentions")
    community = models.ForeignKey(Community, on_delete=models.PROTECT, related_name="+")
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    patrol_level = models.CharField(_("巡查级别"), max_length=12, null=True, blank=True)
    created_at = models.DateTimeField(_("时间"))

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("@居委记录")
        verbose_name_plural = _("@居委记录")
        constraints = [models.UniqueConstraint(fields=["message", "actor"], name="uniq_group_mention")]
        indexes = [models.Index(fields=["community", "-created_at"])]

    def __str__(self) -> str:
        return f"@{self.message_id} by {self.actor_id}"


class GroupHistory(AppendOnly, models.Model):
    """Append-only record of what the committee did in a group (who, what, when)."""

    append_only_label = "group history"

    class Action(models.TextChoices):
        CREATED = "created", _("创建群聊")
        MEMBER_ADDED = "member_added", _("添加成员")
        MEMBER_REMOVED = "member_removed", _("移除成员")
        ANNOUNCEMENT = "announcement", _("发布群公告")
        HIDDEN = "hidden", _("隐藏消息")
        RESTORED = "restored", _("恢复消息")

    group = models.ForeignKey(GroupChat, on_delete=models.CASCADE, related_name="history")
    message = models.ForeignKey(GroupMessage, on_delete=models.CASCADE, null=True, blank=True, related_name="history")
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    action = models.CharField(_("操作"), max_length=20, choices=Action.choices)
    detail = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(_("时间"))

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("群操作记录")
        verbose_name_plural = _("群操作记录")

    def __str__(self) -> str:
        return f"{self.group_id} {self.action}"



class GroupReadState(models.Model):
    """How far a person has read a group (unread markers)."""

    group = models.ForeignKey(GroupChat, on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    last_read_id = models.BigIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "group"], name="uniq_group_read_state")]

    def __str__(self) -> str:
        return f"{self.user_id}@{self.group_id}:{self.last_read_id}"
