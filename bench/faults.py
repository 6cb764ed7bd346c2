"""Fault tests (issue 12): kill things on loopback and check that nothing is lost or doubled.

    python bench/faults.py                          # all four, a few minutes
    python bench/faults.py --only grid --escalations 1000 --outage 60

Scenarios, each bounded in time, each printing its counts and failing (exit 1)
when a message is lost or doubled:

  worker    the worker is SIGKILLed several times while it delivers escalations
            to a grid that answers slowly (so kills land between "the grid
            accepted" and "we recorded it"); restarted each time.
  postgres  the app's PostgreSQL connections are terminated every half second
            (pg_terminate_backend on the connections whose application_name is
            this run's: the machine's PostgreSQL cluster is shared, so it is not
            restarted) while residents post letters over the API and the worker
            delivers escalations.
  redis     a private redis-server (a free port >= 9100) is SIGKILLed under a
            stream of page views and letter posts: the app keeps answering
            (without the cache, slower).
  grid      the grid simulator is down while N escalations are made (default
            1,000) and for --outage seconds; then it comes up and every
            escalation must arrive exactly once (two workers deliver).

Everything runs against a database of its own (FAULTS_DB, default
shequtong_faults, dropped and created again) on BENCH_PG (default
postgres://postgres@127.0.0.1:5432); servers bind 127.0.0.1 only.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))
sys.path.insert(0, str(ROOT))

from server import PG, bench_env, port_in_use, start_server, stop, wait_ready  # noqa: E402

BIN = Path(sys.executable).parent
APP_NAME = "shequtong-faults"
API_KEY = "faults-key"
JURISDICTION = "faults.local"
VAR = ROOT / "var" / "faults"


def free_port(start: int = 9100) -> int:
    for port in range(start, start + 400):
        if not port_in_use(port):
            with socket.socket() as s:
                try:
                    s.bind(("127.0.0.1", port))
                except OSError:
                    continue
            return port
    raise SystemExit("no free port >= 9100 on loopback")


# --- set-up -------------------------------------------------------------------------

class Run:
    """The environment every process of this run shares, and the in-process Django."""

    def __init__(self, db: str) -> None:
        self.db = db
        self.grid_port = free_port(9100)
        self.env = bench_env(db, None)
        self.env.update({
            "PGAPPNAME": APP_NAME,               # libpq: every app connection is recognisable
            "GRID_GATEWAY": "shequtong.integrations.open311_client.Open311GridGateway",
            "GRID_OPEN311_URL": f"http://127.0.0.1:{self.grid_port}/open311/v2",
            "GRID_OPEN311_API_KEY": API_KEY, "GRID_OPEN311_JURISDICTION": JURISDICTION,
            "GRID_OPEN311_TIMEOUT_SECONDS": "5",
            "OUTBOX_BACKOFF_BASE_SECONDS": "1", "OUTBOX_BACKOFF_MAX_SECONDS": "4",
            "OUTBOX_MAX_ATTEMPTS": "1000", "OUTBOX_LEASE_SECONDS": "3",
            "WORKER_IDLE_SECONDS": "0.3", "DB_CONN_MAX_AGE": "600", "LOG_LEVEL": "ERROR",
            "MEDIA_ROOT": str(VAR / "media"),
        })
        self.procs: list[subprocess.Popen[bytes]] = []
        VAR.mkdir(parents=True, exist_ok=True)

    def recreate_database(self) -> None:
        import psycopg

        with psycopg.connect(f"{PG}/postgres", autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{self.db}" WITH (FORCE)')
            conn.execute(f'CREATE DATABASE "{self.db}"')
        for step in (["migrate", "--no-input", "-v0"], ["collectstatic", "--no-input", "-v0"]):
            subprocess.run([str(BIN / "python"), "manage.py", *step], cwd=ROOT, env=self.env, check=True)

    def django(self, redis_url: str = "") -> None:
        os.environ.update(self.env)
        os.environ["PGAPPNAME"] = "shequtong-faults-checker"  # never terminated: it checks the results
        if redis_url:
            os.environ["REDIS_URL"] = redis_url
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shequtong.settings")
        import django

        django.setup()

    def spawn(self, args: list[str], log: str, extra: dict[str, str] | None = None) -> subprocess.Popen[bytes]:
        out = open(VAR / log, "ab")  # noqa: SIM115 - the child keeps it
        proc = subprocess.Popen([str(BIN / "python"), "manage.py", *args], cwd=ROOT, env={**self.env, **(extra or {})},
                                stdout=out, stderr=subprocess.STDOUT)
        self.procs.append(proc)
        return proc

    def grid(self, answer_delay: float = 0.0) -> subprocess.Popen[bytes]:
        proc = self.spawn(["grid_simulator", "--port", str(self.grid_port), "--delay", "3600", "--api-key", API_KEY,
                           "--jurisdiction", JURISDICTION, "--answer-delay", str(answer_delay)], "grid.log")
        deadline = time.monotonic() + 30
        while not port_in_use(self.grid_port):
            if time.monotonic() > deadline or proc.poll() is not None:
                raise RuntimeError("the grid simulator did not start (var/faults/grid.log)")
            time.sleep(0.1)
        return proc

    def worker(self) -> subprocess.Popen[bytes]:
        return self.spawn(["worker", "--sleep", "0.3"], "worker.log")

    def stop_all(self) -> None:
        for proc in self.procs:
            stop(proc)
        self.procs = []


def kill(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        proc.send_signal(signal.SIGKILL)
        proc.wait()


def grid_stats(run: Run) -> dict[str, Any]:
    url = f"http://127.0.0.1:{run.grid_port}/open311/v2/stats.json?jurisdiction_id={JURISDICTION}"
    with urllib.request.urlopen(url, timeout=5) as r:  # noqa: S310 - loopback
        return dict(json.loads(r.read()))


class World:
    """A small district: one community, its committee staff, residents with API tokens, letter categories."""

    def __init__(self, residents: int = 4) -> None:
        from shequtong.accounts.roles import Role
        from shequtong.accounts.services import create_api_token
        from shequtong.letters.models import SubCategory
        from tests.factories import make_tree, make_with_role, resident_of

        self.tree = make_tree()
        self.community = self.tree.comm_a1
        self.staff = make_with_role(Role.COMMITTEE_STAFF, self.community)
        self.residents = [resident_of(self.community) for _ in range(residents)]
        write = "write"
        self.tokens = [create_api_token(actor=r, name="faults", token_scope=write, days=1)[1] for r in self.residents]
        sub = SubCategory.objects.order_by("id").first()
        if sub is None:
            sub = SubCategory.objects.create(category="construction", name="故障测试", sort_order=1)
        self.category, self.subcategory = sub.category, sub.pk


def escalate(world: World, count: int, tag: str) -> list[int]:
    from shequtong.cases import services

    ids = []
    for i in range(count):
        case = services.create_case(actor=world.staff, community=world.community, source="visit",
                                    category="construction", title=f"{tag} 第{i}号", content="楼道灯损坏，晚上看不见台阶。")
        services.handle_case(actor=world.staff, case_id=case.pk, action="accept")
        services.handle_case(actor=world.staff, case_id=case.pk, action="escalate")
        ids.append(case.pk)
    return ids


def wait_delivered(case_ids: list[int], timeout: float) -> float:
    """Seconds until every case's escalation is recorded as sent (or the timeout)."""
    from django.db import close_old_connections

    from shequtong.cases.models import Case, SendState

    started = time.monotonic()
    while time.monotonic() - started < timeout:
        close_old_connections()
        if not Case.objects.filter(pk__in=case_ids).exclude(send_state=SendState.SENT).exists():
            break
        time.sleep(0.5)
    return time.monotonic() - started


