"""Issue 20 item 5: JSON logs with a request id, Sentry reporting, metrics, readiness and liveness."""

from __future__ import annotations

import io
import json
import logging
import re
from datetime import timedelta

import pytest
from django.test import Client
from django.urls import path

from shequtong.common import access, clock, errortracking
from shequtong.common.logs import JsonFormatter, RequestIdFilter
from shequtong.notifications import heartbeat, scheduler
from shequtong.notifications.models import Outbox, ScheduledJob, WorkerHeartbeat
from shequtong.ops import health

# --- structured logs and the request id ----------------------------------------------

@pytest.fixture
def json_log():
    """The root logger writing JSON (as in production) into a buffer for the test."""
    buffer = io.StringIO()
    handler = logging.StreamHandler(buffer)
    handler.addFilter(RequestIdFilter())
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    access_log = logging.getLogger("shequtong.request")
    old_level, old_access = root.level, access_log.level
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    access_log.setLevel(logging.INFO)
    yield buffer
    root.removeHandler(handler)
    root.setLevel(old_level)
    access_log.setLevel(old_access)


def _lines(buffer: io.StringIO) -> list[dict]:
    return [json.loads(line) for line in buffer.getvalue().splitlines() if line.strip()]


@access.public
def _noisy_view(request):  # type: ignore[no-untyped-def]
    logging.getLogger("shequtong.test").warning("inside the view", extra={"case_id": 42})
    from django.http import HttpResponse

    return HttpResponse("ok")


@access.public
def _broken_view(request):  # type: ignore[no-untyped-def]
    decrypted_name = "".join(map(chr, (0x738B, 0x79D8, 0x5BC6)))  # a name, built at run time (the source is sent)
    raise RuntimeError(f"boom for 310101199001011234 and 13812345678 ({len(decrypted_name)})")


urlpatterns = [path("noisy", _noisy_view, name="noisy"), path("broken", _broken_view, name="broken")]


@pytest.mark.urls("tests.ops.test_observability")
def test_every_log_line_of_a_request_carries_its_id_and_the_answer_echoes_it(db, json_log):
    response = Client().get("/noisy?q=13812345678")
    request_id = response["X-Request-ID"]
    assert re.fullmatch(r"[0-9a-f]{32}", request_id)
    lines = _lines(json_log)
    inside = next(line for line in lines if line["message"] == "inside the view")
    assert inside["request_id"] == request_id
    assert inside["level"] == "WARNING" and inside["logger"] == "shequtong.test" and inside["case_id"] == 42
    access_line = next(line for line in lines if line["logger"] == "shequtong.request")
    assert access_line["request_id"] == request_id
    assert access_line["status"] == 200 and access_line["path"] == "/noisy" and access_line["method"] == "GET"
    assert access_line["view"] == "noisy" and access_line["duration_ms"] >= 0
    # The query string (a search box may hold a phone) is never logged.
    assert "13812345678" not in json_log.getvalue()


@pytest.mark.urls("tests.ops.test_observability")
def test_a_request_id_from_nginx_is_kept_and_a_malformed_one_replaced(db, json_log):
    kept = Client().get("/noisy", HTTP_X_REQUEST_ID="0123456789abcdef0123456789abcdef")
    assert kept["X-Request-ID"] == "0123456789abcdef0123456789abcdef"
    replaced = Client().get("/noisy", HTTP_X_REQUEST_ID="bad id\nwith newline")
    assert re.fullmatch(r"[0-9a-f]{32}", replaced["X-Request-ID"])
    # Two requests, two ids; outside a request, no id.
    ids = {line.get("request_id") for line in _lines(json_log) if line["logger"] == "shequtong.request"}
    assert ids == {"0123456789abcdef0123456789abcdef", replaced["X-Request-ID"]}
    logging.getLogger("shequtong.test").warning("outside")
    assert "request_id" not in _lines(json_log)[-1]


def test_a_json_line_holds_the_traceback():
    try:
        raise ValueError("bad")
    except ValueError:
        record = logging.LogRecord("x", logging.ERROR, __file__, 1, "failed %s", ("here",), __import__("sys").exc_info())
    line = json.loads(JsonFormatter().format(record))
    assert line["message"] == "failed here" and "ValueError: bad" in line["exc_info"]


# --- Sentry --------------------------------------------------------------------------

