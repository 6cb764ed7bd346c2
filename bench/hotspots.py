"""Where the time goes: profile one operation through the real views, in-process.

    python bench/hotspots.py --plan var/bench/plan.json --op post_detail --requests 200 --out var/bench/profile.txt

Runs the operation (or an observer page, by its name in bench/observer.py's list) --requests times with Django's test client and the
prepared sessions (bench/prepare.py), under cProfile, and times every SQL
statement with ``connection.execute_wrapper``. Writes the split (SQL time
against Python time per request, statements per request) and the top
functions by cumulative and by own time.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import os
import pstats
import random
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shequtong.settings")

import django  # noqa: E402

django.setup()

import mix  # noqa: E402
from common import fill, values_for  # noqa: E402
from django.conf import settings  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402


class SqlTimer:
    def __init__(self) -> None:
        self.seconds = 0.0
        self.count = 0

    def __call__(self, execute, sql, params, many, context):  # type: ignore[no-untyped-def]
        t0 = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            self.seconds += time.perf_counter() - t0
            self.count += 1


def observer_request(plan: dict[str, Any], page_name: str) -> tuple[str, dict[str, Any]]:
    """The URL of an observer page (bench/observer.py's list) and the observer who opens it."""
    page = next(p for p in plan["observer_pages"] if p["name"] == page_name)
    return page["url"], plan["observers"][page["as"]]


def profile(plan: dict[str, Any], op_name: str, n: int, warmup: int = 20) -> str:
    rng = random.Random(5)
    if op_name not in mix.OPS_BY_NAME:
        url, who = observer_request(plan, op_name)
        op = mix.Op(op_name, "read", "observer", 1)
        pool = [{"session": who["session"], "posts": [], "cases": []}]
        plan = {**plan, "urls": {**plan["urls"], op_name: url}}
    else:
        op = mix.OPS_BY_NAME[op_name]
        pool = [u for u in plan["users"] if u["role"] == op.role]
    timer = SqlTimer()
    prof = cProfile.Profile()
    wall = 0.0
    statuses: dict[int, int] = {}
    # One client for every request: a new client would build the middleware chain (and WhiteNoise's
    # file index) again, which a running server does once per worker.
    client = Client()
    client.get("/healthz")
    for i in range(warmup + n):
        user = rng.choice(pool)
        values = values_for(user, plan, rng)
        url = fill(plan["urls"][op_name], values)
        form = {k: fill(v, values) for k, v in (plan["forms"].get(op_name) or {}).items()}
        client.cookies.clear()
        client.cookies[settings.SESSION_COOKIE_NAME] = user["session"]
        if i < warmup:
            # One-time costs (jieba's dictionary, template compilation, URL resolvers) stay out of the profile.
            client.post(url, form) if op.method == "POST" else client.get(url)
            continue
        t0 = time.perf_counter()
        with connection.execute_wrapper(timer):
            prof.enable()
            response = client.post(url, form) if op.method == "POST" else client.get(url)
            prof.disable()
        wall += time.perf_counter() - t0
        statuses[response.status_code] = statuses.get(response.status_code, 0) + 1
    out = io.StringIO()
    out.write(f"operation {op_name}: {n} requests in-process, statuses {statuses}\n")
    out.write(f"per request: {wall / n * 1000:.1f} ms wall, of which SQL {timer.seconds / n * 1000:.1f} ms "
              f"({timer.count / n:.1f} statements), Python {(wall - timer.seconds) / n * 1000:.1f} ms "
              f"(profiler overhead included)\n\n")
    for key in ("cumulative", "tottime"):
        out.write(f"--- top 30 by {key} ---\n")
        st = pstats.Stats(prof, stream=out)
        st.strip_dirs().sort_stats(key).print_stats(30)
    return out.getvalue()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--plan", required=True)
    parser.add_argument("--op", required=True, help="an operation of bench/mix.py, or an observer page's name")
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--warmup", type=int, default=20, help="unprofiled requests first")
    parser.add_argument("--out", required=True)
    args = parser.parse_args()
    plan = json.loads(Path(args.plan).read_text(encoding="utf-8"))
    text = profile(plan, args.op, args.requests, args.warmup)
    Path(args.out).write_text(text, encoding="utf-8")
    print(text.split("\n\n", 1)[0])
    return 0


if __name__ == "__main__":
    sys.exit(main())