def exactly_once(run: Run, case_ids: list[int]) -> dict[str, Any]:
    """Every escalation recorded as sent once, at the grid once; the counts that say so."""
    from shequtong.cases.models import Case, SendState
    from shequtong.notifications.models import Outbox

    cases = list(Case.objects.filter(pk__in=case_ids).values("escalation_key", "external_id", "send_state"))
    stats = grid_stats(run)
    keys = [c["escalation_key"] for c in cases]
    rows = Outbox.objects.filter(idempotency_key__in=keys)
    counts = {
        "escalations": len(case_ids),
        "recorded_sent": sum(c["send_state"] == SendState.SENT for c in cases),
        "distinct_grid_ids": len({c["external_id"] for c in cases if c["external_id"]}),
        "grid_requests": stats["requests"],
        "grid_posts": stats["posts"],
        "outbox_delivered": rows.filter(status=Outbox.Status.DELIVERED).count(),
        "outbox_dead": rows.filter(status=Outbox.Status.DEAD).count(),
        "outbox_retried": rows.filter(attempts__gt=1).count(),
    }
    grid_keys = Counter(stats["keys"])
    # The simulator keeps one request per key: a doubled escalation would be a request without its key,
    # or two cases recorded with one grid id.
    counts["lost"] = sum(1 for k in keys if grid_keys[k] == 0) + (len(case_ids) - counts["recorded_sent"])
    counts["doubled"] = (stats["requests"] - len(grid_keys)) + (
        counts["recorded_sent"] - counts["distinct_grid_ids"])
    counts["ok"] = (counts["lost"] == 0 and counts["doubled"] == 0 and stats["requests"] == len(case_ids)
                    and counts["outbox_delivered"] == len(case_ids))
    return counts


