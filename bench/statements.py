"""Statements per operation, warm: what each operation of the mix asks the database, in-process.

    python bench/statements.py --db shequtong_full [--ops home,post_detail] [--verbose]

Against a seeded benchmark database with its prepared sessions (bench/cpurun.py or
bench/prepare.py makes var/bench/<db>.cpu-plan.json): runs each operation three times as the
same user through Django's test client, with a private Redis as in production, and prints the
statements of the third request (sessions, identities and kept values warm). The counts are
exact, so they compare code versions on a busy machine where CPU timings do not.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import server  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", required=True)
    parser.add_argument("--ops", default="", help="comma-separated operation names (default: the whole mix)")
    parser.add_argument("--redis-port", type=int, default=6397)
    parser.add_argument("--verbose", action="store_true", help="print each statement too")
    args = parser.parse_args()
    plan_path = server.VAR / f"{args.db}.cpu-plan.json"
    if not plan_path.exists():
        raise SystemExit(f"{plan_path} is missing: run bench/cpurun.py --db {args.db} once first")
    os.environ.update(server.bench_env(args.db, args.redis_port))
    os.environ["DJANGO_SETTINGS_MODULE"] = "shequtong.settings"
    redis = server.start_redis(args.redis_port)
    try:
        import django

        django.setup()
        import mix
        from common import fill, values_for
        from django.db import connection
        from django.test import Client
        from django.test.utils import CaptureQueriesContext

        plan = json.loads(plan_path.read_text(encoding="utf-8"))
        rng = random.Random(1)
        names = [n for n in args.ops.split(",") if n] or [op.name for op in mix.OPS]
        print("| operation | status | statements |\n|---|---|---:|")
        for name in names:
            op = mix.OPS_BY_NAME[name]
            user = next(u for u in plan["users"] if u["role"] == op.role)
            client = Client(HTTP_X_CSRFTOKEN=user["csrf"], HTTP_ACCEPT_LANGUAGE="zh-hans")
            client.cookies[plan["session_cookie"]] = user["session"]
            client.cookies[plan["csrf_cookie"]] = user["csrf"]
            for _ in range(3):
                values = values_for(user, plan, rng)
                url = fill(plan["urls"][name], values)
                form = {k: fill(v, values) for k, v in (plan["forms"].get(name) or {}).items()}
                with CaptureQueriesContext(connection) as ctx:
                    response = client.post(url, form) if op.method == "POST" else client.get(url)
            print(f"| {name} | {response.status_code} | {len(ctx.captured_queries)} |")
            if args.verbose:
                for q in ctx.captured_queries:
                    print(f"|  | | `{q['sql'][:140]}` |")
    finally:
        server.stop(redis)
    return 0


if __name__ == "__main__":
    sys.exit(main())
