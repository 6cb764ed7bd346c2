"""城运中心对接: feed tokens (issue, revoke) and the signed webhook to the centre.

Tokens are issued and revoked by the 系统管理员 only, each an audited act; the clear token is
shown once. The webhook (Standard Webhooks signatures, integrations/webhooks.py) goes through
the outbox, so a centre that is down gets every message later, once:
- ``cityops.summary`` (scheduled every CITYOPS_SUMMARY_SECONDS): the 治慧中心 headline figures;
- ``cityops.notable`` (scheduled every minute): a case that passed 超过6个月未解决 (its overdue
  reminder), and an epidemic warning (体温异常/出现症状/未按时填报), each sent once, keyed by its row.
Nothing is enqueued while CITYOPS_WEBHOOK_URL is empty.

The worker also computes the feeds ahead of time (``cityops.precompute``, every
CITYOPS_PRECOMPUTE_SECONDS): FeedSnapshot rows that the API and the wall serve while fresh.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import json
import logging
import secrets
from typing import Any

from django.conf import settings
from django.db import transaction
from django.http import HttpRequest

from shequtong.accounts import audit, scope
from shequtong.accounts.models import AuditEvent, User
from shequtong.cases.models import OverdueReminder
from shequtong.cases.overdue import Overdue
from shequtong.common import clock, masking
from shequtong.common.errors import NotFound, PermissionRefused, ValidationFailed
from shequtong.epidemic.models import HealthWarning
from shequtong.integrations import webhook_client
from shequtong.integrations.errors import IntegrationError
from shequtong.notifications import outbox
from shequtong.notifications.models import Outbox, ScheduledJob
from shequtong.places.models import Subdistrict

from . import feeds
from .auth import PREFIX, key_hash
from .models import FeedSnapshot, FeedToken

logger = logging.getLogger("shequtong.cityops")
WEBHOOK = "cityops.webhook"
MAX_TOKEN_DAYS = 366
# How far back the notable-event scan looks on its first run (afterwards: since its last run).
FIRST_SCAN = dt.timedelta(hours=1)


def _require_sysadmin(actor: User) -> None:
    if not scope.has_capability(actor, "sysadmin"):
        raise PermissionRefused("只有系统管理员可以管理城运中心接口令牌")


def _clean_ips(raw: str) -> str:
    lines = [line.strip() for line in (raw or "").replace(",", "\n").splitlines() if line.strip()]
    for line in lines:
        try:
            ipaddress.ip_network(line, strict=False)
        except ValueError:
            raise ValidationFailed(f"“{line[:40]}”不是有效的IP地址或网段（如 10.1.2.3 或 10.1.2.0/24）",
                                   field="allowed_ips") from None
    return "\n".join(lines)


def issue_token(*, actor: User, name: str, days: int, subdistrict_id: int | None = None, allowed_ips: str = "",
                request: HttpRequest | None = None) -> tuple[FeedToken, str]:
    """A new feed token; the clear key is returned once, only its keyed hash is stored."""
    _require_sysadmin(actor)
    if getattr(request, "api_token", None) is not None:
        raise PermissionRefused("接口令牌不能用于创建新的令牌")
    name = (name or "").strip()
    if not name:
        raise ValidationFailed("请填写令牌名称", field="name")
    if len(name) > 50:
        raise ValidationFailed("名称不能超过50字", field="name")
    if not 1 <= days <= MAX_TOKEN_DAYS:
        raise ValidationFailed(f"有效期须为1至{MAX_TOKEN_DAYS}天", field="days")
    subdistrict = None
    if subdistrict_id:
        subdistrict = Subdistrict.objects.filter(pk=subdistrict_id).first()
        if subdistrict is None:
            raise ValidationFailed("请选择街镇", field="subdistrict")
    ips = _clean_ips(allowed_ips)
    key = PREFIX + secrets.token_urlsafe(32)
    now = clock.now()
    with transaction.atomic():
        token = FeedToken.objects.create(
            name=name, prefix=key[len(PREFIX):len(PREFIX) + 8], key_hash=key_hash(key), subdistrict=subdistrict,
            allowed_ips=ips, created_by=actor, created_at=now, expires_at=now + dt.timedelta(days=days))
        audit.record(AuditEvent.Action.TOKEN, actor=actor, target=token, request=request, detail={
            "op": "create", "scope": "cityops", "days": days, "subdistrict_id": subdistrict_id,
            "allowed_ips": ips.splitlines()})
    return token, key


def revoke_token(*, actor: User, token_id: int, request: HttpRequest | None = None) -> FeedToken:
    _require_sysadmin(actor)
    with transaction.atomic():
        token = FeedToken.objects.select_for_update().filter(pk=token_id).first()
        if token is None:
            raise NotFound("该令牌不存在")
        if token.revoked_at is None:
            token.revoked_at = clock.now()
            token.save(update_fields=["revoked_at"])
            audit.record(AuditEvent.Action.TOKEN, actor=actor, target=token, request=request,
                         detail={"op": "revoke", "scope": "cityops"})
    return token


# --- the webhook ------------------------------------------------------------------------------

def webhook_enabled() -> bool:
    return bool(settings.CITYOPS_WEBHOOK_URL)


def _enqueue(event: str, data: dict[str, Any], key: str) -> Outbox:
    return outbox.enqueue(kind=WEBHOOK, idempotency_key=f"cityops:{key}",
                          payload={"type": event, "timestamp": clock.now().isoformat(), "data": data})


def push_summary() -> int:
    """Scheduled: the 治慧中心 headline figures, one message per slot."""
    if not webhook_enabled():
        return 0
    data = feeds.overview(feeds.window(1))
    slot = int(clock.now().timestamp()) // max(60, settings.WORKER_SCHEDULE.get("cityops.summary", 900))
    with transaction.atomic():
        _enqueue("cityops.summary", {"headline": data["headline"], "period": data["period"]}, f"summary:{slot}")
    return 1


def push_notable() -> int:
    """Scheduled every minute: cases passing 超过6个月未解决 and epidemic warnings since the last scan."""
    if not webhook_enabled():
        return 0
    now = clock.now()
    job = ScheduledJob.objects.filter(name="cityops.notable").values_list("last_run_at", flat=True).first()
    since = (job or now - FIRST_SCAN) - dt.timedelta(minutes=5)  # overlap: the outbox keys drop repeats
    n = 0
    with transaction.atomic():
        reminders = (OverdueReminder.objects.filter(bucket=Overdue.UNRESOLVED_6M, created_at__gte=since)
                     .select_related("case__subdistrict", "case__community"))
        for r in reminders:
            case = r.case
            _enqueue("cityops.case.unresolved_6m", {
                "case_id": case.pk, "title": masking.mask_text(case.title)[:200], "subdistrict": case.subdistrict.name,
                "community": case.community.name, "created_at": case.created_at.isoformat(),
                "status_label": str(case.get_status_display())}, f"case6m:{r.pk}")
            n += 1
        for w in HealthWarning.objects.filter(created_at__gte=since).select_related("subdistrict", "community"):
            # No person, estate or archive id: which community, what kind, which day.
            _enqueue("cityops.epidemic.warning", {
                "warning_id": w.pk, "kind": w.kind, "kind_label": str(w.get_kind_display()),
                "subdistrict": w.subdistrict.name, "community": w.community.name, "day": w.day.isoformat()},
                f"warning:{w.pk}")
            n += 1
    return n


def deliver_webhook(row: Outbox) -> None:
    """Outbox handler: POST the message, signed; a 5xx or timeout is retried, a 4xx given up."""
    if not webhook_enabled():
        raise outbox.PermanentFailure("未配置城运中心接收地址（CITYOPS_WEBHOOK_URL）")
    body = json.dumps(row.payload, ensure_ascii=False, separators=(",", ":")).encode()
    try:
        webhook_client.post_signed(settings.CITYOPS_WEBHOOK_URL, settings.CITYOPS_WEBHOOK_SECRET, body,
                                   msg_id=f"msg_cityops_{row.pk}", operation="cityops")
    except IntegrationError as exc:
        if exc.retryable:
            raise outbox.RetryLater(str(exc)) from exc
        raise outbox.PermanentFailure(str(exc)) from exc


# --- feeds computed ahead ----------------------------------------------------------------------

# Where the wall's open screens hear that the figures changed (Redis pub/sub; views.wall_stream).
FIGURES_CHANNEL = "shequtong:cityops:figures"


def precompute_feeds() -> int:
    """Scheduled: compute every feed for each period in CITYOPS_PRECOMPUTE_DAYS, district-wide and per
    subdistrict (the places the centre's and the subdistricts' screens read), and store the answers.

    When any figure changed (an ETag), the wall's streams are told to fetch now (with Redis)."""
    places: list[int | None] = [None, *Subdistrict.objects.order_by("id").values_list("pk", flat=True)]
    before = {(f, d, s): e for f, d, s, e in FeedSnapshot.objects.values_list("feed", "days", "subdistrict_id", "etag")}
    n = changed = 0
    for days in settings.CITYOPS_PRECOMPUTE_DAYS:
        for sub in places:
            for name in feeds.FEEDS:
                body, etag = feeds.answer(name, days, sub)
                FeedSnapshot.objects.update_or_create(
                    feed=name, days=days, subdistrict_id=sub or 0,
                    defaults={"body": body.decode(), "etag": etag, "computed_at": clock.now()})
                changed += before.get((name, days, sub or 0)) != etag
                n += 1
    if changed:
        _publish_figures()
    return n


def _publish_figures() -> None:
    if not settings.REDIS_URL:
        return
    try:
        from shequtong.chats.live import _client

        _client(settings.REDIS_URL).publish(FIGURES_CHANNEL, "1")
    except Exception:  # noqa: BLE001 - the screens still poll every refresh period
        logger.warning("could not tell the wall that the figures changed", exc_info=True)
