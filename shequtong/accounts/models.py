"""Real-name accounts, memberships, role grants, SMS codes, API tokens and the audit log."""

from __future__ import annotations

import hashlib

from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from shequtong.common import masking
from shequtong.common.fields import EncryptedTextField
from shequtong.common.models import AppendOnly
from shequtong.places.models import Community, Estate, Subdistrict

from .roles import Role, Version

# Columns of a user that a page showing them by (masked) name never needs: loading them costs
# an AES-GCM decryption per row and puts clear values in memory for nothing.
PRIVATE_FIELDS = ("id_number", "phone", "password")


def private_fields_of(*relations: str) -> list[str]:
    """For ``.defer()`` next to ``select_related(relation)``: read on access, from the database, if ever."""
    return [f"{r}__{f}" for r in relations for f in PRIVATE_FIELDS]


class User(AbstractUser):
    """A real-name user. ID number and phone are encrypted; look-ups use blind indexes."""

    class Sex(models.TextChoices):
        MALE = "M", _("男")
        FEMALE = "F", _("女")

    real_name = models.CharField(_("真实姓名"), max_length=30, blank=True)
    id_number = EncryptedTextField(_("身份证号码"))
    id_number_index = models.CharField(max_length=64, null=True, blank=True, unique=True, editable=False)
    phone = EncryptedTextField(_("手机号码"))
    phone_index = models.CharField(max_length=64, null=True, blank=True, unique=True, editable=False)
    birth_date = models.DateField(_("出生日期"), null=True, blank=True)
    sex = models.CharField(_("性别"), max_length=1, choices=Sex.choices, blank=True)
    elder_mode = models.BooleanField(_("长辈模式"), default=False)
    active_version = models.CharField(_("当前版本"), max_length=12, choices=Version.choices, blank=True)

    objects = UserManager()  # type: ignore[misc]

    class Meta:
        ordering = ["id"]
        verbose_name = _("用户")
        verbose_name_plural = _("用户")

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        """The masked real name shown on every screen."""
        return masking.mask_name(self.real_name) or self.username

    @property
    def masked_phone(self) -> str:
        return masking.mask_phone(self.phone)

    @property
    def masked_id_number(self) -> str:
        return masking.mask_id_number(self.id_number)


class Membership(models.Model):
    """A resident's request to join a community (and estate), and its review (PC-2)."""

    class Status(models.TextChoices):
        PENDING = "pending", _("待审核")
        APPROVED = "approved", _("已通过")
        REJECTED = "rejected", _("未通过")

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships")
    community = models.ForeignKey(Community, on_delete=models.PROTECT, related_name="memberships")
    estate = models.ForeignKey(Estate, on_delete=models.PROTECT, null=True, blank=True, related_name="memberships")
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.PENDING)
    note = models.CharField(_("申请说明"), max_length=200, blank=True)
    reason = models.CharField(_("审核意见"), max_length=200, blank=True)
    requested_at = models.DateTimeField(_("申请时间"))
    reviewed_at = models.DateTimeField(_("审核时间"), null=True, blank=True)
    reviewed_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    # Seconds from request to review: the input of 新成员审核及时率 (OB-2).
    review_seconds = models.PositiveIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["-requested_at", "-id"]
        verbose_name = _("入驻申请")
        verbose_name_plural = _("入驻申请")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "community"],
                condition=Q(status__in=["pending", "approved"]),
                name="uniq_open_membership",
            ),
        ]
        indexes = [
            models.Index(fields=["community", "status", "requested_at"]),
            # 数据: reviews of the last 30 days (accounts/selectors review_timeliness).
            models.Index(fields=["reviewed_at"], include=["review_seconds", "id"], name="membership_reviewed"),
        ]

    def __str__(self) -> str:
        return f"{self.user} → {self.community} ({self.get_status_display()})"


