"""Observer pages one at a time, in-process: wall time and SQL time per page (no concurrency).

    python bench/observer_sql.py --plan var/bench/<run>/plan.json [--verbose]

Run with the benchmark's environment (the database's keys, DEBUG off; see
bench/server.py). Each page of the plan's observer list is requested once to
warm caches, then once measured with Django's query capture: how long the
request took, how much of it was SQL, and (with --verbose) the three slowest
statements. This is the figure used to compare index and query changes on the
full dataset, because it does not depend on how busy the machine's two cores are.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shequtong.settings")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from shequtong.common import versioned  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--plan", required=True)
    parser.add_argument("--verbose", action="store_true")
    parser.add_argument("--only", action="append", default=[],
                        help="run only pages whose name contains this (repeatable)")
    parser.add_argument("--repeat", type=int, default=1,
                        help="measure each page this many times; print the median")
    parser.add_argument("--touch", action="append", default=[], metavar="DEP",
                        help="touch this versioned dependency before each measured request, as the write that "
                             "moves it does (e.g. cases:before-today, what handling an older case touches); "
                             "needs REDIS_URL, without which nothing is kept (repeatable)")
    args = parser.parse_args()
    plan = json.loads(Path(args.plan).read_text(encoding="utf-8"))
    clients = {}
    for who, observer in plan["observers"].items():
        clients[who] = Client()
        clients[who].cookies[settings.SESSION_COOKIE_NAME] = observer["session"]
    for page in plan["observer_pages"]:
        if args.only and not any(o in page["name"] for o in args.only):
            continue
        client = clients[page["as"]]
        client.get(page["url"])
        runs = []
        for _ in range(max(1, args.repeat)):
            versioned.touch(*args.touch)
            t0 = time.perf_counter()
            with CaptureQueriesContext(connection) as ctx:
                response = client.get(page["url"])
            wall = (time.perf_counter() - t0) * 1000
            sql = sum(float(q["time"]) for q in ctx.captured_queries) * 1000
            runs.append((wall, sql))
        wall = sorted(r[0] for r in runs)[len(runs) // 2]
        sql = sorted(r[1] for r in runs)[len(runs) // 2]
        print(f"{page['name'][:48]:48s} {response.status_code} wall {wall:6.1f} ms, SQL {sql:6.1f} ms "
              f"in {len(ctx.captured_queries)} statements")
        if args.verbose:
            for q in sorted(ctx.captured_queries, key=lambda q: -float(q["time"]))[:3]:
                print(f"    {float(q['time']) * 1000:6.1f} ms  {q['sql'][:300]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
