"""Real-name accounts, memberships, role grants, SMS codes, API tokens and the audit log."""

from __future__ import annotations

import hashlib
from binascii import unhexlify
from typing import Any

from django.contrib.auth.models import AbstractUser, UserManager
from django.db import connections, models, router, transaction
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django_otp.models import Device, ThrottlingMixin, TimestampMixin
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice, default_key

from shequtong.common import clock, crypto, masking
from shequtong.common.fields import EncryptedTextField
from shequtong.common.models import AppendOnly
from shequtong.places.models import Community, Estate, Subdistrict

from . import audit_chain, names
from .roles import Role, Version

# Columns of a user that a page showing them by (masked) name never needs: loading them costs
# an AES-GCM decryption per row and puts clear values in memory for nothing.
PRIVATE_FIELDS = ("id_number", "phone", "password", "real_name", "real_name_grams")


def private_fields_of(*relations: str) -> list[str]:
    """For ``.defer()`` next to ``select_related(relation)``: read on access, from the database, if ever."""
    return [f"{r}__{f}" for r in relations for f in PRIVATE_FIELDS]


class User(AbstractUser):  # type: ignore[django-manager-missing]  # django-otp's untyped Device.user
    """A real-name user. Real name, ID number and phone are encrypted; look-ups use blind indexes.

    The real name is shown as `masked_name` (张*明) and searched through `real_name_grams`
    (accounts/names.py); both are derived from it on every save that writes it.
    """

    class Sex(models.TextChoices):
        MALE = "M", _("男")
        FEMALE = "F", _("女")

    real_name = EncryptedTextField(_("真实姓名"))
    masked_name = models.CharField(_("姓名"), max_length=30, blank=True, default="", editable=False)
    real_name_grams = models.TextField(blank=True, default="", editable=False)
    id_number = EncryptedTextField(_("身份证号码"))
    id_number_index = models.CharField(max_length=64, null=True, blank=True, unique=True, editable=False)
    phone = EncryptedTextField(_("手机号码"))
    phone_index = models.CharField(max_length=64, null=True, blank=True, unique=True, editable=False)
    birth_date = models.DateField(_("出生日期"), null=True, blank=True)
    sex = models.CharField(_("性别"), max_length=1, choices=Sex.choices, blank=True)
    elder_mode = models.BooleanField(_("长辈模式"), default=False)
    # 长辈模式 is offered once to a person aged 60 or more (accounts.services.offers_elder_mode);
    # set when they answer, or when they choose a mode themselves.
    elder_mode_offered = models.BooleanField(_("已询问长辈模式"), default=False)
    active_version = models.CharField(_("当前版本"), max_length=12, choices=Version.choices, blank=True)
    # When the password was last set (staff must change it every STAFF_PASSWORD_MAX_AGE_DAYS,
    # accounts/mfa.py); null for rows written past set_password (the demo seed): date_joined counts.
    password_changed_at = models.DateTimeField(_("密码修改时间"), null=True, blank=True, editable=False)
    # The neighbour's invite code this person registered with (points.InviteCode; rewarded when they join).
    invite_code = models.CharField(_("邀请码"), max_length=12, blank=True, default="", editable=False)
    # The consent to the processing of personal data given at registration (个人信息保护法 art. 14):
    # when, and which version of the privacy notice (accounts/privacy.py) was shown.
    privacy_consent_at = models.DateTimeField(_("同意隐私政策时间"), null=True, blank=True, editable=False)
    privacy_consent_version = models.CharField(_("隐私政策版本"), max_length=20, blank=True, default="", editable=False)
    # Set by whoever chose the password for this person (bootstrap_district, a security
    # administrator's reset): the next sign-in must set a new one (accounts/mfa.py).
    must_change_password = models.BooleanField(_("须修改密码"), default=False, editable=False)

    objects = UserManager()  # type: ignore[misc]

    class Meta:
        ordering = ["id"]
        verbose_name = _("用户")
        verbose_name_plural = _("用户")
        indexes = [
            # 数据 · 宝山用户数据: who signed in within 7/30 days starts from the (few) recent sign-ins.
            models.Index(fields=["last_login"], condition=models.Q(last_login__isnull=False), name="user_last_login"),
        ]

    def __str__(self) -> str:
        return self.display_name

    def set_password(self, raw_password: str | None) -> None:
        super().set_password(raw_password)
        self.password_changed_at = clock.now()

    def save(self, *args: Any, **kwargs: Any) -> None:
        """Keep the masked name and the name indexes in step with the (encrypted) real name."""
        update_fields = kwargs.get("update_fields")
        if "real_name" not in self.get_deferred_fields() and (update_fields is None or "real_name" in update_fields):
            self.real_name, self.masked_name, self.real_name_grams = names.derived(self.real_name)
            if update_fields is not None:
                kwargs["update_fields"] = {*update_fields, "masked_name", "real_name_grams"}
        super().save(*args, **kwargs)

    @property
    def display_name(self) -> str:
        """The masked real name shown on every screen (stored: no decryption to show a list)."""
        return self.masked_name or self.username

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
    # Where in the estate the resident lives, when known (the residents import, operations app).
    building = models.CharField(_("楼号"), max_length=20, blank=True, default="")
    room = models.CharField(_("室号"), max_length=20, blank=True, default="")
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
            # 数据, 观察 and the observer home count with COUNT(*) grouped by community or estate: each of these
            # is answered from the index alone (issue 13: a parallel scan of 800,000 memberships otherwise).
            # Reviews of the last 30 days (新成员审核及时率, the observer's totals).
            models.Index(fields=["reviewed_at"], include=["review_seconds", "id", "community", "estate"],
                         name="membership_reviewed"),
            # Requests waiting for review (a handful among 800,000): the alerts and 待审核.
            models.Index(fields=["requested_at"], include=["community", "estate"], condition=Q(status="pending"),
                         name="membership_pending"),
            # A community's approved residents per estate (观察 and 宝山用户数据 at community level): an index-only
            # scan of its ~10,000 entries instead of a bitmap heap scan of ~6,700 table pages (16 ms at full scale).
            models.Index(fields=["community", "estate"], condition=Q(status="approved"), name="membership_approved"),
        ]

    def __str__(self) -> str:
        return f"{self.user} → {self.community} ({self.get_status_display()})"