# --- HTTP load ----------------------------------------------------------------------

def http(method: str, url: str, *, token: str = "", cookie: str = "", body: dict[str, Any] | None = None,
         timeout: float = 30) -> tuple[int, float]:
    data = json.dumps(body).encode() if body is not None else None
    headers = {"Content-Type": "application/json"} if data else {}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    if cookie:
        headers["Cookie"] = cookie
    req = urllib.request.Request(url, data=data, method=method, headers=headers)  # noqa: S310 - loopback
    started = time.monotonic()
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:  # noqa: S310
            r.read()
            status = r.status
    except urllib.error.HTTPError as exc:
        status = exc.code
    except OSError:
        status = 0
    return status, time.monotonic() - started


def post_letters(base: str, world: World, titles: list[str], pool: int = 4) -> dict[str, int]:
    """Each title once, by the residents in turn; the status each got."""
    def one(i_title: tuple[int, str]) -> tuple[str, int]:
        i, title = i_title
        status, _ = http("POST", f"{base}/api/v1/letters/mine", token=world.tokens[i % len(world.tokens)], body={
            "category": world.category, "subcategory_ids": [world.subcategory], "title": title,
            "content": f"{title}：小区门口路灯不亮，请尽快维修。"})
        return title, status

    with ThreadPoolExecutor(pool) as ex:
        return dict(ex.map(one, enumerate(titles)))


def letters_check(statuses: dict[str, int]) -> dict[str, Any]:
    """Every acknowledged letter stored once; none stored twice (an unacknowledged one at most once)."""
    from django.db.models import Count

    from shequtong.letters.models import Letter

    stored = dict(Letter.objects.filter(title__in=list(statuses)).values_list("title").annotate(n=Count("id")))
    acknowledged = [t for t, s in statuses.items() if s == 201]
    counts = {
        "letters_sent": len(statuses),
        "acknowledged": len(acknowledged),
        "refused_or_failed": len(statuses) - len(acknowledged),
        "failed_but_stored": sum(1 for t, s in statuses.items() if s != 201 and stored.get(t)),
        "lost": sum(1 for t in acknowledged if not stored.get(t)),
        "doubled": sum(1 for n in stored.values() if n > 1),
    }
    counts["ok"] = counts["lost"] == 0 and counts["doubled"] == 0
    return counts


# --- scenarios ----------------------------------------------------------------------

def _sent(case_ids: list[int]) -> int:
    from django.db import close_old_connections

    from shequtong.cases.models import Case, SendState

    close_old_connections()
    return Case.objects.filter(pk__in=case_ids, send_state=SendState.SENT).count()


def scenario_worker(run: Run, world: World, n: int, budget: float) -> dict[str, Any]:
    # The grid accepts, then waits 200 ms before answering: a kill then lands after the grid has the
    # request and before we recorded it, the case that could double.
    grid = run.grid(answer_delay=0.2)
    ids = escalate(world, n, "worker")
    started = time.monotonic()
    rng = random.Random(12)
    kills = 0
    proc = run.worker()
    while kills < 6 and time.monotonic() - started < budget / 2:
        before = _sent(ids)
        while _sent(ids) == before and time.monotonic() - started < budget / 2:
            time.sleep(0.05)  # until this worker is delivering
        time.sleep(rng.uniform(0.05, 0.3))
        kill(proc)
        kills += 1
        proc = run.worker()
    took = wait_delivered(ids, budget - (time.monotonic() - started))
    counts = exactly_once(run, ids)
    kill(proc)
    stop(grid)
    return {"kills": kills, "seconds": round(time.monotonic() - started, 1), "drain_seconds": round(took, 1), **counts}


