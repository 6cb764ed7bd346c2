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

import json
import re
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


# The outside systems' own states, as officials read them (Open311 statuses, our outbox states).
STATE_LABELS: dict[str, str] = {
    "open": "已受理", "accepted": "已受理", "submitted": "已提交", "in_progress": "处理中", "processing": "处理中",
    "assigned": "已派单", "closed": "已办结", "resolved": "已办结", "done": "已办结", "rejected": "被退回",
    "cancelled": "已撤销", "canceled": "已撤销", "pending": "待处理", "sent": "已发送", "delivered": "已送达",
    "failed": "失败", "dead": "已放弃",
}

# (pattern in the raw error or answer, what an official reads); the first match wins.
ERROR_LABELS: tuple[tuple[re.Pattern[str], str], ...] = tuple((re.compile(p, re.IGNORECASE), label) for p, label in (
    (r"not configured|未配置", "接口尚未配置"),
    (r"connection refused|ECONNREFUSED", "对方系统拒绝连接（可能未启动或正在维护）"),
    (r"timed? ?out|timeout|TimeoutError", "对方系统响应超时"),
    (r"name or service not known|nodename nor servname|getaddrinfo|Temporary failure in name resolution",
     "找不到对方服务器地址"),
    (r"unreachable|no route to host|network is down", "网络不通，无法连接对方系统"),
    (r"ssl|certificate", "安全连接（证书）校验失败"),
    (r"HTTP 429", "请求过于频繁，对方系统暂时拒绝"),
    (r"HTTP 40[13]|unauthori[sz]ed|forbidden|invalid (api )?key|invalid token", "接口认证失败（密钥或令牌无效）"),
    (r"HTTP 404|unknown request|not found", "对方系统找不到该记录"),
    (r"HTTP 4\d\d|rejected|GridRejected|SmsRejected", "对方系统拒收（内容或参数不符合要求）"),
    (r"HTTP 5\d\d", "对方系统内部出错"),
    (r"not JSON|unexpected answer|no request id|not yet assigned", "对方系统返回了无法识别的内容"),
    (r"GridUnavailable", "网格化系统暂时无法使用"),
    (r"SmsUnavailable|SmsDeliveryError", "短信平台暂时无法使用"),
    (r"SMTP|EmailDeliveryError", "邮件服务器无法投递"),
    (r"WeChat", "微信接口暂时无法使用"),
))

_FAILED = "投递失败"


def state_label(state: str) -> str:
    """An outside system's state word in Chinese (the raw word itself stays in 技术详情)."""
    return STATE_LABELS.get(state.strip().lower(), "")


def _answer_state(text: str) -> str:
    """The state named in a JSON answer (``{"status": "open"}`` or ``[{"status": ...}]``), if any."""
    try:
        data = json.loads(text)
    except ValueError:
        match = re.search(r'"status"\s*:\s*"([A-Za-z_]+)"', text)  # a cut-off answer (the excerpt is 500 chars)
        return match.group(1) if match else ""
    if isinstance(data, list) and data and isinstance(data[0], dict):
        data = data[0]
    return str(data.get("status", "")) if isinstance(data, dict) else ""


def describe(attempt: DeliveryAttempt) -> str:
    """One Chinese sentence for an attempt: what the outside answered, or why it failed.

    The raw answer or error (JSON, English exception text) is never the sentence;
    the page shows it folded under 技术详情.
    """
    text = attempt.excerpt
    if attempt.ok:
        state = state_label(_answer_state(text)) if text else ""
        return f"对方已接收，状态：{state}" if state else "对方已接收"
    raw = f"{text} {attempt.error}"
    for pattern, label in ERROR_LABELS:
        if pattern.search(raw):
            return label
    return _FAILED


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
