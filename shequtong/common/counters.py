"""Rollup counters: add to a row, creating it when missing, safe when two requests race.

Every rollup (per-community residents, letters per day and category, ratings,
visits) goes through `increment`, so observer pages can read counters instead
of COUNT(*) and concurrent writers never collide on the first row of a key.
"""

from __future__ import annotations

from typing import Any

from django.db import IntegrityError, models, transaction
from django.db.models import F


def increment(model: type[models.Model], *, keys: dict[str, Any], deltas: dict[str, int],
              defaults: dict[str, Any] | None = None) -> None:
    """Add `deltas` to the row of `model` identified by `keys` (a unique key).

    Call inside the transaction of the change being counted. When the row does
    not exist yet it is created with the deltas as its values (clamped at 0);
    if another transaction created it first, the unique constraint refuses our
    insert inside a savepoint and we add to theirs instead.
    """
    updates = {field: F(field) + delta for field, delta in deltas.items()}
    manager = model._default_manager
    if manager.filter(**keys).update(**updates):
        return
    try:
        with transaction.atomic():
            manager.create(**keys, **(defaults or {}), **{f: max(0, d) for f, d in deltas.items()})
    except IntegrityError:
        manager.filter(**keys).update(**updates)
