"""Reads of the delivery log: the system administrators' 投递日志, and one escalation's attempts on a case page."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import Q, QuerySet

from shequtong.accounts import scope
from shequtong.accounts.models import User
from shequtong.common import clock
from shequtong.common.errors import PermissionRefused

from . import outbox
from .delivery_log import KIND_LABELS, kind_label
from .errors import NotificationError
from .models import DeliveryAttempt, Outbox

ESCALATION_ATTEMPTS_SHOWN = 20


@dataclass(frozen=True)
class LogFilter:
    kind: str = ""
    result: str = ""
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    outbox_id: int | None = None

    @classmethod
    def from_query(cls, params: Any) -> LogFilter:
        kind = (params.get("kind") or "").strip()
        result = params.get("result") or ""
        outbox_id = params.get("outbox") or ""
        return cls(
            kind=kind if kind in kind_choices_dict() else "",
            result=result if result in DeliveryAttempt.Result.values else "",
            date_from=_date(params.get("date_from")), date_to=_date(params.get("date_to")),
            outbox_id=int(outbox_id) if outbox_id.isdigit() else None,
        )

    @property
    def active(self) -> bool:
        return any(v not in ("", None) for v in self.__dict__.values())


def _date(value: str | None) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value) if value else None
    except ValueError:
        return None


def kind_choices() -> list[tuple[str, str]]:
    """Every kind the log can hold: the outbox's registered kinds and the outside operations."""
    kinds = set(KIND_LABELS) | set(outbox.registered_kinds())
    return sorted(((k, kind_label(k)) for k in kinds), key=lambda kv: (kv[0] not in KIND_LABELS, kv[0]))


def kind_choices_dict() -> dict[str, str]:
    return dict(kind_choices())


def delivery_log(user: User, f: LogFilter | None = None) -> QuerySet[DeliveryAttempt]:
    """Every attempt, newest first; for system administrators only (the log spans the whole platform)."""
    if not scope.has_capability(user, "sysadmin"):
        raise PermissionRefused("只有系统管理员可以查看投递日志", code=NotificationError.SYSADMIN_ONLY)
    f = f or LogFilter()
    qs = DeliveryAttempt.objects.select_related("outbox").order_by("-created_at", "-id")
    if f.kind:
        qs = qs.filter(kind=f.kind)
    if f.result:
        qs = qs.filter(result=f.result)
    qs = clock.within_days(qs, f.date_from, f.date_to)
    if f.outbox_id:
        qs = qs.filter(outbox_id=f.outbox_id)
    return qs


def outbox_summary(user: User) -> dict[str, int]:
    """Rows waiting and rows given up (indexed counts on the outbox's status)."""
    if not scope.has_capability(user, "sysadmin"):
        raise PermissionRefused("只有系统管理员可以查看投递日志", code=NotificationError.SYSADMIN_ONLY)
    return {
        "pending": Outbox.objects.filter(status=Outbox.Status.PENDING).count(),
        "dead": Outbox.objects.filter(status=Outbox.Status.DEAD).count(),
    }


def escalation_attempts(*, idempotency_key: str, external_id: str = "",
                        limit: int = ESCALATION_ATTEMPTS_SHOWN) -> list[DeliveryAttempt]:
    """An escalation's submit attempts and the polls of its grid request, newest first.

    The caller has already decided that the viewer may see the case.
    """
    if not idempotency_key:
        return []
    q = Q(reference=idempotency_key, outbox__isnull=False)
    if external_id:
        q |= Q(reference=external_id, kind="grid.fetch")
    return list(DeliveryAttempt.objects.filter(q).order_by("-created_at", "-id")[:limit])
