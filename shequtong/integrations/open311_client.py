"""The grid gateway over Open311 GeoReport v2 (CT-8): the district grid system's own API.

    POST /requests.json                 create a service request (form-encoded)
    GET  /requests/{id}.json            one request: status open/closed, status_notes
    GET  /services.json                 the service codes the grid accepts
    GET  /tokens/{token}.json           when the grid answers a POST with a token only
    GET  /servicerequestupdates.json    the updates extension: state changes since a time

Configured by settings GRID_OPEN311_URL (the endpoint's base, e.g.
"https://grid.example/open311/v2"), GRID_OPEN311_API_KEY and
GRID_OPEN311_JURISDICTION, all from the environment.

Every escalation carries its idempotency key twice: as the `Idempotency-Key`
header and as `attribute[idempotency_key]`, so a grid that deduplicates on
either never creates two requests when the outbox retries after a timeout.
Richer grid states than open/closed travel in the `extended_attributes`
extension (`grid_state`) and in the updates extension.

Errors: no connection, a timeout, 5xx or 429 → GridUnavailable (retry);
any other 4xx → GridRejected (do not retry).
"""

from __future__ import annotations

import datetime as dt
import json
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from typing import Any

from django.conf import settings

from . import exchange
from .grid import GridRejected, GridRequest, GridStatus, GridUnavailable, GridUnknownRequest

DESCRIPTION_MAX = 4000
# Open311 base statuses and the updates extension's states, mapped to the grid states
# case tracking understands (open, in_progress, closed).
_STATES = {
    "open": "open", "in_progress": "in_progress", "action_scheduled": "in_progress",
    "investigating": "in_progress", "closed": "closed", "fixed": "closed", "no_further_action": "closed",
    "not_councils_responsibility": "closed", "duplicate": "closed", "internal_referral": "closed",
}


def grid_state(value: str | None) -> str:
    """Normalise an Open311 status (any case, spaces or underscores) to open / in_progress / closed."""
    key = (value or "open").strip().lower().replace(" ", "_")
    return _STATES.get(key, "in_progress" if key else "open")


@dataclass(frozen=True)
class GridUpdate:
    """One entry of the updates extension (also the body of a pushed callback)."""

    update_id: str
    external_id: str
    status: str           # open / in_progress / closed
    description: str
    updated_at: str

    @classmethod
    def from_open311(cls, data: dict[str, Any]) -> GridUpdate:
        return cls(
            update_id=str(data.get("update_id") or ""), external_id=str(data.get("service_request_id") or ""),
            status=grid_state(data.get("status")), description=str(data.get("description") or ""),
            updated_at=str(data.get("updated_datetime") or ""),
        )

    def as_status(self) -> GridStatus:
        return GridStatus(external_id=self.external_id, status=self.status,
                          result=self.description if self.status == "closed" else "", updated_at=self.updated_at)


