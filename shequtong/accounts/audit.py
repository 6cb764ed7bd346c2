"""Writing the append-only audit log."""

from __future__ import annotations

from typing import Any

from django.db.models import Model
from django.http import HttpRequest

from shequtong.common import clock
from shequtong.common.clientip import client_ip as _real_client_ip

from .models import AuditEvent, User


def client_ip(request: HttpRequest | None) -> str | None:
    """The real client address behind our proxy (common/clientip.py), not the proxy's."""
    return _real_client_ip(request)


def record(
    action: str,
    *,
    actor: User | None = None,
    target: Model | None = None,
    detail: dict[str, Any] | None = None,
    request: HttpRequest | None = None,
) -> AuditEvent:
    target_type = target_id = ""
    if target is not None:
        target_type = target._meta.label_lower
        target_id = str(target.pk)
    return AuditEvent.objects.create(
        actor=actor if actor is not None and getattr(actor, "is_authenticated", False) else None,
        action=action,
        target_type=target_type,
        target_id=target_id,
        detail=detail or {},
        ip=client_ip(request),
        created_at=clock.now(),
    )


def record_read(
    action: str = AuditEvent.Action.READ,
    *,
    actor: User,
    target: Model | None = None,
    detail: dict[str, Any] | None = None,
    request: HttpRequest | None = None,
) -> None:
    """Who opened what, from where: exactly one INSERT, no read (hot detail pages call this).

    The detail may carry what a client typed (a query string, a search keyword): NULs, which
    PostgreSQL's jsonb refuses, are dropped and long values cut, so an odd query never turns a
    read into a 500.
    """
    record(action, actor=actor, target=target, detail=_clean(detail or {}), request=request)


def _clean(value: Any) -> Any:
    if isinstance(value, str):
        return value.replace("\x00", "")[:200]
    if isinstance(value, dict):
        return {str(k)[:50]: _clean(v) for k, v in list(value.items())[:20]}
    if isinstance(value, list | tuple):
        return [_clean(v) for v in value[:20]]
    return value