class PopulationStat(models.Model):
    """Rollup of approved memberships per community, sex and birth year (数据透视 · 人口画像).

    Kept by ``accounts.population.refresh`` in the transaction of every change of an
    approved membership (review, import, community merge); birth date and sex are fixed
    at registration. Rebuilt nightly by ``rebuild_rollups``. ``birth_year`` 0: not stored.
    """

    community = models.ForeignKey(Community, on_delete=models.CASCADE, related_name="+")
    subdistrict = models.ForeignKey(Subdistrict, on_delete=models.CASCADE, related_name="+")
    sex = models.CharField(max_length=1, blank=True, default="")
    birth_year = models.PositiveSmallIntegerField(default=0)
    people = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("人口画像统计")
        verbose_name_plural = _("人口画像统计")
        constraints = [models.UniqueConstraint(fields=["community", "sex", "birth_year"], name="uniq_population_stat")]

    def __str__(self) -> str:
        return f"{self.community_id} {self.sex} {self.birth_year}: {self.people}"


class PopulationDay(models.Model):
    """Approved memberships per community and birth date: the residents whose birthday decides their age band
    this year are summed from here by date range (an index-only scan), not joined from users.

    Kept with ``PopulationStat`` by ``accounts.population.refresh``; rebuilt nightly. No row without a birth date.
    """

    community = models.ForeignKey(Community, on_delete=models.CASCADE, related_name="+")
    subdistrict = models.ForeignKey(Subdistrict, on_delete=models.CASCADE, related_name="+")
    birth_date = models.DateField()
    people = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("人口画像日统计")
        verbose_name_plural = _("人口画像日统计")
        constraints = [models.UniqueConstraint(fields=["community", "birth_date"], name="uniq_population_day")]
        indexes = [models.Index(fields=["birth_date"], include=["community", "subdistrict", "people"], name="population_day")]

    def __str__(self) -> str:
        return f"{self.community_id} {self.birth_date}: {self.people}"


