"""A stand-in for the district grid system that speaks the same Open311 API (CT-8).

`manage.py grid_simulator --port 8311 --delay 30` serves it on loopback for
development and demos; tests start it in a thread on a free port. It accepts
service requests (deduplicating on the idempotency key, header or
attribute), moves each through the grid's own states — open → in_progress →
closed with a result — `delay` seconds apart, answers GET /requests/{id}
and the updates extension, and, when given a callback URL and secret, pushes
each state change as a signed Standard Webhooks message (retrying a failed
push on the next tick with the same webhook-id).

State lives in memory: restarting the HTTP side (`stop()` then `start()`)
keeps it, which is how tests take "the grid down for a while".
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
import logging
import re
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from . import webhooks

logger = logging.getLogger("shequtong.grid_simulator")

TZ = dt.timezone(dt.timedelta(hours=8))
AGENCY = "宝山区城市网格化综合管理中心（模拟）"
SERVICES = [
    ("economy", "经济发展"), ("construction", "建设管理"), ("social", "社会发展"),
    ("safety", "平安建设"), ("community", "社区建设"),
]
_NEXT = {"open": "in_progress", "in_progress": "closed"}
_NOTES = {"open": "网格中心已受理", "in_progress": "已派单至职能部门处置"}


@dataclass
class SimRequest:
    id: str
    service_code: str
    description: str
    address: str
    attributes: dict[str, str]
    idempotency_key: str
    requested: dt.datetime
    updated: dt.datetime
    state: str = "open"
    result: str = ""
    next_at: float = 0.0

    def as_open311(self, *, extensions: bool) -> dict[str, Any]:
        out: dict[str, Any] = {
            "service_request_id": self.id,
            "status": "closed" if self.state == "closed" else "open",
            "status_notes": self.result if self.state == "closed" else _NOTES.get(self.state, ""),
            "service_name": dict(SERVICES).get(self.service_code, self.service_code),
            "service_code": self.service_code,
            "description": self.description,
            "agency_responsible": AGENCY,
            "service_notice": "",
            "requested_datetime": self.requested.isoformat(),
            "updated_datetime": self.updated.isoformat(),
            "expected_datetime": None,
            "address": self.address or None,
            "address_id": None,
            "zipcode": None,
            "lat": None,
            "long": None,
            "media_url": None,
        }
        if extensions:
            out["extended_attributes"] = {"grid_state": self.state, "idempotency_key": self.idempotency_key}
        return out


@dataclass
class SimUpdate:
    update_id: str
    request_id: str
    state: str
    description: str
    at: dt.datetime
    pushed: bool = False
    push_attempts: int = 0

    def as_open311(self) -> dict[str, Any]:
        return {
            "update_id": self.update_id,
            "service_request_id": self.request_id,
            "status": self.state.upper(),
            "updated_datetime": self.at.isoformat(),
            "description": self.description,
            "media_url": None,
        }


@dataclass
class GridSimulator:
    """The simulated grid's state and behaviour; `start()` puts it on the network."""

    delay: float | None = 30.0          # seconds per state; None: states move only by advance()/tick()
    api_key: str = ""
    jurisdiction_id: str = ""
    callback_url: str = ""
    callback_secret: str = ""
    result_text: str = "已办结：经网格中心派单，职能部门已现场处置完毕。"
    clock: Callable[[], float] = time.time
    requests: dict[str, SimRequest] = field(default_factory=dict)
    updates: list[SimUpdate] = field(default_factory=list)
    by_key: dict[str, str] = field(default_factory=dict)
    posts: int = 0                       # POST /requests received (duplicates included)
    answer_delay: float = 0.0            # seconds between accepting a POST and answering it (fault tests)

    def __post_init__(self) -> None:
        self._lock = threading.RLock()
        self._ids = itertools.count(1001)
        self._update_ids = itertools.count(1)
        self._server: ThreadingHTTPServer | None = None
        self._threads: list[threading.Thread] = []
        self._stop = threading.Event()
        self.port = 0

    # --- behaviour -------------------------------------------------------------------

    def now(self) -> dt.datetime:
        return dt.datetime.fromtimestamp(self.clock(), tz=TZ)

    def create(self, form: dict[str, str], header_key: str = "") -> tuple[SimRequest, bool]:
        """Accept a request; (request, created). The idempotency key makes a retry return the first."""
        attributes = {m.group(1): v for k, v in form.items() if (m := re.fullmatch(r"attribute\[(.+)\]", k))}
        key = header_key or attributes.get("idempotency_key", "")
        with self._lock:
            self.posts += 1
            if key and key in self.by_key:
                return self.requests[self.by_key[key]], False
            now = self.now()
            req = SimRequest(
                id=str(next(self._ids)), service_code=form.get("service_code", ""),
                description=form.get("description", ""), address=form.get("address_string", ""),
                attributes=attributes, idempotency_key=key, requested=now, updated=now,
                next_at=self.clock() + (self.delay or 0),
            )
            self.requests[req.id] = req
            if key:
                self.by_key[key] = req.id
            self._record(req, "网格中心已受理")
        return req, True

    def _record(self, req: SimRequest, description: str) -> SimUpdate:
        upd = SimUpdate(update_id=str(next(self._update_ids)), request_id=req.id, state=req.state,
                        description=description, at=req.updated)
        self.updates.append(upd)
        return upd

    def advance(self, request_id: str, result: str | None = None) -> SimRequest:
        """Move one request to its next state now (what the delay does by itself); push the change."""
        with self._lock:
            req = self.requests[request_id]
            nxt = _NEXT.get(req.state)
            if nxt is None:
                return req
            req.state = nxt
            req.updated = self.now()
            req.next_at = self.clock() + (self.delay or 0)
            if nxt == "closed":
                req.result = result or self.result_text
            self._record(req, req.result if nxt == "closed" else _NOTES[nxt])
        self.push_pending()
        return req

    def close(self, request_id: str, result: str | None = None) -> SimRequest:
        req = self.requests[request_id]
        while req.state != "closed":
            req = self.advance(request_id, result)
        return req

    def tick(self) -> None:
        """Advance every request whose time has come, and retry failed pushes."""
        if self.delay is not None:
            now = self.clock()
            with self._lock:
                due = [r.id for r in self.requests.values() if r.state != "closed" and r.next_at <= now]
            for request_id in due:
                self.advance(request_id)
        self.push_pending()

    def push_pending(self) -> int:
        """Push every state change not yet acknowledged by our callback endpoint; return how many went."""
        if not (self.callback_url and self.callback_secret):
            return 0
        with self._lock:
            pending = [u for u in self.updates if not u.pushed and u.push_attempts < 50]
        sent = 0
        for upd in pending:
            body = json.dumps(upd.as_open311(), ensure_ascii=False).encode()
            headers = webhooks.headers(self.callback_secret, body, msg_id=f"msg_grid_{upd.update_id}")
            req = urllib.request.Request(self.callback_url, data=body, method="POST",  # noqa: S310 - configured loopback URL
                                         headers={"Content-Type": "application/json", **headers})
            upd.push_attempts += 1
            try:
                with urllib.request.urlopen(req, timeout=10) as resp:  # noqa: S310
                    upd.pushed = 200 <= resp.status < 300
            except (urllib.error.URLError, OSError) as exc:
                logger.warning("callback for update %s failed: %s", upd.update_id, exc)
                continue
            sent += 1
        return sent

    def updates_between(self, start: dt.datetime | None, end: dt.datetime | None) -> list[SimUpdate]:
        with self._lock:
            return [u for u in self.updates if (start is None or u.at >= start) and (end is None or u.at <= end)]

    # --- network ------------------------------------------------------------------------

    def start(self, host: str = "127.0.0.1", port: int = 0) -> int:
        """Serve on (host, port) in background threads; return the port (a free one when 0)."""
        handler = type("Handler", (_Handler,), {"sim": self})
        self._server = ThreadingHTTPServer((host, port or self.port), handler)
        self._server.daemon_threads = True
        self.port = self._server.server_address[1]
        self._stop.clear()
        serve = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True)
        serve.start()
        self._threads = [serve]
        if self.delay is not None or self.callback_url:
            ticker = threading.Thread(target=self._tick_loop, daemon=True)
            ticker.start()
            self._threads.append(ticker)
        return self.port

    def _tick_loop(self) -> None:
        while not self._stop.wait(0.5):
            try:
                self.tick()
            except Exception:  # the simulator must keep running whatever one tick does
                logger.exception("simulator tick failed")

    def stop(self) -> None:
        """Take the HTTP side down (state is kept; `start()` brings it back on the same port)."""
        self._stop.set()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        for t in self._threads:
            t.join(timeout=5)
        self._threads = []

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"


