"""Results coming back from the grid: the signed callback and the updates feed (CT-8).

Both paths end in cases.services.apply_grid_status, the cases app's one way
of recording what the grid says; polling each case (cases.services.poll_grid,
which calls gateway.fetch) is the third path and needs nothing from here.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction

from shequtong.cases import services as case_services
from shequtong.cases.models import Case
from shequtong.common import clock
from shequtong.common.errors import Conflict, PermissionRefused, ValidationFailed
from shequtong.integrations import webhooks
from shequtong.integrations.open311_client import (
    GridUpdate,
    Open311GridGateway,
    client_from_settings,
)

from .errors import Open311Error
from .models import SyncCursor, WebhookReceipt

logger = logging.getLogger("shequtong.open311")

APPLIED = "applied"
DUPLICATE = "duplicate"
UPDATES_CURSOR = "grid_updates"
# Read the feed again a little before where the last read ended: clocks of two
# systems differ, and applying an update twice is harmless.
FEED_OVERLAP = timedelta(minutes=2)
FEED_FIRST_LOOKBACK = timedelta(days=1)


def _case_id_for(external_id: str) -> int | None:
    if not external_id:
        return None
    return Case.objects.filter(external_id=external_id).values_list("id", flat=True).order_by("-id").first()


def apply_update(update: GridUpdate) -> bool:
    """Record one grid update on its case; False when no case carries that request id (yet)."""
    case_id = _case_id_for(update.external_id)
    if case_id is None:
        return False
    case_services.apply_grid_status(case_id=case_id, status=update.as_status())
    return True


def receive_callback(*, headers: Mapping[str, str], body: bytes) -> str:
    """Verify, deduplicate and apply a pushed grid update; return APPLIED or DUPLICATE.

    Raises PermissionRefused for a forged, stale or replayed-out-of-window
    message, ValidationFailed for a body that is not an update, and Conflict
    when no case carries the request id yet (the grid retries later: our
    worker may not have recorded the receipt of the escalation yet).
    """
    secret = settings.GRID_WEBHOOK_SECRET
    if not secret:
        raise PermissionRefused("未配置网格化回调密钥", code=Open311Error.WEBHOOK_DISABLED)
    try:
        msg_id = webhooks.verify(secret, headers, body, now=clock.now().timestamp())
    except webhooks.WebhookVerificationError as exc:
        logger.warning("grid callback refused: %s", exc)
        raise PermissionRefused("回调签名无效或已过期", code=Open311Error.BAD_SIGNATURE) from exc
    try:
        data = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise ValidationFailed("回调内容不是有效的JSON", code=Open311Error.BAD_BODY) from exc
    if not isinstance(data, dict) or not data.get("service_request_id"):
        raise ValidationFailed("回调内容缺少 service_request_id", code=Open311Error.BAD_BODY)
    update = GridUpdate.from_open311(data)
    with transaction.atomic():
        try:
            with transaction.atomic():
                WebhookReceipt.objects.create(webhook_id=msg_id[:120], external_id=update.external_id[:60],
                                              status=update.status, received_at=clock.now())
        except IntegrityError:
            return DUPLICATE
        if not apply_update(update):
            # Rolls the receipt back too, so the grid's retry is processed.
            raise Conflict("未找到对应的网格化工单", code=Open311Error.UNKNOWN_REQUEST)
    return APPLIED


def pull_updates() -> int:
    """Scheduled job: read the grid's updates feed since the last read and apply it; return updates applied."""
    if settings.GRID_GATEWAY != f"{Open311GridGateway.__module__}.{Open311GridGateway.__qualname__}":
        return 0
    now = clock.now()
    cursor, _ = SyncCursor.objects.get_or_create(name=UPDATES_CURSOR, defaults={"position": now - FEED_FIRST_LOOKBACK})
    updates = client_from_settings().updates(cursor.position - FEED_OVERLAP, now)
    applied = sum(1 for u in updates if apply_update(u))
    SyncCursor.objects.filter(pk=cursor.pk).update(position=now)
    return applied


def prune_receipts() -> int:
    """Scheduled job: forget callback ids older than twice the replay window."""
    horizon = clock.now() - timedelta(seconds=2 * webhooks.TOLERANCE_SECONDS)
    deleted, _ = WebhookReceipt.objects.filter(received_at__lt=horizon).delete()
    return deleted