class Open311Client:
    """A small GeoReport v2 client (JSON format) with the errors mapped for the outbox."""

    def __init__(self, base_url: str, *, api_key: str = "", jurisdiction_id: str = "", timeout: float = 10.0) -> None:
        if not base_url:
            raise GridUnavailable("GRID_OPEN311_URL is not configured")
        self.base_url = base_url.rstrip("/")
        self.api_key = api_key
        self.jurisdiction_id = jurisdiction_id
        self.timeout = timeout

    def _params(self, extra: dict[str, Any] | None = None, *, with_key: bool = False) -> dict[str, Any]:
        params: dict[str, Any] = {}
        if self.jurisdiction_id:
            params["jurisdiction_id"] = self.jurisdiction_id
        if with_key and self.api_key:
            params["api_key"] = self.api_key
        params.update(extra or {})
        return params

    def _call(self, method: str, path: str, *, operation: str, reference: str = "", query: dict[str, Any] | None = None,
              form: dict[str, Any] | None = None, headers: dict[str, str] | None = None) -> Any:
        url = f"{self.base_url}{path}"
        if query:
            url += "?" + urllib.parse.urlencode(query)
        data = urllib.parse.urlencode(form).encode() if form is not None else None
        req = urllib.request.Request(url, data=data, method=method, headers={"Accept": "application/json", **(headers or {})})  # noqa: S310 - the configured grid URL
        if data is not None:
            req.add_header("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")
        # Timed and logged (the delivery log): the answer's start, or the error.
        with exchange.call(operation, reference) as call:
            try:
                with urllib.request.urlopen(req, timeout=self.timeout) as resp:  # noqa: S310
                    body = resp.read()
            except urllib.error.HTTPError as exc:
                detail = _error_text(exc)
                call.answer = f"HTTP {exc.code}: {detail}"
                if exc.code >= 500 or exc.code in (408, 429):
                    raise GridUnavailable(f"HTTP {exc.code}: {detail}") from exc
                raise GridRejected(f"HTTP {exc.code}: {detail}") from exc
            except (TimeoutError, urllib.error.URLError, ConnectionError, OSError) as exc:
                raise GridUnavailable(f"{exc.__class__.__name__}: {exc}") from exc
            call.answer = body
            try:
                return json.loads(body.decode("utf-8") or "null")
            except (UnicodeDecodeError, ValueError) as exc:
                # A proxy's HTML error page: the grid itself did not answer.
                raise GridUnavailable("the grid answered with something that is not JSON") from exc

    # --- GeoReport v2 ---------------------------------------------------------------

    def services(self) -> list[dict[str, Any]]:
        return list(self._call("GET", "/services.json", operation="grid.services", query=self._params()) or [])

    def create_request(self, *, service_code: str, description: str, address: str = "",
                       attributes: dict[str, Any] | None = None, idempotency_key: str = "") -> dict[str, Any]:
        form = self._params({"service_code": service_code, "description": description[:DESCRIPTION_MAX]}, with_key=True)
        if address:
            form["address_string"] = address
        for code, value in (attributes or {}).items():
            form[f"attribute[{code}]"] = "" if value is None else str(value)
        headers = {"Idempotency-Key": idempotency_key} if idempotency_key else {}
        if idempotency_key:
            form["attribute[idempotency_key]"] = idempotency_key
        answer = self._call("POST", "/requests.json", operation="grid.submit", reference=idempotency_key, form=form,
                            headers=headers)
        if not isinstance(answer, list) or not answer or not isinstance(answer[0], dict):
            raise GridUnavailable("unexpected answer to POST /requests")
        return dict(answer[0])

    def request_id_for_token(self, token: str) -> str:
        answer = self._call("GET", f"/tokens/{urllib.parse.quote(token, safe='')}.json", operation="grid.token",
                            reference=token, query=self._params())
        first = answer[0] if isinstance(answer, list) and answer else {}
        return str(first.get("service_request_id") or "")

    def get_request(self, request_id: str) -> dict[str, Any]:
        """One request; GridUnknownRequest when the grid answers 404 or an empty list for the id."""
        try:
            answer = self._call("GET", f"/requests/{urllib.parse.quote(request_id, safe='')}.json",
                                operation="grid.fetch", reference=request_id, query=self._params({"extensions": "true"}))
        except GridRejected as exc:
            if isinstance(exc.__cause__, urllib.error.HTTPError) and exc.__cause__.code == 404:
                raise GridUnknownRequest(f"unknown request {request_id}: {exc}") from exc
            raise
        if not isinstance(answer, list) or not answer:
            raise GridUnknownRequest(f"unknown request {request_id}")
        return dict(answer[0])

    def updates(self, start: dt.datetime, end: dt.datetime) -> list[GridUpdate]:
        """The updates extension: state changes between two times (oldest first)."""
        answer = self._call("GET", "/servicerequestupdates.json", operation="grid.updates",
                            reference=f"{start:%Y-%m-%d %H:%M}", query=self._params(
            {"start_date": start.isoformat(), "end_date": end.isoformat()}, with_key=True))
        rows = [GridUpdate.from_open311(u) for u in (answer or []) if isinstance(u, dict)]
        return sorted(rows, key=lambda u: (u.updated_at, u.update_id))


def _error_text(exc: urllib.error.HTTPError) -> str:
    """The Open311 error description ([{"code", "description"}]) or the start of the body."""
    try:
        raw = exc.read()[:2000]
    except OSError:
        return exc.reason if isinstance(exc.reason, str) else ""
    try:
        data = json.loads(raw.decode("utf-8"))
        if isinstance(data, list) and data and isinstance(data[0], dict):
            return str(data[0].get("description") or data[0])
    except (UnicodeDecodeError, ValueError):
        pass
    return raw.decode("utf-8", "replace")[:300]


def client_from_settings() -> Open311Client:
    return Open311Client(
        settings.GRID_OPEN311_URL, api_key=settings.GRID_OPEN311_API_KEY,
        jurisdiction_id=settings.GRID_OPEN311_JURISDICTION, timeout=settings.GRID_OPEN311_TIMEOUT_SECONDS,
    )


def status_of(data: dict[str, Any]) -> GridStatus:
    """A GeoReport request as a GridStatus (richer state from extended_attributes when present)."""
    raw = data.get("extended_attributes")
    extended: dict[str, Any] = raw if isinstance(raw, dict) else {}
    state = grid_state(extended.get("grid_state") or data.get("status"))
    return GridStatus(
        external_id=str(data.get("service_request_id") or ""), status=state,
        result=str(data.get("status_notes") or "") if state == "closed" else "",
        updated_at=str(data.get("updated_datetime") or ""),
    )


class Open311GridGateway:
    """GridGateway over Open311 (settings.GRID_GATEWAY = "shequtong.integrations.open311_client.Open311GridGateway")."""

    def __init__(self, client: Open311Client | None = None) -> None:
        self.client = client or client_from_settings()

    def submit(self, request: GridRequest) -> GridStatus:
        attributes = {"title": request.title, **request.attributes}
        description = f"{request.title}\n\n{request.description}" if request.title else request.description
        answer = self.client.create_request(
            service_code=request.service_code, description=description, address=request.address,
            attributes=attributes, idempotency_key=request.idempotency_key,
        )
        external_id = str(answer.get("service_request_id") or "")
        if not external_id and answer.get("token"):
            external_id = self.client.request_id_for_token(str(answer["token"]))
            if not external_id:
                # Accepted but not yet numbered: retrying is safe (the key deduplicates).
                raise GridUnavailable("the grid has not yet assigned a request id")
        if not external_id:
            raise GridUnavailable("the grid returned no request id")
        return GridStatus(external_id=external_id, status="open", result="",
                          updated_at=str(answer.get("updated_datetime") or ""))

    def fetch(self, external_id: str) -> GridStatus:
        return status_of(self.client.get_request(external_id))
