"""CPU of one page in process, two code versions alternating: where a page's own cost shows.

    python bench/pageab.py --db shequtong_full --other /path/to/other/checkout --op board_list \
        [--requests 300 --rounds 3]

bench/cpuab.py measures a page through gunicorn, where the worker's fixed cost per request
(sockets, request parsing, the access log) and the 10 ms ticks of /proc dilute a change to the
page itself. This sends the page through Django's test client inside one Python process per
version (the operations of bench/mix.py with 50 users' sessions that bench/prepare.py opens at the
start, var/bench/<db>.page-plan.json; the same database, a Redis of its own), and reads the process's CPU time (time.process_time)
around --requests requests after as many unmeasured ones. The versions alternate --rounds times
so both meet the same background; it prints each round and the medians with their ratio.
Writes (a POST in the plan) work too, and change the database like cpuab's do.

    python bench/pageab.py --db shequtong_full --op home --profile [--sort tottime --top 40]

profiles this checkout's page instead (cProfile around the measured requests, no other
version): where one request's time goes, per function, divided by the requests.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent


def child(root: str, plan_path: str, db: str, redis_port: int, op: str, requests: int,
          profile: tuple[str, int] | None = None, gc_stats: bool = False) -> None:
    """In a process of its own: set up Django from ``root`` and measure ``op``."""
    sys.path[:0] = [root, str(Path(root) / "bench")]
    os.chdir(root)
    import server

    env = server.bench_env(db, redis_port)
    for key in [k for k in os.environ if k.startswith(("DJANGO_", "DATABASE_URL", "REDIS_URL"))]:
        del os.environ[key]
    os.environ.update(env)
    os.environ["DJANGO_SETTINGS_MODULE"] = "shequtong.settings"
    import logging

    # As a server's worker starts: settings, the app and the word dictionary (shequtong/wsgi.py).
    import shequtong.wsgi  # noqa: F401

    logging.disable(logging.CRITICAL)  # the access log goes nowhere here; gunicorn's run writes it
    from common import send_in_process
    from django.test import Client

    plan = json.loads(Path(plan_path).read_text(encoding="utf-8"))
    committee = op in ("case_list", "case_update")
    users = [u for u in plan["users"] if (u["role"] == "committee") == committee]
    client = Client(HTTP_HOST="127.0.0.1")  # one handler: middleware is loaded once, as in a worker
    rng = random.Random(1)
    expected = set(plan.get("capture_statuses", {}).get(op) or [200 if plan["forms"][op] is None else 302])

    def once(i: int) -> None:
        url, response = send_in_process(client, plan, op, users[i % len(users)], rng)
        if response.status_code not in expected:  # a 302 to the login page is no measurement of the page
            raise SystemExit(f"{op}: {url} answered {response.status_code}, not {sorted(expected)}")

    for i in range(requests):
        once(i)
    if profile is not None:
        import cProfile
        import io
        import pstats

        profiler = cProfile.Profile()
        profiler.enable()
        for i in range(requests):
            once(i)
        profiler.disable()
        out = io.StringIO()
        stats = pstats.Stats(profiler, stream=out)
        stats.sort_stats(profile[0]).print_stats(profile[1])
        print(f"{requests} requests profiled: divide the times below by {requests} for one request")
        print(out.getvalue())
        return
    collections: dict[int, list[float]] = {0: [], 1: [], 2: []}
    if gc_stats:
        import gc

        began: list[float] = []

        def timed(phase: str, info: dict[str, int]) -> None:
            if phase == "start":
                began.append(time.perf_counter())
            elif began:
                collections[info["generation"]].append(time.perf_counter() - began.pop())

        gc.callbacks.append(timed)
    started = time.process_time()
    for i in range(requests):
        once(i)
    result: dict[str, Any] = {"ms": (time.process_time() - started) / requests * 1000}
    if gc_stats:
        gc.callbacks.remove(timed)
        result["gc"] = {f"gen{g}": {"per_request": len(times) / requests, "ms_per_request": sum(times) / requests * 1000,
                                    "longest_ms": max(times, default=0) * 1000}
                        for g, times in collections.items()}
        result["gc"]["objects"] = len(gc.get_objects())
        result["gc"]["frozen"] = gc.get_freeze_count()
        result["gc"]["threshold"] = gc.get_threshold()
    print(json.dumps(result))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", required=True)
    parser.add_argument("--other", help="the other checkout (A); this one is B")
    parser.add_argument("--op", required=True, help="an operation of the plan: home, board_list, post_detail, …")
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--redis-port", type=int, default=6397)
    parser.add_argument("--profile", action="store_true", help="profile this checkout's page (cProfile) instead")
    parser.add_argument("--sort", default="tottime", help="with --profile: pstats sort key (tottime, cumulative)")
    parser.add_argument("--top", type=int, default=40, help="with --profile: functions to print")
    parser.add_argument("--env-b", action="append", default=[], metavar="NAME=VALUE",
                        help="an environment variable for version B only (A/B of a setting: --other .)")
    parser.add_argument("--gc", action="store_true",
                        help="also print the cyclic garbage collector's collections and time per request")
    parser.add_argument("--child", metavar="ROOT", help=argparse.SUPPRESS)
    parser.add_argument("--plan", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child, args.plan, args.db, args.redis_port, args.op, args.requests,
              (args.sort, args.top) if args.profile else None, args.gc)
        return 0
    if not args.other and not args.profile:
        parser.error("--other or --profile is required")

    sys.path.insert(0, str(ROOT / "bench"))
    import server

    redis = server.start_redis(args.redis_port)
    versions = {"B": str(ROOT)} if args.profile else {"A": str(Path(args.other).resolve()), "B": str(ROOT)}
    results: dict[str, list[float]] = {"A": [], "B": []}
    plan = server.VAR / f"{args.db}.page-plan.json"
    try:
        # Fresh sessions: the plan's expire after 30 idle minutes (SESSION_COOKIE_AGE) like anyone's.
        subprocess.run([sys.executable, "bench/prepare.py", "--users", "50", "--out", str(plan),
                        "--capture", str(server.VAR / f"{args.db}.page-capture.pkl")],
                       cwd=ROOT, env=server.bench_env(args.db, args.redis_port), check=True, stdout=subprocess.DEVNULL)
        if args.profile:
            command = [sys.executable, __file__, "--child", str(ROOT), "--plan", str(plan), "--db", args.db,
                       "--op", args.op, "--requests", str(args.requests), "--redis-port", str(args.redis_port),
                       "--profile", "--sort", args.sort, "--top", str(args.top)]
            subprocess.run(command, check=True)
            return 0
        for round_ in range(args.rounds):
            for version, root in versions.items():
                out = subprocess.run([sys.executable, __file__, "--child", root, "--plan", str(plan), "--db", args.db,
                                      "--op", args.op,
                                      "--requests", str(args.requests), "--redis-port", str(args.redis_port),
                                      *(["--gc"] if args.gc else [])],
                                     capture_output=True, text=True,
                                     env={**os.environ, **(dict(item.split("=", 1) for item in args.env_b)
                                                           if version == "B" else {})})
                if out.returncode:
                    raise SystemExit(f"{version} ({root}) failed:\n{out.stderr[-3000:]}")
                measured = json.loads(out.stdout.strip().splitlines()[-1])
                ms = measured["ms"]
                results[version].append(ms)
                print(f"round {round_ + 1} {version}: {ms:.2f} ms", flush=True)
                if "gc" in measured:
                    print(f"  gc: {json.dumps(measured['gc'])}", flush=True)
    finally:
        if redis is not None:
            redis.terminate()
    a, b = statistics.median(results["A"]), statistics.median(results["B"])
    print(f"| operation | A ms | B ms | B ÷ A |\n|---|---:|---:|---:|\n| {args.op} | {a:.2f} | {b:.2f} | {b / a:.2f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
