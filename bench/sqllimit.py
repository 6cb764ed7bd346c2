"""The limit: the same SQL work each operation does, driven straight at PostgreSQL.

    python bench/sqllimit.py --plan var/bench/plan.json --capture var/bench/capture.pkl \
        --dsn postgresql://postgres@127.0.0.1:5432/bench --connections 12 --duration 60 --out var/bench/limit-12.json

bench/prepare.py recorded every statement the real views ran for each
operation (session look-up, auth, scope, the page's queries, inserts,
counter updates). Here each operation is replayed as one transaction on one
of --connections connections, closed loop (no think time), with the same
weights as the HTTP run. Per replay, the values that belong to the sampled
user (user id, session key, community, post, case) are swapped for another
prepared user's, and ids that an INSERT … RETURNING produced are mapped to the
ids the replay's own INSERT returned, so the replay touches fresh rows like
real traffic does. A replay that hits a unique constraint (the same person
reading or liking a post twice) is rolled back and counted as a conflict,
not an error: the app would have checked first and skipped the insert.

Replaying inside one transaction per operation costs PostgreSQL at most as
much as the app's autocommit statements do, so the limit is if anything
high and the app/limit ratio conservative.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import pickle
import random
import resource
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import mix  # noqa: E402
import psycopg  # noqa: E402
import stats  # noqa: E402
from common import run_loop, values_for  # noqa: E402
from psycopg import errors  # noqa: E402

MIN_SWAPPED_ID = 1000


def substitute(params: Any, mapping: dict[Any, Any]) -> Any:
    if params is None:
        return None
    if isinstance(params, dict):
        return {k: mapping.get(v, v) if _hashable(v) else v for k, v in params.items()}
    return [mapping.get(v, v) if _hashable(v) else v for v in params]


def _hashable(v: Any) -> bool:
    return isinstance(v, (int, str)) and not isinstance(v, bool)


def variable_map(sample_vars: dict[str, Any], user: dict[str, Any], values: dict[str, Any]) -> dict[Any, Any]:
    """Captured value -> replay value, for the sampled user's identity and targets."""
    mapping: dict[Any, Any] = {}
    pairs = [("user_id", user["user_id"]), ("session", user["session"]), ("community_id", user["community_id"])]
    pairs += [(k, values[k]) for k in ("post", "case") if k in values]
    for name, new in pairs:
        old = sample_vars.get(name)
        # Small numbers (community ids) are left alone: they could equal a constant such as the 1 of
        # "like_count + 1"; the replay then reads the sampled community, which costs the same.
        if old is None or old == new or (isinstance(old, int) and old < MIN_SWAPPED_ID):
            continue
        mapping[old] = new
        mapping[str(old)] = str(new) if isinstance(new, int) else new
    return mapping


async def replay(conn: psycopg.AsyncConnection, statements: list[dict[str, Any]], mapping: dict[Any, Any]) -> int:
    """One operation's statements in one transaction; returns how many INSERTs met a unique row already there."""
    local = dict(mapping)
    conflicts = 0
    async with conn.transaction():
        cur = psycopg.AsyncClientCursor(conn)
        for st in statements:
            if st["many"]:
                await cur.executemany(st["sql"], [substitute(p, local) for p in (st["params"] or [])])
                continue
            if st["sql"].lstrip()[:6].upper() == "INSERT":
                # The app's update-or-insert (a rollup row, a first read) inserted when the capture ran;
                # the same insert now may meet the row. Skip it, as the app's UPDATE branch would.
                try:
                    async with conn.transaction():
                        await cur.execute(st["sql"], substitute(st["params"], local))
                except errors.UniqueViolation:
                    conflicts += 1
                    continue
            else:
                await cur.execute(st["sql"], substitute(st["params"], local))
            if cur.description is not None:
                rows = await cur.fetchall()
                old = st.get("returning")
                if old:
                    for before, after in zip(old, rows, strict=False):
                        for a, b in zip(before, after, strict=False):
                            if _hashable(a) and a != b and not (isinstance(a, int) and a < MIN_SWAPPED_ID):
                                local[a] = b
                                local[str(a)] = str(b)
    return conflicts


