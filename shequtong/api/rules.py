"""Every API operation declares who may call it, the way pages do (common/access.py).

An operation is decorated, under its ``@router.<method>``, with ``access.public``
(and ``auth=None``), ``access.login`` or ``access.capability(...)``; the object
policy (``<app>/policies.py``'s ``access_<thing>``) then decides per object inside
the handler. ``guard(router)`` runs when the API mounts a router: an operation
that declares no rule, or whose rule contradicts its ``auth`` (a public rule on
an authenticated operation or the reverse), stops the process from starting;
every declared rule is enforced before the handler runs (403 in the API's error
format). tests/web/test_authorisation_matrix.py then checks what each rule and
policy answers for every role.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.http import HttpRequest
from ninja import Router

from shequtong.accounts import audit
from shequtong.accounts.models import AuditEvent
from shequtong.common import masking
from shequtong.common.access import AccessRule, rule_of
from shequtong.common.errors import PermissionRefused

_GUARDED = "_shequtong_guarded"
# List operations whose ``q`` is a person's name: the audit log keeps it masked like a name (张*明).
NAME_SEARCHES = frozenset({"GET /api/v1/inbox/recipients"})


def audited_query(op: str, query: dict[str, Any]) -> dict[str, str]:
    """A list call's query string as the audit log keeps it: no clear name, phone or ID number."""
    out = {key: masking.mask_text(str(value)) for key, value in query.items()}
    if op in NAME_SEARCHES and out.get("q"):
        out["q"] = masking.mask_name(out["q"].strip())
    return out


def operations(router: Router) -> Iterator[tuple[str, str, Any]]:
    """(method, path, operation) of every operation a router declares."""
    for path, path_view in router.path_operations.items():
        for op in path_view.operations:
            for method in op.methods:
                yield method, path, op


def _enforcing(rule: AccessRule, view: Callable[..., Any], *, audit_lists: str = "") -> Callable[..., Any]:
    @functools.wraps(view)
    def guarded(request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
        if not rule.allows(request):
            raise PermissionRefused()
        result = view(request, *args, **kwargs)
        if audit_lists and isinstance(result, list):
            # A list operation answered: who listed what, how many rows, from where (one INSERT).
            audit.record_read(AuditEvent.Action.LIST, actor=request.user, request=request,  # type: ignore[arg-type]
                              detail={"op": audit_lists, "count": len(result),
                                      "query": audited_query(audit_lists, dict(request.GET.items()))})
        return result

    setattr(guarded, _GUARDED, True)
    return guarded


def guard(router: Router, prefix: str) -> None:
    """Refuse a router with an undeclared operation; enforce every declared rule."""
    for method, path, op in operations(router):
        if getattr(op.view_func, _GUARDED, False):
            continue
        where = f"{method} /api/v1/{prefix.strip('/')}{path}"
        rule = rule_of(op.view_func)
        if rule is None:
            raise ImproperlyConfigured(f"{where} declares no access rule (shequtong/api/rules.py)")
        if rule.public != (op.auth_param is None):
            raise ImproperlyConfigured(f"{where}: access.public goes with auth=None, and only with it")
        # Every signed-in GET that answers a list is audited (issue 12 item 11); public lists
        # (places) hold nothing personal.
        audit_lists = where if method == "GET" and not rule.public else ""
        op.view_func = _enforcing(rule, op.view_func, audit_lists=audit_lists)
