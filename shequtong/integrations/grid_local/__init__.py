"""A local grid backend: escalations land in a database table instead of the district system.

Used by tests, the demo and any deployment without a grid connection
(settings.GRID_GATEWAY = "shequtong.integrations.grid_local.LocalGridGateway").
Requests are `LocalGridRequest` rows (this package is also the small app
`grid_local` that owns that table); staff close them in the Django admin (or
tests call `close_request`), and the worker's poll carries the result back to
the case, exactly as it would from the real grid.

`set_available(False)` makes the backend behave like a grid that is down
(every call raises GridUnavailable) so the outbox's retry path can be
exercised without patching the code under test.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import IntegrityError, transaction

from shequtong.common import clock
from shequtong.integrations import exchange
from shequtong.integrations.grid import (
    GridRejected,
    GridRequest,
    GridStatus,
    GridUnavailable,
    GridUnknownRequest,
)

# This module is the app's package, imported while the app registry is being
# filled: the model is imported inside the functions that use it.
if TYPE_CHECKING:
    from .models import LocalGridRequest

_state = {"available": True}
_PREFIX = "LOCAL-"


def set_available(available: bool) -> None:
    _state["available"] = available


def _status(row: LocalGridRequest) -> GridStatus:
    return GridStatus(external_id=row.external_id, status=row.status, result=row.result,
                      updated_at=row.updated_at.isoformat())


class LocalGridGateway:
    def submit(self, request: GridRequest) -> GridStatus:
        with exchange.call("grid.submit", request.idempotency_key) as call:
            status = self._submit(request)
            call.answer = _answer(status)
        return status

    def fetch(self, external_id: str) -> GridStatus:
        with exchange.call("grid.fetch", external_id) as call:
            status = self._fetch(external_id)
            call.answer = _answer(status)
        return status

    def _submit(self, request: GridRequest) -> GridStatus:
        from .models import LocalGridRequest

        if not _state["available"]:
            raise GridUnavailable("local grid is switched off")
        if not request.title.strip() or not request.description.strip():
            raise GridRejected("标题和描述不能为空")
        existing = LocalGridRequest.objects.filter(idempotency_key=request.idempotency_key).first()
        if existing is not None:  # the same escalation sent twice: one grid request
            return _status(existing)
        now = clock.now()
        try:
            with transaction.atomic():
                row = LocalGridRequest.objects.create(
                    idempotency_key=request.idempotency_key, service_code=request.service_code, title=request.title[:200],
                    description=request.description, address=request.address[:200], attributes=request.attributes,
                    created_at=now, updated_at=now,
                )
        except IntegrityError:
            row = LocalGridRequest.objects.get(idempotency_key=request.idempotency_key)
        return _status(row)

    def _fetch(self, external_id: str) -> GridStatus:
        from .models import LocalGridRequest

        if not _state["available"]:
            raise GridUnavailable("local grid is switched off")
        if not external_id.startswith(_PREFIX) or not external_id[len(_PREFIX):].isdigit():
            raise GridUnknownRequest(f"unknown request {external_id}")
        row = LocalGridRequest.objects.filter(pk=int(external_id[len(_PREFIX):])).first()
        if row is None:
            raise GridUnknownRequest(f"unknown request {external_id}")
        return _status(row)


def _answer(status: GridStatus) -> dict[str, str]:
    """What the local grid "answers", shaped like the grid's own reply, for the delivery log."""
    out = {"service_request_id": status.external_id, "status": status.status, "updated_datetime": status.updated_at}
    if status.result:
        out["status_notes"] = status.result
    return out


def close_request(external_id: str, result: str, *, status: str = "closed") -> None:
    """What the grid centre does when it finishes a request (admin, tests, demo)."""
    from .models import LocalGridRequest

    LocalGridRequest.objects.filter(pk=int(external_id.removeprefix(_PREFIX))).update(
        status=status, result=result, updated_at=clock.now()
    )