async def worker(dsn: str, plan: dict[str, Any], captured: dict[str, Any], ops: list[mix.Op], start: float,
                 end: float, rng: random.Random, out: list[stats.Sample], conflicts: dict[str, int],
                 failures: dict[str, int], examples: dict[str, str]) -> None:
    picker = mix.Picker(ops, rng)
    pools = {r: [u for u in plan["users"] if u["role"] == r] for r in ("resident", "committee")}
    async with await psycopg.AsyncConnection.connect(dsn, autocommit=True) as conn:
        while time.monotonic() < end:
            op = picker()
            user = rng.choice(pools[op.role])
            sample = rng.choice(captured[op.name])
            values = values_for(user, plan, rng)
            mapping = variable_map(sample["variables"], user, values)
            t0 = time.monotonic()
            ok = True
            try:
                if await replay(conn, sample["statements"], mapping):
                    conflicts[op.name] = conflicts.get(op.name, 0) + 1
            except psycopg.Error as exc:
                ok = False
                key = f"{op.name}: {type(exc).__name__}"
                failures[key] = failures.get(key, 0) + 1
                if key not in examples:
                    examples[key] = str(exc)[:300]
            t1 = time.monotonic()
            if start <= t1 < end:
                out.append(stats.Sample(op.name, op.kind, t1 - t0, ok, t1, 0 if ok else 500))


async def run(dsn: str, plan: dict[str, Any], captured: dict[str, Any], connections: int, duration: float,
              warmup: float, seed: int) -> dict[str, Any]:
    rng = random.Random(seed)
    ops = [op for op in mix.available(mix.OPS, set(plan["available"])) if captured.get(op.name)]
    samples: list[stats.Sample] = []
    conflicts: dict[str, int] = {}
    failures: dict[str, int] = {}
    examples: dict[str, str] = {}
    t_begin = time.monotonic()
    start, end = t_begin + warmup, t_begin + warmup + duration
    cpu0 = resource.getrusage(resource.RUSAGE_SELF)
    await asyncio.gather(*[worker(dsn, plan, captured, ops, start, end, random.Random(rng.random()), samples, conflicts,
                                  failures, examples)
                           for _ in range(connections)])
    cpu1 = resource.getrusage(resource.RUSAGE_SELF)
    rows = stats.by_endpoint(samples, duration)
    return {"connections": connections, "duration": duration, "summaries": [r.as_dict() for r in rows],
            "conflicts": conflicts, "failures": failures, "failure_examples": examples, "mix": stats.mix_shares(samples),
            "driver_cpu_seconds": (cpu1.ru_utime - cpu0.ru_utime) + (cpu1.ru_stime - cpu0.ru_stime)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--plan", required=True)
    parser.add_argument("--capture", required=True)
    parser.add_argument("--dsn", required=True)
    parser.add_argument("--connections", type=int, default=12)
    parser.add_argument("--duration", type=float, default=60)
    parser.add_argument("--warmup", type=float, default=5)
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--out", required=True)
    args = parser.parse_args()
    plan = json.loads(Path(args.plan).read_text(encoding="utf-8"))
    with open(args.capture, "rb") as fh:
        captured = pickle.load(fh)  # noqa: S301 - our own file, written by bench/prepare.py
    result = run_loop(run(args.dsn, plan, captured, args.connections, args.duration, args.warmup, args.seed))
    Path(args.out).write_text(json.dumps(result, ensure_ascii=False, indent=1), encoding="utf-8")
    overall = result["summaries"][-1]
    print(f"SQL limit, {args.connections} connections: {overall['throughput']:.1f} ops/s, "
          f"p50 {overall['p50_ms']:.1f} ms, p95 {overall['p95_ms']:.1f} ms, errors {overall['errors']}, "
          f"conflicts {sum(result['conflicts'].values())}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