@pytest.fixture
def sentry_events():
    """sentry-sdk initialised with a DSN and a transport that keeps the envelopes (no network)."""
    import sentry_sdk
    from sentry_sdk.transport import Transport

    events: list[dict] = []

    class Keep(Transport):
        def capture_envelope(self, envelope):  # type: ignore[no-untyped-def]
            for item in envelope.items:
                if item.type == "event":
                    events.append(item.payload.json)

    assert errortracking.init("https://public@sentry.invalid/1", environment="test", transport=Keep)
    yield events
    sentry_sdk.get_client().close()
    sentry_sdk.init()  # no DSN: reporting off again


def test_without_a_dsn_nothing_is_initialised():
    assert errortracking.init("") is False


@pytest.mark.urls("tests.ops.test_observability")
def test_an_unhandled_error_is_reported_with_the_request_id_and_without_personal_data(db, sentry_events):
    client = Client(raise_request_exception=False)
    response = client.get("/broken", HTTP_COOKIE="sessionid=secret-session")
    assert response.status_code == 500
    import sentry_sdk

    sentry_sdk.flush()
    assert len(sentry_events) == 1
    event = sentry_events[0]
    assert event["tags"]["request_id"] == response["X-Request-ID"]
    text = json.dumps(event, ensure_ascii=False)
    assert "RuntimeError" in text
    assert "310101199001011234" not in text and "13812345678" not in text
    assert "secret-session" not in text and "王秘密" not in text


# --- metrics -------------------------------------------------------------------------

def _metric(text: str, name: str, **labels: str) -> float | None:
    for line in text.splitlines():
        if line.startswith("#"):
            continue
        m = re.match(r"^(\w+)(?:\{(.*)\})? (\S+)$", line)
        if not m or m.group(1) != name:
            continue
        have = dict(re.findall(r'(\w+)="([^"]*)"', m.group(2) or ""))
        if all(have.get(k) == v for k, v in labels.items()):
            return float(m.group(3))
    return None


def test_metrics_count_requests_per_view_and_read_the_outbox_and_jobs(db, settings):
    client = Client()
    before = _metric(client.get("/metrics").content.decode(), "shequtong_http_requests_total",
                     view="web:healthz", method="GET", status="200") or 0
    for _ in range(3):
        client.get("/healthz")
    now = clock.now()
    Outbox.objects.create(kind="email", payload={}, idempotency_key="k1", next_attempt_at=now,
                          created_at=now - timedelta(minutes=10))
    Outbox.objects.create(kind="email", payload={}, idempotency_key="k2", next_attempt_at=now, created_at=now)
    Outbox.objects.create(kind="grid.submit", payload={}, idempotency_key="k3", next_attempt_at=now,
                          created_at=now, status=Outbox.Status.DEAD)
    calls = []
    scheduler.register("test.overdue", lambda: calls.append(1))
    scheduler.register("test.failing", lambda: 1 / 0)
    try:
        scheduler.run_due()
        ScheduledJob.objects.filter(name__startswith="test.").update(next_run_at=now - timedelta(seconds=1))
        scheduler.run_due()
    finally:
        scheduler._JOBS.pop("test.overdue")
        scheduler._JOBS.pop("test.failing")
    heartbeat.Heart("host:1").beat()

    text = client.get("/metrics").content.decode()
    assert _metric(text, "shequtong_http_requests_total", view="web:healthz", method="GET", status="200") == before + 3
    assert _metric(text, "shequtong_http_request_duration_seconds_count", view="web:healthz", method="GET") >= 3
    assert _metric(text, "shequtong_outbox_backlog", kind="email") == 2
    assert _metric(text, "shequtong_outbox_dead", kind="grid.submit") == 1
    assert 590 <= _metric(text, "shequtong_outbox_oldest_age_seconds") <= 700
    assert _metric(text, "shequtong_job_runs_total", job="test.overdue") == 2 and len(calls) == 2
    assert _metric(text, "shequtong_job_failures_total", job="test.overdue") == 0
    assert _metric(text, "shequtong_job_failures_total", job="test.failing") == 2
    assert _metric(text, "shequtong_job_last_run_ok", job="test.failing") == 0
    assert _metric(text, "shequtong_worker_heartbeat_age_seconds", worker="host:1") < 60
    assert _metric(text, "shequtong_workers") == 1
    assert _metric(text, "shequtong_scrape_error", part="database") == 0
    from django.db import connection

    if connection.vendor == "postgresql":
        assert _metric(text, "shequtong_db_connections", state="active") >= 1
        assert _metric(text, "shequtong_db_max_connections") > 0
    # The metrics endpoint does not count itself.
    assert _metric(text, "shequtong_http_requests_total", view="ops:metrics", method="GET", status="200") is None


