"""Observer pages at scale: p50/p95 of what district and subdistrict observers open.

    python bench/observer.py --plan var/bench/plan.json --base http://127.0.0.1:8765 \
        --pages var/bench/observer-pages.json --rounds 20 --concurrency 5 --out var/bench/observer.json

The page list comes from bench/prepare.py (``observer_pages`` in the plan):
the district overview, a subdistrict drill-down, the case list with each
overdue filter, the letters drill-down, and 全局信息穿透 (the global search:
a keyword alone, and the keyword with a type and a one-year time range). The specification asks for 5 concurrent analytics users
(§3.10), so the rounds run 5 at a time by default.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import stats  # noqa: E402
from common import run_loop  # noqa: E402

try:
    import aiohttp
except ImportError:  # the bench extra is not installed: threads with http.client give the same figures
    aiohttp = None


async def run(plan: dict[str, Any], base: str, rounds: int, concurrency: int) -> dict[str, Any]:
    pages: list[dict[str, str]] = plan.get("observer_pages", [])
    samples: list[stats.Sample] = []
    gate = asyncio.Semaphore(concurrency)

    async def fetch(http: aiohttp.ClientSession, page: dict[str, str]) -> None:
        async with gate:
            t0 = time.monotonic()
            status = 0
            try:
                async with http.get(page["url"], allow_redirects=False) as resp:
                    await resp.read()
                    status = resp.status
            except (TimeoutError, aiohttp.ClientError):
                status = -1
            t1 = time.monotonic()
            samples.append(stats.Sample(page["name"], "read", t1 - t0, status == 200, t1, status))

    sessions: dict[str, aiohttp.ClientSession] = {}
    try:
        for who, obs in plan.get("observers", {}).items():
            cookie = f"{plan['session_cookie']}={obs['session']}; {plan['csrf_cookie']}={obs['csrf']}"
            sessions[who] = aiohttp.ClientSession(base_url=base, headers={"Cookie": cookie},
                                                  cookie_jar=aiohttp.DummyCookieJar(),
                                                  timeout=aiohttp.ClientTimeout(total=120))
        # One untimed pass warms caches and connections, as a user's first click would.
        await asyncio.gather(*[fetch(sessions[p["as"]], p) for p in pages if p["as"] in sessions])
        samples.clear()
        t0 = time.monotonic()
        await asyncio.gather(*[fetch(sessions[p["as"]], p) for _ in range(rounds) for p in pages if p["as"] in sessions])
        seconds = time.monotonic() - t0
    finally:
        for s in sessions.values():
            await s.close()
    rows = stats.by_endpoint(samples, seconds)
    return {"rounds": rounds, "concurrency": concurrency, "pages": pages, "summaries": [r.as_dict() for r in rows]}


def run_threads(plan: dict[str, Any], base: str, rounds: int, concurrency: int) -> dict[str, Any]:
    """The same measurement without aiohttp: `concurrency` threads, each with its own keep-alive connection."""
    import http.client
    import threading
    from concurrent.futures import ThreadPoolExecutor
    from urllib.parse import urlsplit

    host = urlsplit(base)
    pages = [p for p in plan.get("observer_pages", []) if p["as"] in plan.get("observers", {})]
    cookies = {who: f"{plan['session_cookie']}={o['session']}; {plan['csrf_cookie']}={o['csrf']}"
               for who, o in plan.get("observers", {}).items()}
    local = threading.local()
    samples: list[stats.Sample] = []

    def fetch(page: dict[str, str]) -> None:
        if not hasattr(local, "conn"):
            local.conn = http.client.HTTPConnection(host.hostname, host.port, timeout=120)
        t0 = time.monotonic()
        try:
            local.conn.request("GET", page["url"], headers={"Cookie": cookies[page["as"]]})
            resp = local.conn.getresponse()
            resp.read()
            status = resp.status
        except (OSError, http.client.HTTPException):
            local.conn.close()
            del local.conn
            status = -1
        t1 = time.monotonic()
        samples.append(stats.Sample(page["name"], "read", t1 - t0, status == 200, t1, status))

    with ThreadPoolExecutor(max_workers=concurrency) as pool:
        list(pool.map(fetch, pages))  # one untimed pass
        samples.clear()
        t0 = time.monotonic()
        list(pool.map(fetch, [p for _ in range(rounds) for p in pages]))
        seconds = time.monotonic() - t0
    rows = stats.by_endpoint(samples, seconds)
    return {"rounds": rounds, "concurrency": concurrency, "pages": pages, "summaries": [r.as_dict() for r in rows],
            "client": "threads"}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--plan", required=True)
    parser.add_argument("--base", default="http://127.0.0.1:8765")
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--concurrency", type=int, default=5)
    parser.add_argument("--out", required=True)
    args = parser.parse_args()
    plan = json.loads(Path(args.plan).read_text(encoding="utf-8"))
    if aiohttp is None:
        result = run_threads(plan, args.base, args.rounds, args.concurrency)
    else:
        result = run_loop(run(plan, args.base, args.rounds, args.concurrency))
    Path(args.out).write_text(json.dumps(result, ensure_ascii=False, indent=1), encoding="utf-8")
    for row in result["summaries"]:
        print(f"{row['name']:40s} p50 {row['p50_ms']:8.1f} ms  p95 {row['p95_ms']:8.1f} ms  errors {row['errors']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
