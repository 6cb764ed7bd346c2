"""Telling the system administrators when an outbox row keeps failing, and when it is given up.

After settings.OUTBOX_ALERT_AFTER_ATTEMPTS consecutive failed attempts of one
row, every active system administrator gets a 信箱 message and the log a
WARNING line with the row's id and kind; giving a row up alerts once more.
An `OutboxAlert` row per (outbox row, reason), unique in the database, makes
each alert go out once, whatever the number of workers.

Alerts go to 信箱 only, never through the outbox: an alert about a failing
channel must not queue more messages on that channel.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.db import IntegrityError, transaction
from django.urls import reverse

from shequtong.accounts.models import User
from shequtong.accounts.roles import roles_with
from shequtong.common import clock
from shequtong.inbox.services import send_system_message
from shequtong.integrations.exchange import redact

from .delivery_log import kind_label
from .models import Outbox, OutboxAlert

logger = logging.getLogger("shequtong.outbox")


def threshold() -> int:
    return max(1, int(getattr(settings, "OUTBOX_ALERT_AFTER_ATTEMPTS", 5)))


def sysadmins() -> list[User]:
    return list(User.objects.filter(is_active=True, role_grants__role__in=sorted(roles_with("sysadmin")))
                .distinct().order_by("id"))


def after_failure(row: Outbox, *, gave_up: bool) -> OutboxAlert | None:
    """Called in the transaction that records a failed attempt; alerts when a threshold is reached."""
    # Every attempt since the row was (re)queued failed: a delivered row is never tried again.
    failures = row.attempts
    if gave_up:
        reason = OutboxAlert.Reason.GAVE_UP
    elif failures >= threshold():
        reason = OutboxAlert.Reason.FAILING
    else:
        return None
    if OutboxAlert.objects.filter(outbox=row, reason=reason).exists():
        return None
    try:
        with transaction.atomic():
            alert = OutboxAlert.objects.create(outbox=row, reason=reason, failures=failures, created_at=clock.now())
    except IntegrityError:  # another worker alerted first
        return None
    _tell(row, alert)
    return alert


def _tell(row: Outbox, alert: OutboxAlert) -> None:
    label = kind_label(row.kind)
    error = redact(row.last_error)[:300]
    if alert.reason == OutboxAlert.Reason.GAVE_UP:
        logger.warning("outbox row %s (%s) given up after %s attempts: %s", row.pk, row.kind, alert.failures, error)
        subject = f"投递告警：{label}已放弃投递（#{row.pk}）"
        body = (f"待发消息 #{row.pk}（{label}，{row.kind}）尝试{alert.failures}次后已放弃投递。\n最近错误：{error}\n"
                "排除故障后可在管理后台重新投递。")
    else:
        logger.warning("outbox row %s (%s) failed %s times in a row: %s", row.pk, row.kind, alert.failures, error)
        subject = f"投递告警：{label}连续{alert.failures}次投递失败（#{row.pk}）"
        body = (f"待发消息 #{row.pk}（{label}，{row.kind}）已连续{alert.failures}次投递失败，系统仍在按退避策略重试。\n"
                f"最近错误：{error}")
    link = reverse("notifications:log") + f"?outbox={row.pk}"
    for user in sysadmins():
        send_system_message(recipient=user, subject=subject, body=body, link=link)
