"""The floor: CPU of the cheapest request the app server can answer, with and without Django.

    python bench/floor.py --db shequtong_full [--requests 3000 --rounds 3]

Starts one one-worker, one-thread gunicorn (as bench/cpuab.py does) for each of:

- ``wsgi``: a WSGI callable that answers "ok" without Django (``bench/floor.py:hello``): what
  gunicorn itself costs per request (parsing, sockets, the worker's loop);
- ``django``: the app's ``/healthz`` (public, no session, no database, no template), through the
  whole middleware stack: what every request of the app costs before its view does anything.

and sends ``--requests`` keep-alive GETs to each, alternating ``--rounds`` times, reading the
worker's CPU from /proc. Any real page costs at least the ``django`` figure; docs/performance.md
(issue 11, ninth step) sets it against the CPU per operation that two cores can afford.
"""

from __future__ import annotations

import argparse
import http.client
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))

import cpucost  # noqa: E402
import server  # noqa: E402


def hello(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:  # noqa: ARG001
    """The least a WSGI app can do: the gunicorn-only floor."""
    start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", "2")])
    return [b"ok"]


def start(app: str, env: dict[str, str], port: int) -> subprocess.Popen[bytes]:
    if server.port_in_use(port):
        raise SystemExit(f"port {port} is already in use")
    target = {"wsgi": "floor:hello", "django": "shequtong.wsgi:application"}[app]
    cmd = [str(server.BIN / "gunicorn"), target, "--bind", f"127.0.0.1:{port}", "--workers", "1",
           "--worker-class", "gthread", "--threads", "1", "--keep-alive", "10", "--log-level", "warning",
           "--chdir", str(ROOT)]
    return subprocess.Popen(cmd, cwd=ROOT, env={**env, "PYTHONPATH": f"{ROOT}:{ROOT / 'bench'}"})


def measure(port: int, master: int, requests: int) -> float:
    """CPU milliseconds of the worker per request, over ``requests`` keep-alive GETs of /healthz."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    pids = cpucost.worker_pids(master)
    before = cpucost.tree_cpu(pids)
    for _ in range(requests):
        conn.request("GET", "/healthz")
        response = conn.getresponse()
        response.read()
        if response.status != 200:
            raise SystemExit(f"/healthz on :{port} answered {response.status}")
    conn.close()
    return (cpucost.tree_cpu(pids) - before) * 1000 / requests


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", required=True)
    parser.add_argument("--requests", type=int, default=3000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--ports", default="8773,8774")
    args = parser.parse_args()
    env = server.bench_env(args.db, None)
    subprocess.run([sys.executable, "manage.py", "collectstatic", "--no-input", "-v0"], cwd=ROOT, env=env, check=True)
    ports = dict(zip(("wsgi", "django"), (int(p) for p in args.ports.split(",")), strict=True))
    procs = {app: start(app, env, port) for app, port in ports.items()}
    results: dict[str, list[float]] = {app: [] for app in ports}
    try:
        for app, port in ports.items():
            server.wait_ready(f"http://127.0.0.1:{port}", proc=procs[app])
        time.sleep(1)
        for app, port in ports.items():  # warm
            measure(port, procs[app].pid, min(args.requests, 500))
        for round_ in range(args.rounds):
            for app in ports if round_ % 2 == 0 else reversed(list(ports)):
                results[app].append(measure(ports[app], procs[app].pid, args.requests))
                print(f"round {round_ + 1} {app}: {results[app][-1]:.3f} ms", flush=True)
    finally:
        for proc in procs.values():
            server.stop(proc)
    print("| server | app CPU ms per request (median) |\n|---|---:|")
    for app, values in results.items():
        print(f"| {app} | {statistics.median(values):.3f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