class RoleGrant(models.Model):
    """One role of one person on one place; covers everything below the place."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="role_grants")
    role = models.CharField(_("角色"), max_length=30, choices=Role.choices)
    # Exactly the deepest non-null place is the grant's place; all null = the
    # whole district (there is one district per deployment).
    subdistrict = models.ForeignKey(Subdistrict, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    community = models.ForeignKey(Community, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    estate = models.ForeignKey(Estate, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    granted_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(_("授予时间"), auto_now_add=True)

    class Meta:
        ordering = ["id"]
        verbose_name = _("角色授权")
        verbose_name_plural = _("角色授权")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "role", "subdistrict", "community", "estate"],
                name="uniq_role_grant",
                nulls_distinct=False,
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_role_display()} @ {self.place_name}"

    @property
    def level(self) -> str:
        if self.estate_id:
            return "estate"
        if self.community_id:
            return "community"
        if self.subdistrict_id:
            return "subdistrict"
        return "district"

    @property
    def place_name(self) -> str:
        if self.estate is not None and self.community is not None:
            return f"{self.community.name}·{self.estate.name}"
        if self.community is not None:
            return self.community.name
        if self.subdistrict is not None:
            return self.subdistrict.name
        return str(_("全区"))


class SmsCode(models.Model):
    """A verification code sent to a phone; stored hashed, single use, short-lived."""

    phone_index = models.CharField(max_length=64, db_index=True)
    purpose = models.CharField(max_length=20, default="register")
    code_hash = models.CharField(max_length=64)
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    attempts = models.PositiveSmallIntegerField(default=0)
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.purpose} code ({self.created_at:%Y-%m-%d %H:%M})"

    @staticmethod
    def hash_code(phone_index: str, code: str) -> str:
        return hashlib.sha256(f"{phone_index}:{code}".encode()).hexdigest()


class ApiToken(models.Model):
    """A scoped token for integrations calling /api/v1 (Authorization: Bearer …)."""

    class Scope(models.TextChoices):
        READ = "read", _("只读")
        WRITE = "write", _("读写")

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(_("名称"), max_length=50)
    prefix = models.CharField(max_length=8, db_index=True)
    key_hash = models.CharField(max_length=64, unique=True)
    scope = models.CharField(_("权限"), max_length=10, choices=Scope.choices, default=Scope.READ)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"


class AuditEvent(AppendOnly, models.Model):
    """Append-only audit log: logins, role changes, clear reads of personal data, exports.

    Rows are never updated or deleted: `save` refuses updates, `delete`
    refuses, and database triggers (migration 0002) refuse UPDATE/DELETE.
    """

    append_only_label = "audit events"

    class Action(models.TextChoices):
        LOGIN = "login", _("登录")
        LOGIN_FAILED = "login_failed", _("登录失败")
        LOGOUT = "logout", _("退出")
        REGISTER = "register", _("注册")
        ROLE_GRANT = "role_grant", _("授予角色")
        ROLE_REVOKE = "role_revoke", _("撤销角色")
        MEMBER_REVIEW = "member_review", _("成员审核")
        REVEAL = "reveal", _("查看敏感信息")
        EXPORT = "export", _("导出数据")
        TOKEN = "api_token", _("接口令牌")
        # Reads of residents' content (issue 12 item 11): one row per opened letter, case, visit,
        # chat, 信箱 item, per 全局信息穿透 search and per list API answer.
        READ = "read", _("查看内容")
        SEARCH = "search", _("信息穿透检索")
        LIST = "list", _("接口列表查询")

    actor = models.ForeignKey(User, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    action = models.CharField(max_length=20, choices=Action.choices)
    target_type = models.CharField(max_length=50, blank=True)
    target_id = models.CharField(max_length=50, blank=True)
    detail = models.JSONField(default=dict, blank=True)
    ip = models.GenericIPAddressField(null=True, blank=True)
    created_at = models.DateTimeField(db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("审计日志")
        verbose_name_plural = _("审计日志")

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.get_action_display()}"


