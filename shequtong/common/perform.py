"""Run a service from a page: the one way views turn a domain refusal into what the user sees.

A view calls ``perform(request, lambda: services.act(actor=..., ...), success="已办结")``.
``NotFound`` propagates (DomainErrorMiddleware answers 404, the same page for
missing and out-of-scope objects); any other ``DomainError`` becomes a message
on the next page, or an error on the form when one is given. The API needs no
helper: its exception handler renders every ``DomainError`` as
``{code, message, field}`` (shequtong/api/errors.py).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from django.contrib import messages
from django.http import HttpRequest

from .errors import DomainError, NotFound
from .idempotency import idempotent

T = TypeVar("T")


@dataclass(frozen=True)
class Outcome(Generic[T]):
    """What a service call came to: ``ok`` with its ``value``, or the refusal it raised."""

    ok: bool
    value: T | None = None
    error: DomainError | None = None

    def __bool__(self) -> bool:
        return self.ok


def perform(request: HttpRequest, action: Callable[[], T], *, success: str = "", form: Any = None,
            once: str = "") -> Outcome[T]:
    """``once="app.verb"``: the write is idempotent under the form's hidden key (common/idempotency.py)."""
    try:
        value = idempotent(request, once, action, form=True) if once else action()
    except NotFound:
        raise
    except DomainError as exc:
        if form is not None:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            messages.error(request, exc.message)
        return Outcome(ok=False, error=exc)
    if success:
        messages.success(request, success)
    return Outcome(ok=True, value=value)
