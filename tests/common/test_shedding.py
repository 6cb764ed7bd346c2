"""Load shedding: a request that waited too long behind the proxy is refused at once, cheaply."""

from __future__ import annotations

import http.server
import shutil
import socket
import subprocess
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from django.test import override_settings

from shequtong.common.shedding import BUSY_MESSAGE, queued_ms

pytestmark = pytest.mark.django_db


def stamp(seconds_ago: float) -> str:
    return f"t={time.time() - seconds_ago:.3f}"


def test_queue_time_reads_nginx_and_microsecond_stamps(rf):
    assert queued_ms(rf.get("/")) is None
    assert queued_ms(rf.get("/", HTTP_X_REQUEST_START="garbage")) is None
    assert 1900 < queued_ms(rf.get("/", HTTP_X_REQUEST_START=stamp(2))) < 2500
    micros = f"t={int((time.time() - 3) * 1e6)}"
    assert 2900 < queued_ms(rf.get("/", HTTP_X_REQUEST_START=micros)) < 3500


def test_a_request_that_waited_too_long_is_refused_without_touching_the_database(client, django_assert_num_queries):
    with django_assert_num_queries(0):
        response = client.get("/accounts/login/", HTTP_X_REQUEST_START=stamp(5))
    assert response.status_code == 503
    assert response["Retry-After"] == "3"
    assert response["Cache-Control"] == "no-store"
    text = response.content.decode()
    assert BUSY_MESSAGE in text and 'http-equiv="refresh"' in text and 'lang="zh-Hans"' in text


def test_the_api_gets_the_refusal_in_its_error_format(client):
    response = client.get("/api/v1/accounts/me", HTTP_X_REQUEST_START=stamp(5))
    assert response.status_code == 503
    assert response.json() == {"code": "busy", "message": BUSY_MESSAGE, "field": None}


def test_fresh_or_unstamped_requests_and_health_checks_are_served(client):
    assert client.get("/accounts/login/", HTTP_X_REQUEST_START=stamp(0.01)).status_code == 200
    assert client.get("/accounts/login/").status_code == 200
    assert client.get("/healthz", HTTP_X_REQUEST_START=stamp(60)).status_code == 200


@override_settings(SHED_QUEUE_MS=0)
def test_zero_turns_shedding_off(client):
    assert client.get("/accounts/login/", HTTP_X_REQUEST_START=stamp(60)).status_code == 200


# --- the proxy's stage: deploy/nginx's configuration, run by a real nginx ------------------

def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class SlowApp(http.server.BaseHTTPRequestHandler):
    """Stands in for a saturated app server: every request takes a second."""

    def do_GET(self) -> None:  # noqa: N802 - the stdlib's name
        time.sleep(1.0)
        body = self.headers.get("X-Request-Start", "").encode()
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.mark.skipif(shutil.which("nginx") is None and not Path("/usr/sbin/nginx").exists(),
                    reason="nginx is not installed (.ci/run installs nginx-light)")
def test_nginx_refuses_over_its_cap_at_once_and_stamps_what_it_passes(tmp_path):
    import sys

    sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))
    import server as bench_server

    upstream = http.server.ThreadingHTTPServer(("127.0.0.1", free_port()), SlowApp)
    threading.Thread(target=upstream.serve_forever, daemon=True).start()
    port = free_port()
    conf = tmp_path / "nginx.conf"
    (tmp_path / "logs").mkdir()
    conf.write_text("\n".join([
        "worker_processes 1;", f"pid {tmp_path}/nginx.pid;", f"error_log {tmp_path}/logs/error.log warn;",
        "events { worker_connections 64; }", "http {", "  access_log off;",
        bench_server.render_nginx(f"127.0.0.1:{port}", f"127.0.0.1:{upstream.server_port}", 1), "}"]))
    nginx = bench_server.nginx_binary()
    assert nginx is not None
    proc = subprocess.Popen([nginx, "-p", str(tmp_path), "-c", str(conf), "-g", "daemon off;"])  # noqa: S603
    try:
        for _ in range(50):
            with socket.socket() as s:
                if s.connect_ex(("127.0.0.1", port)) == 0:
                    break
            time.sleep(0.1)
        results: dict[str, object] = {}

        def first() -> None:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/slow") as r:  # noqa: S310 - loopback
                results["first"] = (r.status, r.read().decode())

        t = threading.Thread(target=first)
        t.start()
        time.sleep(0.3)  # the first request now occupies the only slot
        started = time.monotonic()
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/other")  # noqa: S310 - loopback
        waited = time.monotonic() - started
        t.join()
        assert refused.value.code == 503
        assert refused.value.headers["Retry-After"] == "3"
        assert BUSY_MESSAGE in refused.value.read().decode()
        # Refused while the slot was still busy, not after waiting for it.
        assert waited < 0.7, waited
        status, seen_stamp = results["first"]
        assert status == 200 and seen_stamp.startswith("t=")
        t2 = threading.Thread(target=first)
        t2.start()
        time.sleep(0.3)
        with pytest.raises(urllib.error.HTTPError) as api_refused:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/api/v1/x")  # noqa: S310 - loopback
        t2.join()
        assert api_refused.value.headers["Content-Type"].startswith("application/json")
        assert BUSY_MESSAGE in api_refused.value.read().decode()
        # A shed POST (a form, an API write) gets the same 503 and words, not nginx's 405 for a file.
        for path, kind in (("/boards/posts/1/reply/", "text/html"), ("/api/v1/letters", "application/json")):
            t3 = threading.Thread(target=first)
            t3.start()
            time.sleep(0.3)
            with pytest.raises(urllib.error.HTTPError) as post_refused:
                urllib.request.urlopen(urllib.request.Request(  # noqa: S310 - loopback
                    f"http://127.0.0.1:{port}{path}", data=b"body=x", method="POST"))
            t3.join()
            assert post_refused.value.code == 503, path
            assert post_refused.value.headers["Retry-After"] == "3"
            assert post_refused.value.headers["Content-Type"].startswith(kind), path
            assert BUSY_MESSAGE in post_refused.value.read().decode()
    finally:
        proc.terminate()
        proc.wait(timeout=10)
        upstream.shutdown()
