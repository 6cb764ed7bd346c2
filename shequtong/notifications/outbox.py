"""Writing to the outbox and delivering it (the worker calls `deliver_due`).

Services call `enqueue(...)` inside their own transaction. Delivery claims a
row with one conditional UPDATE (a lease: `next_attempt_at` moves into the
future and `attempts` goes up), calls the kind's handler outside any
transaction, then records the outcome. A worker that dies mid-delivery
leaves the lease to expire and the row is tried again; handlers must
therefore be idempotent (the grid deduplicates on the idempotency key).
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import F

from shequtong.common import clock
from shequtong.integrations import exchange

from . import alerts
from .models import DeliveryAttempt, Outbox

logger = logging.getLogger("shequtong.outbox")


def lease() -> timedelta:
    """How long a claimed row is not handed to another worker (settings.OUTBOX_LEASE_SECONDS)."""
    return timedelta(seconds=float(getattr(settings, "OUTBOX_LEASE_SECONDS", 300)))

_jitter = random.SystemRandom()


class RetryLater(Exception):
    """The receiver is unavailable: try again after a backoff."""


class PermanentFailure(Exception):
    """The receiver refused the message for good: do not try again."""


@dataclass(frozen=True)
class Handler:
    # May return a short receipt (a message id) for the delivery log.
    deliver: Callable[[Outbox], object]
    # Called once, in a transaction, when a row is given up (refused or out of attempts).
    on_dead: Callable[[Outbox], None] | None = None


_HANDLERS: dict[str, Handler] = {}


def register(kind: str, deliver: Callable[[Outbox], object], on_dead: Callable[[Outbox], None] | None = None) -> None:
    _HANDLERS[kind] = Handler(deliver=deliver, on_dead=on_dead)


def registered_kinds() -> list[str]:
    return sorted(_HANDLERS)


def enqueue(*, kind: str, payload: dict[str, Any], idempotency_key: str) -> Outbox:
    """Add a message; call inside the transaction of the change that causes it.

    Enqueueing the same key twice returns the first row unchanged.
    """
    now = clock.now()
    row, _ = Outbox.objects.get_or_create(
        idempotency_key=idempotency_key[:120],
        defaults={"kind": kind, "payload": payload, "next_attempt_at": now, "created_at": now},
    )
    return row


def backoff(attempts: int) -> timedelta:
    """Exponential backoff with ±50% jitter, capped (so a long outage is retried at a steady pace)."""
    base: float = settings.OUTBOX_BACKOFF_BASE_SECONDS
    cap: float = settings.OUTBOX_BACKOFF_MAX_SECONDS
    delay = min(cap, base * (2 ** max(0, attempts - 1)))
    return timedelta(seconds=delay * _jitter.uniform(0.5, 1.5))


def _claim(pk: int) -> Outbox | None:
    now = clock.now()
    claimed = Outbox.objects.filter(pk=pk, status=Outbox.Status.PENDING, next_attempt_at__lte=now).update(
        next_attempt_at=now + lease(), attempts=F("attempts") + 1
    )
    if claimed != 1:
        return None  # another worker has it, or it was delivered meanwhile
    return Outbox.objects.get(pk=pk)


def deliver_one(row: Outbox) -> bool:
    """Deliver a claimed row; record the attempt (latency, the answer's start) and alert on repeated failure.

    True if delivered.
    """
    handler = _HANDLERS.get(row.kind)
    error = ""
    permanent = False
    receipt: object = None
    started = time.monotonic()
    with exchange.capture() as calls:
        if handler is None:
            error, permanent = f"no handler for kind {row.kind!r}", True
        else:
            try:
                receipt = handler.deliver(row)
            except PermanentFailure as exc:
                error, permanent = str(exc) or exc.__class__.__name__, True
            except RetryLater as exc:
                error = str(exc) or exc.__class__.__name__
            except Exception as exc:  # a bug or an unexpected reply: keep the message and retry
                logger.exception("outbox %s delivery failed", row.pk)
                error = f"{exc.__class__.__name__}: {exc}"
    elapsed_ms = round((time.monotonic() - started) * 1000)
    now = clock.now()
    gave_up = bool(error) and (permanent or row.attempts >= settings.OUTBOX_MAX_ATTEMPTS)
    with transaction.atomic():
        DeliveryAttempt.objects.create(
            outbox=row, kind=row.kind[:40], reference=row.idempotency_key[:120], attempt=row.attempts, ok=not error,
            result=(DeliveryAttempt.Result.GAVE_UP if gave_up else DeliveryAttempt.Result.FAILED) if error
            else DeliveryAttempt.Result.OK,
            # The outside's own time when the adapter timed its calls; else the whole handler's.
            latency_ms=sum(c.latency_ms for c in calls) if calls else elapsed_ms,
            response_excerpt=_excerpt(calls, error, receipt), error=error[:2000], created_at=now,
        )
        if not error:
            row.status = Outbox.Status.DELIVERED
            row.delivered_at = now
            row.last_error = ""
            row.save(update_fields=["status", "delivered_at", "last_error"])
            return True
        row.last_error = error[:2000]
        if gave_up:
            row.status = Outbox.Status.DEAD
            row.save(update_fields=["status", "last_error"])
            if handler is not None and handler.on_dead is not None:
                handler.on_dead(row)
        else:
            row.next_attempt_at = now + backoff(row.attempts)
            row.save(update_fields=["next_attempt_at", "last_error"])
        alerts.after_failure(row, gave_up=gave_up)
    return False


def _excerpt(calls: list[exchange.Exchange], error: str, receipt: object) -> str:
    """The start of the outside's answer (the failing call's when there is one), else the error or the receipt."""
    failed = [c for c in calls if not c.ok]
    chosen = failed[-1] if failed else (calls[-1] if calls else None)
    if chosen is not None and chosen.excerpt:
        text = chosen.excerpt
    elif error:
        text = error
    else:
        text = receipt if isinstance(receipt, str) else ""
    return exchange.redact(text)[: exchange.EXCERPT_MAX]


def deliver_due(limit: int = 100) -> int:
    """Deliver rows that are due; return how many were delivered."""
    now = clock.now()
    ids = list(
        Outbox.objects.filter(status=Outbox.Status.PENDING, next_attempt_at__lte=now)
        .order_by("next_attempt_at", "id")
        .values_list("id", flat=True)[:limit]
    )
    delivered = 0
    for pk in ids:
        row = _claim(pk)
        if row is not None and deliver_one(row):
            delivered += 1
    return delivered


def report_lost(row: Outbox, error: str) -> None:
    """A delivered row whose receiver later lost it, and that will not be sent again: give it up after the fact.

    Call inside the caller's transaction. The delivery log gets a "gave up"
    attempt with the reason, the row turns dead (the dashboard counts it), and
    the system administrators are alerted once, as for any given-up row.
    """
    now = clock.now()
    row.status = Outbox.Status.DEAD
    row.last_error = error[:2000]
    row.save(update_fields=["status", "last_error"])
    DeliveryAttempt.objects.create(
        outbox=row, kind=row.kind[:40], reference=row.idempotency_key[:120], attempt=row.attempts, ok=False,
        result=DeliveryAttempt.Result.GAVE_UP, latency_ms=0, response_excerpt=exchange.redact(error)[: exchange.EXCERPT_MAX],
        error=error[:2000], created_at=now,
    )
    alerts.after_failure(row, gave_up=True)


def requeue(row: Outbox) -> None:
    """Give a dead row another round of attempts (admin action after an outage or a fix)."""
    Outbox.objects.filter(pk=row.pk).update(
        status=Outbox.Status.PENDING, attempts=0, next_attempt_at=clock.now(), last_error=""
    )