def scenario_postgres(run: Run, world: World, n: int, budget: float) -> dict[str, Any]:
    import psycopg

    grid = run.grid(answer_delay=0.02)
    ids = escalate(world, n, "postgres")
    port = free_port(9200)
    server = start_server({**run.env}, port, 2, 2)
    run.procs.append(server)
    base = f"http://127.0.0.1:{port}"
    wait_ready(base, proc=server)
    worker = run.worker()
    terminated = 0
    stop_killing = threading.Event()

    def killer() -> None:
        nonlocal terminated
        with psycopg.connect(f"{PG}/postgres", autocommit=True) as conn:
            while not stop_killing.wait(0.5):
                rows = conn.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                                    "WHERE datname = %s AND application_name = %s", (run.db, APP_NAME)).fetchall()
                terminated += sum(1 for (ok,) in rows if ok)

    started = time.monotonic()
    thread = threading.Thread(target=killer, daemon=True)
    thread.start()
    statuses = post_letters(base, world, [f"断库测试{i:04d}" for i in range(n)])
    time.sleep(max(0.0, 5 - (time.monotonic() - started)))  # at least five seconds of terminations
    stop_killing.set()
    thread.join()
    storm = time.monotonic() - started
    after = post_letters(base, world, [f"断库之后{i:04d}" for i in range(20)])  # the app serves again
    took = wait_delivered(ids, max(10.0, budget - (time.monotonic() - started)))
    counts = exactly_once(run, ids)
    letters = letters_check({**statuses, **after})
    worker_survived = worker.poll() is None
    kill(worker)
    stop(server)
    stop(grid)
    return {
        "backends_terminated": terminated, "storm_seconds": round(storm, 1), "drain_seconds": round(took, 1),
        "worker_survived": worker_survived,
        "after_storm_acknowledged": sum(s == 201 for s in after.values()),
        **{f"escalation_{k}": v for k, v in counts.items()}, **{f"letter_{k}": v for k, v in letters.items()},
        "ok": counts["ok"] and letters["ok"] and worker_survived and all(s == 201 for s in after.values()),
    }


