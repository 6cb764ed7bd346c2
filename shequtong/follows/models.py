"""关注 and 收藏 (OB-7): a person follows a case, a letter or a 议事厅 topic, and favourites a post, case or letter.

The target is generic (``target_type``, ``target_id``) so the apps that own the
things stay below this one: they never import it. Who may follow or favourite
what is the owning app's own ``access_<thing>`` (follows/kinds.py).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class FollowTarget(models.TextChoices):
    CASE = "case", _("问题")
    LETTER = "letter", _("来信")
    TOPIC = "topic", _("议题")


class FavouriteTarget(models.TextChoices):
    POST = "post", _("主题")
    CASE = "case", _("问题")
    LETTER = "letter", _("来信")


class Follow(models.Model):
    """关注: the follower hears of the target's new steps in 信箱 (follows.services.on_step)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="follows")
    target_type = models.CharField(_("类型"), max_length=10, choices=FollowTarget.choices)
    target_id = models.BigIntegerField()
    created_at = models.DateTimeField(_("关注时间"))
    # The target's latest step since it was followed, kept by on_step: 我的关注 lists these first.
    last_step_at = models.DateTimeField(_("最新进展"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("关注")
        verbose_name_plural = _("关注")
        constraints = [
            models.UniqueConstraint(fields=["user", "target_type", "target_id"], name="uniq_follow"),
            models.CheckConstraint(condition=Q(target_type__in=FollowTarget.values), name="follow_target_valid"),
        ]
        indexes = [
            # Followers of one target (the notice fan-out) and counts per target (城运中心's top 10):
            # answered from this index alone.
            models.Index(fields=["target_type", "target_id"], include=["user"], name="follow_target"),
            # 我的关注: newest first, and followed items with new steps first.
            models.Index(fields=["user", "-created_at"], name="follow_user"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} → {self.target_type}#{self.target_id}"


class Favourite(models.Model):
    """收藏: a bookmark in 我的收藏; nothing is sent."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="favourites")
    target_type = models.CharField(_("类型"), max_length=10, choices=FavouriteTarget.choices)
    target_id = models.BigIntegerField()
    created_at = models.DateTimeField(_("收藏时间"))

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("收藏")
        verbose_name_plural = _("收藏")
        constraints = [
            models.UniqueConstraint(fields=["user", "target_type", "target_id"], name="uniq_favourite"),
            models.CheckConstraint(condition=Q(target_type__in=FavouriteTarget.values), name="favourite_target_valid"),
        ]
        indexes = [
            models.Index(fields=["target_type", "target_id"], name="favourite_target"),
            models.Index(fields=["user", "-created_at"], name="favourite_user"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} ☆ {self.target_type}#{self.target_id}"
