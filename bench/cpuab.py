"""CPU per operation of two code versions, measured side by side: the A/B of an optimisation.

    python bench/cpuab.py --db shequtong_full --other /path/to/other/checkout [--requests 40 --rounds 3]

On a shared two-core machine CPU seconds per request move by ±10–40 % with what else runs
(docs/performance.md), so two versions measured minutes apart are not comparable. This starts
one one-worker, one-thread gunicorn from this checkout (B) and one from ``--other`` (A, e.g.
``git worktree add /tmp/base main``), both on the same database with their own Redis database,
and for every operation alternates blocks of ``--requests`` requests between them, ``--rounds``
times, so both versions meet the same background. It prints per operation the median CPU of
each version and the ratio B ÷ A, and the weighted mix. Needs the prepared sessions of
bench/cpurun.py (var/bench/<db>.cpu-plan.json).
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))

import cpucost  # noqa: E402
import mix  # noqa: E402
import server  # noqa: E402


def start(checkout: Path, env: dict[str, str], port: int, server_name: str = "gunicorn") -> subprocess.Popen[bytes]:
    if server.port_in_use(port):
        raise SystemExit(f"port {port} is already in use")
    subprocess.run([sys.executable, "manage.py", "collectstatic", "--no-input", "-v0"], cwd=checkout, env=env, check=True)
    if server_name == "uwsgi":  # a measuring option (pip install pyuwsgi), not a dependency
        if not (server.BIN / "uwsgi").exists():
            raise SystemExit("--server-b uwsgi needs uWSGI in the venv: .venv/bin/pip install pyuwsgi")
        # uWSGI's HTTP parsing is C; one process, one thread, as the gunicorn below.
        cmd = [str(server.BIN / "uwsgi"), "--http11-socket", f"127.0.0.1:{port}", "--module", "shequtong.wsgi:application",
               "--master", "--processes", "1", "--threads", "1", "--enable-threads", "--chdir", str(checkout),
               "--buffer-size", "32768",
               "--disable-logging", "--die-on-term", "--need-app", "--harakiri", "120"]
        return subprocess.Popen(cmd, cwd=checkout, env={**env, "PYTHONPATH": str(checkout)})
    # gunicorn-sync: the sync worker (no thread pool, no poller; one request a process, the
    # connection closed after it, so each request also pays a TCP connect, as behind nginx).
    worker_class = "sync" if server_name == "gunicorn-sync" else "gthread"
    cmd = [str(server.BIN / "gunicorn"), "shequtong.wsgi:application", "--bind", f"127.0.0.1:{port}",
           "--workers", "1", "--worker-class", worker_class, "--threads", "1", "--keep-alive", "10",
           "--log-level", "warning", "--timeout", "120", "--chdir", str(checkout)]
    # The checkout's own package first, whatever the venv's editable install points at.
    return subprocess.Popen(cmd, cwd=checkout, env={**env, "PYTHONPATH": str(checkout)})


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", required=True)
    parser.add_argument("--other", required=True, help="the checkout of version A (this one is B)")
    parser.add_argument("--requests", type=int, default=40)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--ports", default="8771,8772")
    parser.add_argument("--redis-port", type=int, default=6397)
    parser.add_argument("--ops", help="comma-separated operation names (default: the whole mix)")
    parser.add_argument("--env-b", action="append", default=[], metavar="NAME=VALUE",
                        help="an environment variable for version B only (A/B of a setting: --other .)")
    parser.add_argument("--server-b", choices=("gunicorn", "gunicorn-sync", "uwsgi"), default="gunicorn",
                        help="the app server of version B (A/B of the server: --other . --server-b uwsgi)")
    parser.add_argument("--out")
    args = parser.parse_args()
    plan_path = server.VAR / f"{args.db}.cpu-plan.json"
    if not plan_path.exists():
        raise SystemExit(f"{plan_path} is missing: run bench/cpurun.py --db {args.db} once first")
    plan = json.loads(plan_path.read_text(encoding="utf-8"))
    other = Path(args.other).resolve()
    (other / "var" / "bench").mkdir(parents=True, exist_ok=True)
    keys = server.VAR / f"{args.db}.keys.json"
    (other / "var" / "bench" / keys.name).write_text(keys.read_text())
    port_a, port_b = (int(p) for p in args.ports.split(","))
    redis = server.start_redis(args.redis_port)
    procs: list[subprocess.Popen[bytes]] = []
    try:
        base_env = server.bench_env(args.db, args.redis_port if redis else None)
        env_a = {**base_env, "REDIS_URL": f"redis://127.0.0.1:{args.redis_port}/1"} if redis else base_env
        env_b = {**base_env, "REDIS_URL": f"redis://127.0.0.1:{args.redis_port}/0"} if redis else base_env
        env_b.update(dict(kv.split("=", 1) for kv in args.env_b))
        procs = [start(other, env_a, port_a), start(ROOT, env_b, port_b, args.server_b)]
        for port, proc in zip((port_a, port_b), procs, strict=True):
            server.wait_ready(f"http://127.0.0.1:{port}", proc=proc)
        time.sleep(1)
        dsn = server.PG + "/postgres"
        sends = [cpucost.sender(plan, f"http://127.0.0.1:{p}", random.Random(7)) for p in (port_a, port_b)]
        wanted = set(args.ops.split(",")) if args.ops else None
        ops = [op for op in mix.OPS if op.name in plan["available"] and (wanted is None or op.name in wanted)]
        results: dict[str, list[list[dict[str, Any]]]] = {op.name: [[], []] for op in ops}
        for op in ops:  # warm both
            for send in sends:
                for _ in range(args.requests):
                    send(op)
        for _ in range(args.rounds):
            for op in ops:
                for side in (0, 1) if _ % 2 == 0 else (1, 0):
                    results[op.name][side].append(
                        cpucost.measure_op(sends[side], op, procs[side].pid, dsn, args.db, args.requests))
        print("| operation | app CPU ms, A | app CPU ms, B | B ÷ A | PostgreSQL CPU ms, A | B | statuses B |")
        print("|---|---:|---:|---:|---:|---:|---|")
        med: dict[str, list[dict[str, float]]] = {}
        for op in ops:
            a, b = ({k: statistics.median(r[k] for r in rs) for k in ("app_ms", "db_ms", "wall_ms")}
                    for rs in results[op.name])
            med[op.name] = [a, b]
            st = results[op.name][1][-1]["statuses"]
            print(f"| {op.name} | {a['app_ms']:.2f} | {b['app_ms']:.2f} | {b['app_ms'] / a['app_ms']:.2f} "
                  f"| {a['db_ms']:.2f} | {b['db_ms']:.2f} | {st} |")
        total = sum(op.weight for op in ops)
        mixed = [{k: sum(med[op.name][side][k] * op.weight for op in ops) / total for k in ("app_ms", "db_ms")}
                 for side in (0, 1)]
        print(f"| **mix (weighted)** | **{mixed[0]['app_ms']:.2f}** | **{mixed[1]['app_ms']:.2f}** "
              f"| **{mixed[1]['app_ms'] / mixed[0]['app_ms']:.2f}** | {mixed[0]['db_ms']:.2f} | {mixed[1]['db_ms']:.2f} | |")
        if args.out:
            Path(args.out).write_text(json.dumps(results, indent=1), encoding="utf-8")
    finally:
        for proc in procs:
            server.stop(proc)
        server.stop(redis)
    return 0


if __name__ == "__main__":
    sys.exit(main())