def test_metrics_are_refused_from_outside_and_behind_the_proxy(db, settings):
    settings.TRUSTED_PROXIES = ["127.0.0.1"]
    assert Client(REMOTE_ADDR="203.0.113.9").get("/metrics").status_code == 403
    # Through our nginx (the peer is loopback) the outside caller's address counts.
    assert Client().get("/metrics", HTTP_X_FORWARDED_FOR="203.0.113.9").status_code == 403
    assert Client().get("/metrics").status_code == 200
    settings.METRICS_TOKEN = "a-long-scrape-token"
    outside = Client(REMOTE_ADDR="203.0.113.9")
    assert outside.get("/metrics", HTTP_AUTHORIZATION="Bearer wrong").status_code == 403
    assert outside.get("/metrics", HTTP_AUTHORIZATION="Bearer a-long-scrape-token").status_code == 200
    settings.METRICS_ALLOWED_NETWORKS = ["10.0.0.0/8"]
    assert Client(REMOTE_ADDR="10.1.2.3").get("/metrics").status_code == 200


# --- readiness, liveness, the worker's heartbeat ----------------------------------------

def test_readiness_needs_the_database_and_a_fresh_worker_heartbeat(db, settings, time_machine):
    settings.REDIS_URL = ""
    client = Client()
    answer = client.get("/readyz")
    assert answer.status_code == 503
    body = answer.json()
    assert body["checks"]["database"]["ok"] is True
    assert body["checks"]["redis"] == {"ok": True, "detail": "not configured", "ms": body["checks"]["redis"]["ms"]}
    assert body["checks"]["worker"] == {"ok": False, "detail": "no heartbeat", "ms": body["checks"]["worker"]["ms"]}

    heart = heartbeat.Heart("host:7")
    heart.beat()
    assert client.get("/readyz").status_code == 200
    # The worker stops beating: after the max age the platform is not ready.
    time_machine.move_to(clock.now() + timedelta(seconds=settings.WORKER_HEARTBEAT_MAX_AGE_SECONDS + 5))
    answer = client.get("/readyz")
    assert answer.status_code == 503 and answer.json()["checks"]["worker"]["ok"] is False
    assert heart.beat() is True
    assert client.get("/readyz").status_code == 200
    # The liveness probe touches nothing and answers regardless.
    assert client.get("/healthz").status_code == 200


def test_the_heartbeat_is_written_at_most_every_interval(db, settings, time_machine):
    settings.WORKER_HEARTBEAT_SECONDS = 15
    heart = heartbeat.Heart("host:8")
    assert heart.beat() is True
    assert heart.beat() is False
    time_machine.move_to(clock.now() + timedelta(seconds=16))
    assert heart.beat() is True
    assert WorkerHeartbeat.objects.get(worker="host:8").beats == 2
    heart.stop()
    assert not WorkerHeartbeat.objects.filter(worker="host:8").exists()


def test_the_worker_command_beats(db):
    from django.core.management import call_command

    call_command("worker", "--once", stdout=io.StringIO())
    beat = WorkerHeartbeat.objects.get()
    assert beat.worker == heartbeat.worker_name() and beat.beats == 1


def test_readiness_reports_redis_down_without_its_address(db, settings):
    settings.REDIS_URL = "redis://127.0.0.1:1/0"  # nothing listens on port 1
    heartbeat.Heart("host:9").beat()
    answer = Client().get("/readyz")
    assert answer.status_code == 503
    assert answer.json()["checks"]["redis"]["ok"] is False
    assert "127.0.0.1" not in answer.content.decode()
    assert [c.name for c in health.run_checks()] == ["database", "redis", "worker"]


def test_readiness_pings_a_live_redis(db, settings):
    import redis

    try:
        redis.Redis(host="127.0.0.1", port=6379, socket_connect_timeout=0.5).ping()
    except redis.RedisError:
        pytest.skip("no Redis on 127.0.0.1:6379")
    settings.REDIS_URL = "redis://127.0.0.1:6379/13"
    heartbeat.Heart("host:10").beat()
    answer = Client().get("/readyz")
    assert answer.status_code == 200, answer.content
    assert answer.json()["checks"]["redis"]["detail"] == "ok"
