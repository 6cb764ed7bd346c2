"""``get_<field>_display()`` from a table built once per field and language.

Django's own implementation (``Model._get_FIELD_display``) rebuilds a dict of
the field's whole choice list on every call, hashing every lazy label, and
each hash of a lazy label is a translation look-up: a list of 20 cases with
three labels each made about 360 ``gettext`` calls (docs/performance.md).
The labels cannot change while a process runs (translations are compiled),
so one table per (field, language) gives the same answer.

``install()`` (run from ``CommonConfig.ready()``, when every model class
exists) points each ``get_<field>_display`` that Django generated at
``display()``, for every model of the project and of new apps alike; a model
that defines its own ``get_<field>_display`` keeps it.
"""

from __future__ import annotations

from functools import partialmethod
from typing import Any

from django.apps import apps
from django.db import models
from django.utils.encoding import force_str
from django.utils.translation import get_language

_tables: dict[tuple[int, str | None], dict[Any, Any]] = {}
_MISSING = object()
_django_display = getattr(models.Model, "_get_FIELD_display")  # noqa: B009 - private in the stubs


def _table(field: models.Field, language: str | None) -> dict[Any, Any]:
    table: dict[Any, Any] = {}
    for value, label in field.flatchoices:
        try:
            table.setdefault(value, force_str(label, strings_only=True))
        except TypeError:  # an unhashable choice value (never ours): leave it to Django's path
            continue
    _tables[(id(field), language)] = table
    return table


def display(obj: models.Model, field: models.Field) -> Any:
    """What ``Model._get_FIELD_display`` returns, without rebuilding the choices per call."""
    value = getattr(obj, field.attname)
    language = get_language()
    table = _tables.get((id(field), language)) or _table(field, language)
    try:
        label = table.get(value, _MISSING)
    except TypeError:
        return _django_display(obj, field)
    if label is _MISSING:
        return force_str(value, strings_only=True)
    return label


def install() -> int:
    """Point Django's generated ``get_<field>_display`` methods at ``display``; returns how many."""
    count = 0
    for model in apps.get_models():
        for field in model._meta.fields:
            if not field.choices:
                continue
            name = f"get_{field.name}_display"
            current = model.__dict__.get(name)
            if isinstance(current, partialmethod) and current.func is _django_display:
                setattr(model, name, partialmethod(display, field=field))
                count += 1
    return count
