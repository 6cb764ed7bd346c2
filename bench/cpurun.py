"""CPU per operation in one command: server, sessions, bench/cpucost.py, stop.

    python bench/cpurun.py --db shequtong_full --requests 100 [--rounds 2] [--out var/bench/cpu.json]

Against an already seeded benchmark database (bench/run.py --seed-only):
starts Redis and a one-worker, one-thread gunicorn (bench/server.py), prepares
50 users' sessions (bench/prepare.py; the plan is kept in
var/bench/<db>.cpu-plan.json and reused), runs bench/cpucost.py --rounds
times and prints each table, then stops everything. With --rounds 2 or more the
last table is the per-operation median over rounds.
"""

from __future__ import annotations

import argparse
import json
import signal
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))

import cpucost  # noqa: E402
import server  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", required=True)
    parser.add_argument("--port", type=int, default=8766)
    parser.add_argument("--redis-port", type=int, default=6398)
    parser.add_argument("--requests", type=int, default=100)
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--fresh-plan", action="store_true", help="prepare new sessions even if a plan exists")
    parser.add_argument("--out")
    parser.add_argument("--profile", metavar="FILE",
                        help="sample the worker with py-spy during the rounds (raw folded stacks to FILE) and "
                             "print the share of samples under each part of the request (bench/spyshare.py)")
    args = parser.parse_args()

    redis = server.start_redis(args.redis_port)
    env = server.bench_env(args.db, args.redis_port if redis else None)
    plan_path = server.VAR / f"{args.db}.cpu-plan.json"
    capture = server.VAR / f"{args.db}.cpu-capture.pkl"
    proc = None
    try:
        # DEBUG off serves the hashed static names: the manifest must match this checkout.
        subprocess.run([sys.executable, "manage.py", "collectstatic", "--no-input", "-v0"], cwd=ROOT, env=env, check=True)
        if args.fresh_plan or not plan_path.exists():
            subprocess.run([sys.executable, "bench/prepare.py", "--users", str(args.users), "--out", str(plan_path),
                            "--capture", str(capture)], cwd=ROOT, env=env, check=True)
        proc = server.start_server(env, args.port, 1, 1)
        server.wait_ready(f"http://127.0.0.1:{args.port}", proc=proc)
        time.sleep(1)
        spy = None
        if args.profile:
            worker = cpucost.worker_pids(proc.pid)[-1]
            spy = subprocess.Popen([str(server.BIN / "py-spy"), "record", "--pid", str(worker), "--format", "raw",
                                    "--rate", "250", "--nonblocking", "--output", args.profile],
                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            time.sleep(1)
        plan = json.loads(plan_path.read_text(encoding="utf-8"))
        dsn = server.PG + "/postgres"
        rounds: list[list[dict[str, Any]]] = []
        for i in range(args.rounds):
            rows = cpucost.measure(plan, f"http://127.0.0.1:{args.port}", proc.pid, dsn, args.db, args.requests)
            rounds.append(rows)
            print(f"round {i + 1}\n{cpucost.table(rows)}\n", flush=True)
        if args.rounds > 1:
            median = [{**r0, **{k: statistics.median(rs[j][k] for rs in rounds) for k in ("app_ms", "db_ms", "wall_ms")}}
                      for j, r0 in enumerate(rounds[0])]
            print(f"median of {args.rounds} rounds\n{cpucost.table(median)}")
        if args.out:
            Path(args.out).write_text(json.dumps(rounds, indent=1), encoding="utf-8")
        if spy is not None:
            spy.send_signal(signal.SIGINT)
            spy.wait(timeout=60)
            import spyshare

            print(spyshare.report(Path(args.profile)))
    finally:
        server.stop(proc)
        server.stop(redis)
    return 0


if __name__ == "__main__":
    sys.exit(main())
