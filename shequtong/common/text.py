"""Control characters out of user text: at input (every text field) and on the way out (XML, XLSX).

A letter containing ``\\x01`` once made the case export answer 500 (openpyxl
refuses it) and the public Open311 XML feed not well-formed for every
client (issue 12 item 3). Two rules:

- **At input**, ``clean_text`` drops every control character (C0, DEL, C1),
  lone surrogates and the non-characters U+FFFE/U+FFFF; multi-line text
  keeps ``\\n`` and ``\\t`` (``\\r\\n`` and ``\\r`` become ``\\n``), single-line
  text turns them into a space. ``clean_model_text`` applies it to every
  CharField and TextField of this project's models before they are saved
  (a pre_save receiver, common/apps.py): forms, the API, services, commands
  and seeds all write through it. Code that writes with ``bulk_create``
  passes its instances through ``cleaned``.
- **On the way out**, ``for_xml`` drops what XML 1.0 cannot carry, for rows
  stored before this rule and for text from outside (a grid's result);
  common/export.py does the same for spreadsheets.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any, TypeVar

from django.db import models

M = TypeVar("M", bound=models.Model)

# C0 controls but \t \n \r, DEL, C1 controls, surrogates, U+FFFE and U+FFFF.
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")
# What XML 1.0 cannot carry at all (C1 controls are legal there, if discouraged).
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_NEWLINES = re.compile("\r\n?")
_LINE_BREAKS = re.compile("[\t\n]")


def clean_text(value: str, *, multiline: bool = True) -> str:
    """User text without control characters; ``\\n`` and ``\\t`` kept only in multi-line text."""
    if not value:
        return value
    value = _CONTROL.sub("", _NEWLINES.sub("\n", value))
    return value if multiline else _LINE_BREAKS.sub(" ", value)


def for_xml(value: str) -> str:
    """Text an XML 1.0 document can carry: characters it forbids are dropped."""
    return _NOT_XML.sub("", value) if value else value


def clean_model_text(instance: models.Model) -> None:
    """Clean every text field of a model instance in place (TextField multi-line, CharField single-line)."""
    for field in instance._meta.concrete_fields:
        if not isinstance(field, (models.CharField, models.TextField)):
            continue
        value: Any = getattr(instance, field.attname, None)
        if isinstance(value, str) and value:
            cleaned = clean_text(value, multiline=isinstance(field, models.TextField))
            if cleaned != value:
                setattr(instance, field.attname, cleaned)


def cleaned(instances: Iterable[M]) -> list[M]:
    """Instances for ``bulk_create`` (which sends no pre_save), their text fields cleaned."""
    out = list(instances)
    for instance in out:
        clean_model_text(instance)
    return out


def clean_on_save(sender: type[models.Model], instance: models.Model, raw: bool = False, **kwargs: Any) -> None:
    """pre_save receiver: this project's models only (Django's and third-party models are left alone)."""
    if not raw and sender.__module__.startswith("shequtong."):
        clean_model_text(instance)