class _Handler(BaseHTTPRequestHandler):
    sim: GridSimulator
    server_version = "GridSimulator/1.0"

    def log_message(self, format: str, *args: Any) -> None:
        logger.info("%s " + format, self.address_string(), *args)

    def _send(self, status: int, payload: Any) -> None:
        body = json.dumps(payload, ensure_ascii=False).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _error(self, status: int, description: str) -> None:
        self._send(status, [{"code": status, "description": description}])

    def _query(self) -> tuple[str, dict[str, str]]:
        parts = urllib.parse.urlsplit(self.path)
        return parts.path, {k: v[-1] for k, v in urllib.parse.parse_qs(parts.query).items()}

    def _jurisdiction_ok(self, params: dict[str, str]) -> bool:
        return not self.sim.jurisdiction_id or params.get("jurisdiction_id") == self.sim.jurisdiction_id

    def do_GET(self) -> None:  # noqa: N802 - http.server's naming
        path, params = self._query()
        if not self._jurisdiction_ok(params):
            return self._error(404, "jurisdiction_id not found")
        if path.endswith("/services.json"):
            return self._send(200, [
                {"service_code": code, "service_name": name, "description": name, "metadata": False,
                 "type": "realtime", "keywords": name, "group": "社区通"} for code, name in SERVICES
            ])
        m = re.search(r"/requests/([^/]+)\.json$", path)
        if m:
            req = self.sim.requests.get(urllib.parse.unquote(m.group(1)))
            if req is None:
                return self._error(404, "service_request_id not found")
            return self._send(200, [req.as_open311(extensions=params.get("extensions") == "true")])
        if path.endswith("/stats.json"):  # the simulator's own counters (fault tests), not Open311
            with self.sim._lock:
                return self._send(200, {"requests": len(self.sim.requests), "posts": self.sim.posts,
                                        "keys": sorted(self.sim.by_key)})
        if path.endswith("/requests.json"):
            ids = [i for i in params.get("service_request_id", "").split(",") if i]
            rows = [r for r in self.sim.requests.values() if not ids or r.id in ids]
            return self._send(200, [r.as_open311(extensions=params.get("extensions") == "true") for r in rows])
        m = re.search(r"/tokens/([^/]+)\.json$", path)
        if m:
            return self._error(404, "token not found")
        if path.endswith("/servicerequestupdates.json"):
            if self.sim.api_key and params.get("api_key") != self.sim.api_key:
                return self._error(403, "api_key is invalid")
            try:
                start = dt.datetime.fromisoformat(params["start_date"]) if params.get("start_date") else None
                end = dt.datetime.fromisoformat(params["end_date"]) if params.get("end_date") else None
            except ValueError:
                return self._error(400, "start_date/end_date must be ISO 8601")
            return self._send(200, [u.as_open311() for u in self.sim.updates_between(start, end)])
        return self._error(404, "not found")

    def do_POST(self) -> None:  # noqa: N802
        path, params = self._query()
        if not path.endswith("/requests.json"):
            return self._error(404, "not found")
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length).decode("utf-8") if length else ""
        form = {k: v[-1] for k, v in urllib.parse.parse_qs(raw, keep_blank_values=True).items()}
        if not self._jurisdiction_ok({**params, **form}):
            return self._error(404, "jurisdiction_id not found")
        if self.sim.api_key and form.get("api_key") != self.sim.api_key:
            return self._error(403, "api_key is invalid")
        if form.get("service_code") not in dict(SERVICES):
            return self._error(400, "service_code is invalid")
        if not form.get("description", "").strip():
            return self._error(400, "description is required")
        req, _created = self.sim.create(form, self.headers.get("Idempotency-Key", ""))
        if self.sim.answer_delay:
            time.sleep(self.sim.answer_delay)  # accepted but not yet answered: a killed client must not double it
        return self._send(200, [{"service_request_id": req.id, "service_notice": "网格中心已受理", "account_id": None}])
