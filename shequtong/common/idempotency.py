"""Idempotent writes: a repeated request with the same key returns the first result (issue 12, item 14).

A form renders a fresh key in a hidden field (``{% idempotency_field %}``);
an API client sends an ``Idempotency-Key`` header. The write runs in one
transaction with the insert of an ``IdempotencyKey`` row whose (user, action,
key) is unique: of two identical requests at once, the second's insert waits
for the first transaction, then fails the constraint and returns the object
the first one wrote. If the first write fails, its key row rolls back with it
and a retry runs afresh. Keys are honoured for ``WINDOW``; an older key is
reused as a new one (``purge_idempotency_keys`` is not needed for correctness).

Pages: ``perform(request, lambda: ..., once="letters.submit")``.
API: ``idempotent(request, "letters.submit", lambda: ...)``.
A request without a key runs as before.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from typing import Any, TypeVar

from django.apps import apps
from django.db import IntegrityError, models, transaction
from django.db.models import QuerySet
from django.http import HttpRequest

from . import clock, prepared
from .errors import Conflict, ValidationFailed
from .models import IdempotencyKey

T = TypeVar("T")
WINDOW = dt.timedelta(hours=24)
FIELD = "idempotency_key"
HEADER = "Idempotency-Key"
_KEY = re.compile(r"^[A-Za-z0-9_.:-]{8,64}$")


def key_from(request: HttpRequest, *, form: bool = False) -> str:
    """The key a request carries: the ``Idempotency-Key`` header, else (pages) the form's hidden field.

    The API reads the header only: its bodies are JSON, and touching ``request.POST`` would
    parse them as a form (a ``multipart/form-data`` header without a boundary answered 500).
    """
    key = request.headers.get(HEADER, "")
    if not key and form and request.method == "POST":
        key = request.POST.get(FIELD, "")
    return key.strip()


def once(*, actor: Any, key: str, action: str, run: Callable[[], T]) -> T:
    """Run ``run`` once per (actor, action, key); a repeat returns the model instance the first run returned."""
    if not key:
        return run()
    if not _KEY.match(key):
        raise ValidationFailed("幂等键格式不正确：应为 8 到 64 个字母、数字或 - _ . :", field=FIELD)
    with transaction.atomic():
        claimed, row = _claim(actor, action, key)
        if not claimed:
            return _replay(row)
        result = run()
        if isinstance(result, models.Model) and result.pk is not None:
            row.result_type = result._meta.label_lower
            row.result_id = result.pk
            _record_result(row.pk, row.result_type, row.result_id)
        return result


def idempotent(request: HttpRequest, action: str, run: Callable[[], T], *, form: bool = False) -> T:
    return once(actor=request.user, key=key_from(request, form=form), action=action, run=run)


def _claim(actor: Any, action: str, key: str) -> tuple[bool, IdempotencyKey]:
    now = clock.now()
    for _ in range(2):
        try:
            with transaction.atomic():
                return True, prepared.create(IdempotencyKey, user=actor, action=action, key=key, created_at=now)
        except IntegrityError:
            row = IdempotencyKey.objects.select_for_update().get(user=actor, action=action, key=key)
            if row.created_at > now - WINDOW:
                return False, row
            row.delete()  # expired: the key starts over
    raise Conflict("请求重复，请稍后重试")


@prepared.update
def _record_result(row_id: int, result_type: str, result_id: int) -> tuple[QuerySet[IdempotencyKey], dict[str, Any]]:
    return IdempotencyKey.objects.filter(pk=row_id), {"result_type": result_type, "result_id": result_id}


def _replay(row: IdempotencyKey) -> Any:
    if not row.result_type or row.result_id is None:
        return None
    model = apps.get_model(row.result_type)
    return model._default_manager.filter(pk=row.result_id).first()