def scenario_redis(run: Run, world: World, n: int, budget: float) -> dict[str, Any]:
    import shutil

    from django.conf import settings
    from django.test import Client

    exe = shutil.which("redis-server")
    if exe is None:
        raise SystemExit("redis-server is not installed (make faults installs Debian's redis-server)")
    redis_port = free_port(9300)
    redis = subprocess.Popen([exe, "--port", str(redis_port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
                              "--loglevel", "warning"], stdout=subprocess.DEVNULL)
    while not port_in_use(redis_port):
        time.sleep(0.1)
    env = {**run.env, "REDIS_URL": f"redis://127.0.0.1:{redis_port}/0"}
    port = free_port(9250)
    server = start_server(env, port, 2, 2)
    run.procs.append(server)
    base = f"http://127.0.0.1:{port}"
    wait_ready(base, proc=server)
    # A resident's browser session, made in this process (same database, same key).
    assert settings.SESSION_ENGINE  # the app's engine (cached_db with Redis)
    client = Client()
    client.force_login(world.residents[0])
    cookie = f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"
    pages = ["/", "/letters/mine/", "/inbox/", "/cases/mine/"]

    def views(count: int) -> tuple[Counter[int], float]:
        statuses: Counter[int] = Counter()
        took = 0.0
        for i in range(count):
            status, seconds = http("GET", base + pages[i % len(pages)], cookie=cookie)
            statuses[status] += 1
            took += seconds
        return statuses, took / max(1, count) * 1000

    views(20)  # warm-up
    before, before_ms = views(n)
    letters_before = post_letters(base, world, [f"缓存在{i:04d}" for i in range(n // 4)])
    kill(redis)
    after, after_ms = views(n)
    letters_after = post_letters(base, world, [f"缓存断{i:04d}" for i in range(n // 4)])
    letters = letters_check({**letters_before, **letters_after})
    stop(server)
    return {
        "page_views_with_redis": dict(before), "mean_ms_with_redis": round(before_ms, 1),
        "page_views_without_redis": dict(after), "mean_ms_without_redis": round(after_ms, 1),
        **{f"letter_{k}": v for k, v in letters.items()},
        "ok": set(before) == {200} and set(after) == {200} and letters["ok"] and letters["refused_or_failed"] == 0,
    }


def scenario_grid(run: Run, world: World, n: int, budget: float, outage: float) -> dict[str, Any]:
    workers = [run.worker(), run.worker()]
    started = time.monotonic()
    ids = escalate(world, n, "grid")  # the grid is down: nothing can be delivered
    made = time.monotonic() - started
    time.sleep(max(0.0, outage - made))
    from shequtong.notifications.models import Outbox

    failed_attempts = Outbox.objects.filter(idempotency_key__startswith="case-", attempts__gt=0,
                                            status=Outbox.Status.PENDING).count()
    grid = run.grid()
    up = time.monotonic()
    took = wait_delivered(ids, budget)
    counts = exactly_once(run, ids)
    for w in workers:
        kill(w)
    stop(grid)
    return {"outage_seconds": round(up - started, 1), "escalations_made_seconds": round(made, 1),
            "rows_tried_during_outage": failed_attempts, "drain_seconds_after_recovery": round(took, 1), **counts}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--only", default="worker,postgres,redis,grid")
    parser.add_argument("--db", default=os.environ.get("FAULTS_DB", "shequtong_faults"))
    parser.add_argument("--n", type=int, default=200, help="escalations / letters / page views per scenario")
    parser.add_argument("--escalations", type=int, default=1000, help="escalations during the grid outage")
    parser.add_argument("--outage", type=float, default=60.0, help="seconds the grid stays down (at least)")
    parser.add_argument("--budget", type=float, default=240.0, help="seconds a scenario may take to drain")
    args = parser.parse_args()

    def terminate(signum: int, frame: object) -> None:
        raise KeyboardInterrupt  # SIGTERM stops the servers and workers too (the finally below)

    signal.signal(signal.SIGTERM, terminate)
    run = Run(args.db)
    print(f"fault tests on {PG}/{args.db}; grid simulator on 127.0.0.1:{run.grid_port}; logs in {VAR}", flush=True)
    run.recreate_database()
    run.django()
    world = World()
    scenarios: dict[str, Callable[[], dict[str, Any]]] = {
        "worker": lambda: scenario_worker(run, world, args.n, args.budget),
        "postgres": lambda: scenario_postgres(run, world, args.n, args.budget),
        "redis": lambda: scenario_redis(run, world, args.n, args.budget),
        "grid": lambda: scenario_grid(run, world, args.escalations, args.budget, args.outage),
    }
    results: dict[str, dict[str, Any]] = {}
    try:
        for name in [s.strip() for s in args.only.split(",") if s.strip()]:
            # Each scenario talks to a fresh grid (its counts are its own).
            run.grid_port = free_port(9100)
            run.env["GRID_OPEN311_URL"] = f"http://127.0.0.1:{run.grid_port}/open311/v2"
            os.environ["GRID_OPEN311_URL"] = run.env["GRID_OPEN311_URL"]
            from django.conf import settings

            settings.GRID_OPEN311_URL = run.env["GRID_OPEN311_URL"]
            t0 = time.monotonic()
            results[name] = scenarios[name]()
            results[name]["scenario_seconds"] = round(time.monotonic() - t0, 1)
            print(f"{name}: {'PASS' if results[name]['ok'] else 'FAIL'} " + json.dumps(results[name], ensure_ascii=False),
                  flush=True)
            run.stop_all()
            # The next scenario's grid is a fresh simulator: this one's cases must not be polled there
            # (the poll would find them unknown and re-submit them, as it should for a grid that lost them).
            from shequtong.cases.models import Case, SendState

            Case.objects.filter(send_state=SendState.SENT).update(send_state=SendState.DONE)
    finally:
        run.stop_all()
    (VAR / "results.json").write_text(json.dumps(results, ensure_ascii=False, indent=2))
    passed = sum(1 for r in results.values() if r["ok"])
    print(f"faults: {passed} passed, {len(results) - passed} failed")
    return 0 if passed == len(results) else 1


if __name__ == "__main__":
    sys.exit(main())
