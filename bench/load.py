"""Load generator: N simulated mobile users running the operation mix against the live server.

    python bench/load.py --plan var/bench/plan.json --base http://127.0.0.1:8765 \
        --users 200 --duration 60 --warmup 10 --think 1.0 --out var/bench/level-200.json

Each user is an asyncio task with its own HTTP connection and session cookie
(prepared by bench/prepare.py), a role (resident or committee), and think
time between operations (exponential, mean --think seconds, like people
tapping through pages). Only operations that finished inside the measured
window count; warm-up and the tail are cut. Success means 200 for a page and
a redirect for a form post (Django re-renders a form with 200 when it is
refused, so a 200 on a POST is an error).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import aiohttp  # noqa: E402
import mix  # noqa: E402
import stats  # noqa: E402
from common import fill, raise_open_files, run_loop, self_cpu, values_for, watch_window  # noqa: E402

TIMEOUT = 30.0
def succeeded(method: str, status: int) -> bool:
    if method == "GET":
        return status == 200
    return status in (301, 302, 303)


async def one_user(user: dict[str, Any], plan: dict[str, Any], ops: list[mix.Op], base: str, start: float,
                   end: float, think: float, rng: random.Random, out: list[stats.Sample]) -> None:
    picker = mix.Picker(ops, rng)
    cookie = f"{plan['session_cookie']}={user['session']}; {plan['csrf_cookie']}={user['csrf']}"
    headers = {"Cookie": cookie, "X-CSRFToken": user["csrf"], "Accept-Language": "zh-hans",
               "User-Agent": "shequtong-bench (mobile)"}
    connector = aiohttp.TCPConnector(limit=1, force_close=False)
    async with aiohttp.ClientSession(base_url=base, connector=connector, headers=headers,
                                     cookie_jar=aiohttp.DummyCookieJar(),
                                     timeout=aiohttp.ClientTimeout(total=TIMEOUT)) as http:
        # Arrivals spread over the first think period rather than all at once.
        await asyncio.sleep(rng.uniform(0, max(think, 0.05)))
        while time.monotonic() < end:
            op = picker()
            values = values_for(user, plan, rng)
            url = fill(plan["urls"][op.name], values)
            form = {k: fill(v, values) for k, v in (plan["forms"].get(op.name) or {}).items()}
            t0 = time.monotonic()
            status = 0
            try:
                if op.method == "POST":
                    async with http.post(url, data=form, allow_redirects=False) as resp:
                        await resp.read()
                        status = resp.status
                else:
                    async with http.get(url, allow_redirects=False) as resp:
                        await resp.read()
                        status = resp.status
            except (TimeoutError, aiohttp.ClientError):
                status = -1
            t1 = time.monotonic()
            if start <= t1 < end:
                out.append(stats.Sample(op.name, op.kind, t1 - t0, succeeded(op.method, status), t1, status))
            if think > 0:
                await asyncio.sleep(min(rng.expovariate(1 / think), 5 * think))


async def run(plan: dict[str, Any], base: str, n_users: int, duration: float, warmup: float, think: float,
              seed: int, watched: dict[str, int] | None = None) -> dict[str, Any]:
    rng = random.Random(seed)
    ops = mix.available(mix.OPS, set(plan["available"]))
    roles = mix.assign_roles(n_users, ops)
    pools = {r: [u for u in plan["users"] if u["role"] == r] for r in ("resident", "committee")}
    samples: list[stats.Sample] = []
    t_begin = time.monotonic()
    start, end = t_begin + warmup, t_begin + warmup + duration
    tasks = []
    used = {"resident": 0, "committee": 0}
    for role in roles:
        pool = pools[role]
        role_ops = mix.for_role(ops, role)
        if not pool or not role_ops:
            continue
        user = pool[used[role] % len(pool)]
        used[role] += 1
        tasks.append(one_user(user, plan, role_ops, base, start, end, think, random.Random(rng.random()), samples))
    active_users = len(tasks)
    window: dict[str, Any] = {}
    if watched:
        tasks.append(watch_window(watched, start, end, window))
    cpu0 = self_cpu()
    await asyncio.gather(*tasks)
    cpu1 = self_cpu()
    rows = stats.by_endpoint(samples, duration)
    return {
        # CPU seconds in the measured window by process tree (--watch), the generator and the machine.
        **({"window_cpu": window} if window else {}),
        "users": n_users, "active_users": active_users, "duration": duration, "warmup": warmup, "think": think,
        "summaries": [r.as_dict() for r in rows], "mix": stats.mix_shares(samples),
        "generator_cpu_seconds": cpu1 - cpu0,
        "wall_seconds": time.monotonic() - t_begin,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--plan", required=True)
    parser.add_argument("--base", default="http://127.0.0.1:8765")
    parser.add_argument("--users", type=int, required=True)
    parser.add_argument("--duration", type=float, default=60)
    parser.add_argument("--warmup", type=float, default=10)
    parser.add_argument("--think", type=float, default=1.0)
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--out", required=True)
    parser.add_argument("--watch", action="append", default=[], metavar="NAME=PID",
                        help="count the CPU of this process and its descendants in the measured window")
    args = parser.parse_args()
    watched = {name: int(pid) for name, pid in (item.split("=", 1) for item in args.watch)}
    plan = json.loads(Path(args.plan).read_text(encoding="utf-8"))
    raise_open_files()
    result = run_loop(run(plan, args.base, args.users, args.duration, args.warmup, args.think, args.seed, watched))
    Path(args.out).write_text(json.dumps(result, ensure_ascii=False, indent=1), encoding="utf-8")
    overall = result["summaries"][-1]
    print(f"{args.users} users: {overall['throughput']:.1f} ops/s, p50 {overall['p50_ms']:.1f} ms, "
          f"p95 {overall['p95_ms']:.1f} ms, p99 {overall['p99_ms']:.1f} ms, errors {overall['errors']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
