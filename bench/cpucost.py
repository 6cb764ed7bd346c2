"""CPU cost per operation: app worker and PostgreSQL backend, measured from /proc.

    python bench/cpucost.py --plan var/bench/plan.json --base http://127.0.0.1:8765 --requests 200

Against a server with ONE worker process (bench/server.py --workers 1 --threads 1),
sends each operation --requests times, one at a time, with the prepared
sessions (after as many unmeasured requests to warm it), and reads the CPU time (user + system) the worker process and the
PostgreSQL backends of the benchmark database used meanwhile. CPU seconds do
not depend on what else the machine is doing the way wall-clock figures do,
so this is the figure each optimisation is compared by (docs/performance.md):
on two cores shared by app, database and load generator, the app's ceiling
is about 2 / (app + database + client CPU per operation).
"""

from __future__ import annotations

import argparse
import http.client
import json
import random
import sys
import time
import urllib.parse
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import mix  # noqa: E402
import psycopg  # noqa: E402
from common import cpu_seconds, fill, values_for  # noqa: E402


def tree_cpu(pids: list[int]) -> float:
    total = 0.0
    for pid in pids:
        try:
            total += cpu_seconds(pid)
        except (FileNotFoundError, ProcessLookupError):
            pass
    return total


def worker_pids(master: int) -> list[int]:
    """The gunicorn master and its workers (children)."""
    out = [master]
    for child in Path(f"/proc/{master}/task").iterdir():
        children = child / "children"
        if children.exists():
            out += [int(x) for x in children.read_text().split()]
    return out


def backend_pids(dsn: str, db: str) -> list[int]:
    with psycopg.connect(dsn, autocommit=True) as c:
        rows = c.execute("SELECT pid FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()",
                         [db]).fetchall()
    return [r[0] for r in rows]


def sender(plan: dict[str, Any], base: str, rng: random.Random) -> Any:
    """``send(op)``: one request of the operation as a random prepared user, on one kept-alive connection."""
    url = urllib.parse.urlsplit(base)
    conn = http.client.HTTPConnection(url.hostname, url.port, timeout=30)
    pools = {role: [u for u in plan["users"] if u["role"] == role] for role in {op.role for op in mix.OPS}}

    def send(op: mix.Op) -> int:
        user = rng.choice(pools[op.role])
        values = values_for(user, plan, rng)
        path = fill(plan["urls"][op.name], values)
        headers = {"Cookie": f"{plan['session_cookie']}={user['session']}; {plan['csrf_cookie']}={user['csrf']}",
                   "X-CSRFToken": user["csrf"], "Accept-Language": "zh-hans"}
        body = None
        if op.method == "POST":
            form = {k: fill(v, values) for k, v in (plan["forms"].get(op.name) or {}).items()}
            body = urllib.parse.urlencode(form)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        conn.request(op.method, path, body=body, headers=headers)
        resp = conn.getresponse()
        resp.read()
        return resp.status

    return send


def measure_op(send: Any, op: mix.Op, master: int, dsn: str, db: str, n: int) -> dict[str, Any]:
    """CPU of the worker and the database backends for n requests of one operation (after the server is warm)."""
    pids = worker_pids(master)
    backends = backend_pids(dsn, db)
    app0, db0, wall0 = tree_cpu(pids), tree_cpu(backends), time.perf_counter()
    statuses: dict[int, int] = {}
    for _ in range(n):
        s = send(op)
        statuses[s] = statuses.get(s, 0) + 1
    wall = time.perf_counter() - wall0
    backends = sorted(set(backends) | set(backend_pids(dsn, db)))
    app, dbcpu = tree_cpu(pids) - app0, tree_cpu(backends) - db0
    return {"name": op.name, "requests": n, "statuses": statuses, "app_ms": app / n * 1000,
            "db_ms": dbcpu / n * 1000, "wall_ms": wall / n * 1000}


def weighted(rows: list[dict[str, Any]], available: list[str]) -> dict[str, Any]:
    total_w = sum(op.weight for op in mix.OPS if op.name in available)
    mixed = {k: sum(r[k] * mix.OPS_BY_NAME[r["name"]].weight for r in rows) / total_w
             for k in ("app_ms", "db_ms", "wall_ms")}
    return {"name": "mix (weighted)", "requests": sum(r["requests"] for r in rows), "statuses": {}, **mixed}


def measure(plan: dict[str, Any], base: str, master: int, dsn: str, db: str, n: int) -> list[dict[str, Any]]:
    send = sender(plan, base, random.Random(3))
    rows = []
    for op in mix.OPS:
        if op.name not in plan["available"]:
            continue
        # Warm as a running server is: the worker's caches, the backend's connection, and
        # (with Redis) the users' sessions and identities, cached by their earlier requests.
        for _ in range(n):
            send(op)
        rows.append(measure_op(send, op, master, dsn, db, n))
    rows.append(weighted(rows, plan["available"]))
    return rows


def table(rows: list[dict[str, Any]]) -> str:
    out = ["| operation | app CPU ms | PostgreSQL CPU ms | wall ms (one at a time) | statuses |",
           "|---|---:|---:|---:|---|"]
    for r in rows:
        st = ", ".join(f"{k}: {v}" for k, v in sorted(r["statuses"].items()))
        out.append(f"| {r['name']} | {r['app_ms']:.2f} | {r['db_ms']:.2f} | {r['wall_ms']:.2f} | {st} |")
    return "\n".join(out)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--plan", required=True)
    parser.add_argument("--base", default="http://127.0.0.1:8765")
    parser.add_argument("--master", type=int, required=True, help="pid of the gunicorn master")
    parser.add_argument("--dsn", required=True, help="postgresql://… of the benchmark database")
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--out")
    args = parser.parse_args()
    plan = json.loads(Path(args.plan).read_text(encoding="utf-8"))
    db = urllib.parse.urlsplit(args.dsn).path.lstrip("/")
    admin = args.dsn.rsplit("/", 1)[0] + "/postgres"
    rows = measure(plan, args.base, args.master, admin, db, args.requests)
    text = table(rows)
    if args.out:
        Path(args.out).write_text(json.dumps(rows, indent=1), encoding="utf-8")
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
