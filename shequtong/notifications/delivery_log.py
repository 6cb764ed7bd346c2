"""The delivery log: every attempt at a system we do not run, with its latency and the start of its answer.

Outbox deliveries are written by `outbox.deliver_one` (one row per attempt).
Calls made outside a delivery — the grid poll (`grid.fetch`), the updates
feed (`grid.updates`), a verification SMS — reach `record_exchange`, which
the app registers as a sink of `integrations.exchange`. Those standalone rows
are many (a poll per escalated case every few minutes), so successful ones
are pruned after settings.DELIVERY_LOG_RETENTION_DAYS; failures and outbox
attempts stay.
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db import transaction

from shequtong.common import clock
from shequtong.integrations.exchange import Exchange

from .models import DeliveryAttempt

# What staff read instead of the code names (kinds of outbox rows and outside operations).
KIND_LABELS: dict[str, str] = {
    "grid.submit": "上报网格化",
    "grid.fetch": "查询网格化工单",
    "grid.updates": "同步网格化进度",
    "grid.token": "查询网格化工单号",
    "grid.services": "网格化服务目录",
    "push": "提醒分发",
    "email": "邮件",
    "sms": "短信",
    "wechat": "微信",
    "wechat.token": "微信接口令牌",
}


def kind_label(kind: str) -> str:
    return KIND_LABELS.get(kind, kind)


def record_exchange(ex: Exchange) -> DeliveryAttempt:
    """Sink of integrations.exchange: a call made outside an outbox delivery becomes a standalone row."""
    # A savepoint: if the insert fails, the caller's transaction is not poisoned.
    with transaction.atomic():
        return DeliveryAttempt.objects.create(
            outbox=None, kind=ex.operation[:40], reference=ex.reference[:120], attempt=1, ok=ex.ok,
            result=DeliveryAttempt.Result.OK if ex.ok else DeliveryAttempt.Result.FAILED,
            latency_ms=ex.latency_ms, response_excerpt=ex.excerpt[:500],
            error="" if ex.ok else ex.excerpt[:2000], created_at=clock.now(),
        )


def prune() -> int:
    """Scheduled job: forget successful standalone calls older than the retention period."""
    days = int(getattr(settings, "DELIVERY_LOG_RETENTION_DAYS", 30))
    horizon = clock.now() - timedelta(days=days)
    deleted, _ = DeliveryAttempt.objects.filter(outbox__isnull=True, ok=True, created_at__lt=horizon).delete()
    return deleted
