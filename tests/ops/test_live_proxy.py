"""The live process behind nginx, end to end with a stand-in app (the real one needs a database).

deploy/nginx's server block is rendered as bench/server.py does, with LIVE_UPSTREAM pointing at
`gunicorn -k asgi` (gunicorn's own ASGI worker, as the `live` service runs it) serving a tiny
streaming ASGI app (tests/ops/sse_app.py) and UPSTREAM at a plain HTTP server standing in for
the pages. It shows that each stream URL (from Django's resolver) reaches the ASGI process with
the pages' headers, that its first event arrives while the stream is still open, and that open
streams do not use the app's connection cap (MAX_CONNS=1 here). It does not tell
`proxy_buffering off` from on (nginx 1.22 passed this small first event on at once either way);
tests/ops/test_deploy.py checks that directive.
"""

from __future__ import annotations

import http.client
import http.server
import os
import shutil
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from django.urls import reverse

ROOT = Path(__file__).resolve().parents[2]
GUNICORN = ROOT / ".venv" / "bin" / "gunicorn"
NGINX = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_for(port: int, proc: subprocess.Popen[bytes]) -> None:
    for _ in range(100):
        assert proc.poll() is None, "the server exited"
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    raise AssertionError(f"nothing listens on {port}")


class Pages(http.server.BaseHTTPRequestHandler):
    def do_GET(self) -> None:  # noqa: N802 - http.server's name
        body = b"web"
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.mark.skipif(NGINX is None, reason="nginx is not installed (.ci/run installs nginx-light)")
def test_streams_reach_the_asgi_process_unbuffered_and_outside_the_app_cap(tmp_path):
    sys.path.insert(0, str(ROOT / "bench"))
    import server as bench_server

    from . import sse_app

    pages = http.server.ThreadingHTTPServer(("127.0.0.1", _free_port()), Pages)
    threading.Thread(target=pages.serve_forever, daemon=True).start()
    live_port, port = _free_port(), _free_port()
    live = subprocess.Popen(  # noqa: S603 - our own venv's gunicorn on loopback
        [str(GUNICORN), "-k", "asgi", "-w", "1", "-b", f"127.0.0.1:{live_port}", "--pythonpath", str(Path(__file__).parent),
         "--control-socket", str(tmp_path / "gunicorn.ctl"), "sse_app:app"],
        cwd=tmp_path, env={**os.environ, "PYTHONPATH": ""}, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    (tmp_path / "logs").mkdir()
    conf = tmp_path / "nginx.conf"
    conf.write_text("\n".join([
        "worker_processes 1;", f"pid {tmp_path}/nginx.pid;", f"error_log {tmp_path}/logs/error.log warn;",
        "events { worker_connections 64; }", "http {", "  access_log off;",
        bench_server.render_nginx(f"127.0.0.1:{port}", f"127.0.0.1:{pages.server_port}", 1,
                                  live_upstream=f"127.0.0.1:{live_port}"), "}"]))
    nginx = subprocess.Popen([NGINX, "-p", str(tmp_path), "-c", str(conf), "-g", "daemon off;"])  # noqa: S603
    streams: list[http.client.HTTPConnection] = []
    try:
        _wait_for(live_port, live)
        _wait_for(port, nginx)
        paths = [reverse("chats:stream", args=[7]), reverse("observe:feed_stream"), reverse("cityops:wall_stream")]
        for path in paths:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
            started = time.monotonic()
            connection.request("GET", path, headers={"Accept": "text/event-stream", "X-Forwarded-For": "6.6.6.6"})
            response = connection.getresponse()
            assert response.status == 200 and response.headers["Content-Type"] == "text/event-stream"
            first = response.read1(200).decode()
            waited = time.monotonic() - started
            # The first event while the app still holds the stream open.
            assert waited < sse_app.HOLD_SECONDS / 2, waited
            seen_path, request_id, client = first.removeprefix("data: ").split()
            # The same headers as the pages: nginx's request id, the client's address (not the forged one).
            assert seen_path == path and len(request_id) == 32 and client == "127.0.0.1"
            streams.append(connection)
        # Three streams open and the app's cap is 1: pages are still served, streams do not count.
        page = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
        page.request("GET", reverse("chats:detail", args=[7]))
        answer = page.getresponse()
        assert (answer.status, answer.read()) == (200, b"web")
        page.close()
    finally:
        for connection in streams:
            connection.close()
        nginx.terminate()
        nginx.wait()
        live.terminate()
        live.wait()
        pages.shutdown()
