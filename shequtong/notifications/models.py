"""Outbox, delivery log, alerts, scheduled-job state and channel preferences.

The outbox makes "state change + the messages it causes" one transaction
(ARCHITECTURE rule 3): a service writes an `Outbox` row next to its own
change; the `worker` command delivers it later with retries, exponential
backoff and jitter. An external system being down never loses a message.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from shequtong.integrations.exchange import redact


class Outbox(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", _("待投递")
        DELIVERED = "delivered", _("已投递")
        DEAD = "dead", _("投递失败")

    kind = models.CharField(_("类型"), max_length=40)
    payload = models.JSONField(_("内容"), default=dict)
    # One per logical message: enqueueing twice with the same key is a no-op,
    # and receivers that support it (the grid) deduplicate on it too.
    idempotency_key = models.CharField(_("幂等键"), max_length=120, unique=True)
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveIntegerField(_("尝试次数"), default=0)
    next_attempt_at = models.DateTimeField(_("下次尝试"))
    delivered_at = models.DateTimeField(_("投递时间"), null=True, blank=True)
    last_error = models.TextField(_("最近错误"), blank=True)
    created_at = models.DateTimeField(_("创建时间"))

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("待发消息")
        verbose_name_plural = _("待发消息")
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="outbox_due")]

    def __str__(self) -> str:
        return f"{self.kind} {self.idempotency_key} ({self.get_status_display()})"

    @property
    def last_error_excerpt(self) -> str:
        """The last error as staff may read it: secrets removed, personal data masked."""
        return redact(self.last_error)[:500]


class DeliveryAttempt(models.Model):
    """One try at delivering an outbox row, or one call to an outside system (the delivery log).

    An outbox delivery has its row (`outbox`) and its number (`attempt`); a
    call made outside a delivery (the grid poll and updates feed, a
    verification SMS) has no row. `latency_ms` is the time the outside took
    to answer; `response_excerpt` the start of its answer or of the error,
    with secrets removed and personal data masked before it is stored.
    """

    class Result(models.TextChoices):
        OK = "ok", _("成功")
        FAILED = "failed", _("失败")
        GAVE_UP = "gave_up", _("失败，已放弃")

    outbox = models.ForeignKey(Outbox, on_delete=models.CASCADE, related_name="log", null=True, blank=True)
    # The outbox row's kind ("grid.submit", "email", …) or the operation ("grid.fetch", "grid.updates", "sms").
    kind = models.CharField(_("类型"), max_length=40, blank=True)
    # What it was about: the row's idempotency key, a grid request id, a masked phone.
    reference = models.CharField(_("对象"), max_length=120, blank=True)
    attempt = models.PositiveIntegerField(default=1)
    ok = models.BooleanField(default=False)
    result = models.CharField(_("结果"), max_length=10, choices=Result.choices, default=Result.OK)
    latency_ms = models.PositiveIntegerField(_("耗时（毫秒）"), null=True, blank=True)
    response_excerpt = models.CharField(_("响应摘要"), max_length=500, blank=True)
    error = models.TextField(blank=True)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["outbox_id", "attempt", "id"]
        verbose_name = _("投递记录")
        verbose_name_plural = _("投递记录")
        indexes = [
            models.Index(fields=["-created_at", "-id"], name="attempt_recent"),
            models.Index(fields=["kind", "-created_at"], name="attempt_kind"),
            models.Index(fields=["reference", "-created_at"], name="attempt_reference"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} #{self.outbox_id or '-'} attempt {self.attempt}: {'ok' if self.ok else self.error[:40]}"

    @property
    def kind_label(self) -> str:
        from .delivery_log import kind_label

        return kind_label(self.kind)

    @property
    def summary(self) -> str:
        """The answer or the error in Chinese words for officials (the raw text is the excerpt)."""
        from .delivery_log import describe

        return describe(self)

    @property
    def excerpt(self) -> str:
        """What to show: the answer's start, or the error (older rows have only the error); redacted again."""
        return redact(self.response_excerpt or self.error)[:500]


class OutboxAlert(models.Model):
    """That the system administrators were told about a failing outbox row; once per row and reason."""

    class Reason(models.TextChoices):
        FAILING = "failing", _("连续投递失败")
        GAVE_UP = "gave_up", _("已放弃投递")

    outbox = models.ForeignKey(Outbox, on_delete=models.CASCADE, related_name="alerts")
    reason = models.CharField(max_length=10, choices=Reason.choices)
    # The consecutive failures counted when the alert went out (the threshold, or the attempts at giving up).
    failures = models.PositiveIntegerField()
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("投递告警")
        verbose_name_plural = _("投递告警")
        constraints = [models.UniqueConstraint(fields=["outbox", "reason"], name="uniq_outbox_alert")]

    def __str__(self) -> str:
        return f"#{self.outbox_id} {self.reason} after {self.failures}"


class ScheduledJob(models.Model):
    """When each periodic job last ran and runs next; shared by all worker processes."""

    name = models.CharField(max_length=60, unique=True)
    next_run_at = models.DateTimeField()
    last_run_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    # Counted by every worker (the Prometheus metrics read them: shequtong_job_runs_total).
    runs = models.PositiveBigIntegerField(default=0)
    failures = models.PositiveBigIntegerField(default=0)

    class Meta:
        ordering = ["name"]
        verbose_name = _("定时任务")
        verbose_name_plural = _("定时任务")

    def __str__(self) -> str:
        return self.name


class WorkerHeartbeat(models.Model):
    """A worker process says it is alive (readiness check /readyz, metric shequtong_worker_heartbeat_age_seconds).

    One row per worker (host and pid), refreshed every WORKER_HEARTBEAT_SECONDS
    while it runs; a row not refreshed for WORKER_HEARTBEAT_MAX_AGE_SECONDS
    means that worker is gone (rows of long-gone workers are pruned by the others).
    """

    worker = models.CharField(max_length=120, unique=True)
    started_at = models.DateTimeField()
    beat_at = models.DateTimeField()
    beats = models.PositiveBigIntegerField(default=0)

    class Meta:
        ordering = ["-beat_at"]
        verbose_name = _("后台进程心跳")
        verbose_name_plural = _("后台进程心跳")

    def __str__(self) -> str:
        return f"{self.worker} @ {self.beat_at:%Y-%m-%d %H:%M:%S}"


class ChannelPreference(models.Model):
    """Which channels besides 信箱 a person accepts messages on (NF-6); no row means the defaults.

    信箱 is always on. E-mail and WeChat are on by default wherever the
    person has an address (an e-mail, a bound WeChat); SMS costs money per
    message and is opt-in.
    """

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, primary_key=True,
                                related_name="channel_preference")
    email = models.BooleanField(_("邮件"), default=True)
    sms = models.BooleanField(_("短信"), default=False)
    wechat = models.BooleanField(_("微信"), default=True)
    # Set by the WeChat binding (OAuth on the official account); empty: not bound.
    wechat_openid = models.CharField(max_length=64, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("通知方式")
        verbose_name_plural = _("通知方式")

    def __str__(self) -> str:
        return f"{self.user_id}: email={self.email} sms={self.sms} wechat={self.wechat}"
