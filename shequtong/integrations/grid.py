"""The grid gateway (网格化): how an escalated case reaches the district grid system.

Case tracking talks only to this interface. Adapters:
- the Open311 GeoReport v2 adapter (built with the grid simulator, CT-8);
- a local in-process backend for tests and for running without a grid.
Which one is used is chosen by settings.GRID_GATEWAY (a dotted path).

Delivery is never done inside a user's request: the escalation service writes
an outbox row; the worker calls `submit` with retries, and `fetch` polls for
results. Adapters raise GridUnavailable for anything worth retrying (network
down, 5xx, timeout) and GridRejected for a permanent refusal (4xx);
`fetch` raises GridUnknownRequest (a GridRejected) when the grid answers that
it does not know the id, which case tracking takes as "the grid lost it".
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol

from .errors import GridRejected as GridRejected
from .errors import GridUnavailable as GridUnavailable
from .errors import GridUnknownRequest as GridUnknownRequest


@dataclass(frozen=True)
class GridRequest:
    idempotency_key: str      # one per escalation; the grid must not create two requests for one key
    service_code: str         # the category code
    title: str                # a letter escalated to the grid carries 【人民信箱】 in its title
    description: str
    address: str = ""
    attributes: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class GridStatus:
    external_id: str
    status: str               # the grid's own state, e.g. "open", "in_progress", "closed"
    result: str = ""          # the grid's handling result text, when closed
    updated_at: str = ""


class GridGateway(Protocol):
    def submit(self, request: GridRequest) -> GridStatus: ...

    def fetch(self, external_id: str) -> GridStatus: ...
