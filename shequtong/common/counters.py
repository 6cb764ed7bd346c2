"""Rollup counters: add to a row, creating it when missing, safe when two requests race.

Every rollup (per-community residents, letters per day and category, ratings,
visits) goes through `increment`, so observer pages can read counters instead
of COUNT(*) and concurrent writers never collide on the first row of a key.
"""

from __future__ import annotations

import threading
from typing import Any

from django.db import IntegrityError, models, transaction
from django.db.models import F, QuerySet

from . import prepared


def increment(model: type[models.Model], *, keys: dict[str, Any], deltas: dict[str, int],
              defaults: dict[str, Any] | None = None) -> None:
    """Add `deltas` to the row of `model` identified by `keys` (a unique key).

    Call inside the transaction of the change being counted. When the row does
    not exist yet it is created with the deltas as its values (clamped at 0);
    if another transaction created it first, the unique constraint refuses our
    insert inside a savepoint and we add to theirs instead.
    """
    add = _adder(model, tuple(keys), tuple(deltas))
    values = (*keys.values(), *deltas.values())
    if add(*values):
        return
    try:
        with transaction.atomic():
            prepared.create(model, **keys, **(defaults or {}), **{f: max(0, d) for f, d in deltas.items()})
    except IntegrityError:
        add(*values)


_adders: dict[tuple[type[models.Model], tuple[str, ...], tuple[str, ...]], Any] = {}
_adders_lock = threading.Lock()


def _adder(model: type[models.Model], key_names: tuple[str, ...], delta_names: tuple[str, ...]) -> Any:
    """The UPDATE adding to one row, compiled once per model, key and counters (common/prepared.py)."""
    found = _adders.get((model, key_names, delta_names))
    if found is None:
        def add(*values: Any) -> tuple[QuerySet[Any], dict[str, Any]]:
            keys = dict(zip(key_names, values[:len(key_names)], strict=True))
            deltas = values[len(key_names):]
            return (model._default_manager.filter(**keys),
                    {field: F(field) + delta for field, delta in zip(delta_names, deltas, strict=True)})

        add.__qualname__ = f"increment[{model.__name__}:{','.join(delta_names)}]"
        with _adders_lock:
            found = _adders.setdefault((model, key_names, delta_names), prepared.update(add))
    return found