class MemberDay(models.Model):
    """Per community, estate and local day: the members of 宝山用户数据 (OB-2) as day rows, so a period is a
    sum over a few thousand rows instead of a scan of 800,000 memberships (joined to their users for activity).

    - ``active``: approved members whose last sign-in was on ``day`` (近7天/近30天活跃 sum the last 7/30 days);
    - ``requested``: join requests made on ``day``, whatever became of them (新申请加入, its trend);
    - ``approved``: of those, the ones approved (新通过审核).

    Kept by ``accounts.population.refresh`` (every change of an approved membership), ``refresh_members``
    (a join request, a sign-in); rebuilt nightly by ``rebuild_rollups`` ("member_days"). A day with nothing
    to count has no row.
    """

    community = models.ForeignKey(Community, on_delete=models.CASCADE, related_name="+")
    subdistrict = models.ForeignKey(Subdistrict, on_delete=models.CASCADE, related_name="+")
    estate = models.ForeignKey(Estate, on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    day = models.DateField()
    active = models.PositiveIntegerField(default=0)
    requested = models.PositiveIntegerField(default=0)
    approved = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("居村民日统计")
        verbose_name_plural = _("居村民日统计")
        constraints = [
            models.UniqueConstraint(fields=["community", "estate", "day"], condition=Q(estate__isnull=False),
                                    name="uniq_member_day_estate"),
            models.UniqueConstraint(fields=["community", "day"], condition=Q(estate__isnull=True), name="uniq_member_day"),
        ]
        indexes = [models.Index(fields=["day"], include=["subdistrict", "community", "estate", "active", "requested",
                                                         "approved"], name="member_day")]

    def __str__(self) -> str:
        return f"{self.community_id}/{self.estate_id} {self.day}: {self.active}/{self.requested}/{self.approved}"


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


class AuditEventManager(models.Manager["AuditEvent"]):
    def bulk_create(self, *args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("audit events are chained one at a time: use accounts.audit.record")


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
        MFA_ENROL = "mfa_enrol", _("绑定动态口令")
        MFA_VERIFY = "mfa_verify", _("动态口令验证")
        MFA_FAILED = "mfa_failed", _("动态口令错误")
        MFA_RECOVERY = "mfa_recovery", _("生成恢复码")
        PASSWORD_CHANGE = "password_change", _("修改密码")
        # A record of residents' personal data deleted for good (疫情防控 health archives, issue 15).
        DELETE = "delete", _("删除记录")
        # Issue 20: the administrators' work (operations app).
        IMPORT = "import", _("导入数据")
        ACCOUNT = "account", _("账户管理")
        PLACE = "place", _("辖区调整")
        BOOTSTRAP = "bootstrap", _("初始化区")

    actor = models.ForeignKey(User, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    action = models.CharField(max_length=20, choices=Action.choices)
    target_type = models.CharField(max_length=50, blank=True)
    target_id = models.CharField(max_length=50, blank=True)
    detail = models.JSONField(default=dict, blank=True)
    ip = models.GenericIPAddressField(null=True, blank=True)
    created_at = models.DateTimeField(db_index=True)
    # The hash chain (accounts/audit_chain.py): the previous row's hash and this row's.
    prev_hash = models.CharField(max_length=64, blank=True, default="", editable=False)
    row_hash = models.CharField(max_length=64, blank=True, default="", editable=False)

    objects = AuditEventManager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("审计日志")
        verbose_name_plural = _("审计日志")

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.get_action_display()}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        """Append to the chain: lock it, link to the head, hash, insert (one transaction)."""
        if not self._state.adding:
            super().save(*args, **kwargs)  # AppendOnly refuses
            return
        using = kwargs.get("using") or router.db_for_write(AuditEvent)
        with transaction.atomic(using=using):
            audit_chain.lock_chain(connections[using])
            head = AuditEvent.objects.using(using).order_by("-id").values_list("row_hash", flat=True).first()
            self.prev_hash = head or audit_chain.GENESIS
            self.row_hash = self.computed_hash()
            super().save(*args, **kwargs)

    def computed_hash(self, *, prev_hash: str | None = None) -> str:
        return audit_chain.row_hash(
            prev_hash=self.prev_hash if prev_hash is None else prev_hash,
            actor_id=self.actor_id, action=self.action, target_type=self.target_type,
            target_id=self.target_id, detail=self.detail, ip=self.ip, created_at=self.created_at,
        )


# --- second factor: secrets encrypted at rest (issue 12, MLPS) ------------------------------------

class EncryptedTOTPDevice(TimestampMixin, ThrottlingMixin, Device):
    """django-otp's TOTP device with its secret in an `EncryptedTextField`.

    django-otp's own `otp_totp.TOTPDevice` keeps the hex secret in clear, so a database dump
    would give away every staff member's second factor. This model has the same fields and
    borrows its behaviour (code check, replay guard, drift, throttling, the otpauth:// URL);
    only the key column differs: AES-256-GCM under the personal-data keyring, re-encrypted by
    `manage.py rotate_field_key`. Migration 0010 moved the devices enrolled before it here.
    """

    key = EncryptedTextField(default=default_key, help_text="A hex-encoded secret key of up to 40 bytes.")
    step: models.PositiveSmallIntegerField[int, int] = models.PositiveSmallIntegerField(default=30)
    t0: models.BigIntegerField[int, int] = models.BigIntegerField(default=0)
    digits: models.PositiveSmallIntegerField[int, int] = models.PositiveSmallIntegerField(
        choices=[(6, 6), (8, 8)], default=6)
    tolerance: models.PositiveSmallIntegerField[int, int] = models.PositiveSmallIntegerField(default=1)
    drift: models.SmallIntegerField[int, int] = models.SmallIntegerField(default=0)
    last_t: models.BigIntegerField[int, int] = models.BigIntegerField(default=-1)

    class Meta(Device.Meta):
        verbose_name = _("动态口令设备")
        verbose_name_plural = _("动态口令设备")

    @property
    def bin_key(self) -> bytes:
        return unhexlify((self.key or "").encode())

    # The same code as django-otp's TOTPDevice (they read only the fields above).
    verify_token = TOTPDevice.verify_token
    get_throttle_factor = TOTPDevice.get_throttle_factor
    config_url = TOTPDevice.config_url
    _read_str_from_settings = TOTPDevice._read_str_from_settings


def recovery_code_hash(code: str) -> str:
    """What is stored of a recovery code: a keyed hash (BLIND_INDEX_KEY), 16 hex digits.

    The codes are 40 random bits: an unkeyed hash of one could be reversed by trying them all,
    a keyed one cannot without the key, which is never in the database. Typed codes are
    compared case-insensitively and without spaces.
    """
    return crypto.blind_index("".join((code or "").split()), purpose="recovery_code")[:16]


class RecoveryCodeDevice(StaticDevice):
    """django-otp's static (recovery code) device whose tokens are stored hashed, not in clear."""

    class Meta:
        proxy = True
        verbose_name = _("恢复码")
        verbose_name_plural = _("恢复码")

    def verify_token(self, token: Any) -> bool:
        return bool(super().verify_token(recovery_code_hash(str(token))))
