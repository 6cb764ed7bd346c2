"""The benchmark, end to end: data, server, load at rising concurrency, the SQL limit, observer pages.

    python bench/run.py --quick          # make bench: small district, a few minutes
    python bench/run.py --full           # make bench-full: the specification's district (800,000 residents)
    python bench/run.py --scale medium --levels 50,100,200 --duration 40

Steps (each prints as it goes; everything lands in var/bench/<time>/):
1. create a PostgreSQL database (dropped at the end unless --keep-db), migrate,
   ``seed_demo --scale …``, collectstatic;
2. start Redis and gunicorn (bench/server.py) with DEBUG off and fresh keys;
3. bench/prepare.py: sessions for the simulated users, their targets, and
   the SQL of every operation captured from the real views;
4. per concurrency level, bench/load.py (think time between operations);
5. bench/sqllimit.py: the captured SQL straight at PostgreSQL with as many
   connections as the app holds; the app's best throughput as a share of it;
6. bench/observer.py: observer pages, 5 at a time;
7. bench/hotspots.py: a profile of the slowest endpoint;
8. report.md (Markdown tables) and results.json.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import psycopg  # noqa: E402
import server  # noqa: E402
import stats  # noqa: E402

ROOT = server.ROOT
PY = sys.executable

PRESETS: dict[str, dict[str, Any]] = {
    "quick": {"scale": "small", "levels": [10, 50, 100], "duration": 20, "warmup": 5, "limit_duration": 15,
              "observer_rounds": 5, "profile_requests": 50},
    "medium": {"scale": "medium", "levels": [50, 100, 200], "duration": 40, "warmup": 10, "limit_duration": 30,
               "observer_rounds": 10, "profile_requests": 100},
    "full": {"scale": "full", "levels": [50, 200, 500, 1000, 2000], "duration": 120, "warmup": 20,
             "limit_duration": 60, "observer_rounds": 20, "profile_requests": 200},
}
TARGETS = {"ops": 1000.0, "p95_ms": 100.0, "ratio": 0.25, "observer_p95_ms": 300.0, "p95_at_2000_ms": 1000.0}
BIG_TABLES = ("accounts_user", "accounts_rolegrant", "accounts_membership", "boards_post", "boards_reply",
              "boards_read", "boards_like", "letters_letter", "cases_case", "cases_caseevent", "cases_caserating",
              "django_session")


def log(msg: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", flush=True)


def sh(cmd: list[str], env: dict[str, str], **kw: Any) -> None:
    log("$ " + " ".join(cmd))
    subprocess.run(cmd, cwd=ROOT, env=env, check=True, **kw)


def ensure_postgres() -> None:
    """Start the local cluster if it is down (as .ci/run does); the benchmark needs 127.0.0.1:5432."""
    try:
        psycopg.connect(f"{server.PG}/postgres", connect_timeout=3).close()
        return
    except psycopg.OperationalError:
        pass
    versions = sorted(p.name for p in Path("/etc/postgresql").glob("*")) if Path("/etc/postgresql").exists() else []
    if versions:
        subprocess.run(["pg_ctlcluster", "--skip-systemctl-redirect", versions[-1], "main", "start"], check=False)
    for _ in range(30):
        try:
            psycopg.connect(f"{server.PG}/postgres", connect_timeout=3).close()
            return
        except psycopg.OperationalError:
            time.sleep(1)
    raise SystemExit(f"PostgreSQL is not reachable at {server.PG} (user postgres, trust auth expected)")


def admin_conn() -> psycopg.Connection:
    return psycopg.connect(f"{server.PG}/postgres", autocommit=True)


def database_exists(db: str) -> bool:
    with admin_conn() as c:
        return c.execute("SELECT 1 FROM pg_database WHERE datname = %s", [db]).fetchone() is not None


def drop_database(db: str) -> None:
    with admin_conn() as c:
        c.execute(f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)')


def create_database(db: str) -> None:
    drop_database(db)
    with admin_conn() as c:
        c.execute(f'CREATE DATABASE "{db}"')


def machine() -> dict[str, Any]:
    info: dict[str, Any] = {"python": platform.python_version(), "platform": platform.platform(),
                            "cpus": os.cpu_count(), "loadavg_at_start": os.getloadavg()}
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                info["cpu"] = line.split(":", 1)[1].strip()
                break
        mem = Path("/proc/meminfo").read_text().splitlines()[0].split()
        info["memory_gib"] = round(int(mem[1]) / 1024 / 1024, 1)
    except OSError:
        pass
    with admin_conn() as c:
        info["postgresql"] = c.execute("SHOW server_version").fetchone()[0]
        info["pg_settings"] = {k: c.execute(f"SHOW {k}").fetchone()[0]
                               for k in ("shared_buffers", "max_connections", "synchronous_commit", "work_mem")}
    return info


def table_rows(db: str) -> dict[str, int]:
    with psycopg.connect(f"{server.PG}/{db}", autocommit=True) as c:
        c.execute("ANALYZE")
        rows = c.execute("SELECT relname, reltuples::bigint FROM pg_class WHERE relkind = 'r' AND relname = ANY(%s)",
                         [list(BIG_TABLES)]).fetchall()
    return {name: max(0, n) for name, n in sorted(rows)}


def report(res: dict[str, Any]) -> str:
    out = [f"# Benchmark run {res['started']}", ""]
    out += [f"Command: `{res['command']}`", "", "## Machine and set-up", ""]
    m = res["machine"]
    out += [f"- {m.get('cpu', '?')}, {m['cpus']} CPUs, {m.get('memory_gib', '?')} GiB; load average at start "
            f"{', '.join(f'{x:.2f}' for x in m['loadavg_at_start'])}",
            f"- PostgreSQL {m['postgresql']} ({', '.join(f'{k}={v}' for k, v in m['pg_settings'].items())}); "
            f"Python {m['python']}",
            f"- {res.get('server', 'gunicorn')}, {res['workers']} workers x {res['threads']} threads, DEBUG off; "
            f"front proxy: {res.get('proxy', 'none')}; "
            f"Redis cache: {'yes' if res['redis'] else 'NO (redis-server missing)'}; app, PostgreSQL and load "
            f"generator on this one machine",
            f"- data: scale `{res['scale']}`: " + ", ".join(f"{k} {v:,}" for k, v in res["rows"].items()),
            f"- seed time: {res['seed_seconds']:.0f} s (migrate + seed_demo), then VACUUM ANALYZE "
            f"{res.get('vacuum_seconds', float('nan')):.0f} s"
            + (f"; autovacuum is off on this server, so the reused database was vacuumed before measuring "
               f"({res['vacuum_before_run']:.0f} s)" if res.get("vacuum_before_run") is not None else ""), ""]
    if res["plan"]["unavailable"]:
        out += ["Operations not measured (not in this build or nothing to act on): "
                + "; ".join(f"{k}: {v}" for k, v in res["plan"]["unavailable"].items()), ""]
    out += ["## Operation mix at rising concurrency (think time "
            f"{res['think']} s mean, {res['duration']} s measured per level)", ""]
    rows = []
    for lv in res["levels"]:
        o = lv["summaries"][-1]
        mix = ", ".join(f"{k} {v:.0%}" for k, v in lv["mix"].items())
        shed = o.get("shed", 0)
        rows.append([lv["users"], f"{o['throughput']:.1f}", f"{o['p50_ms']:.1f}", f"{o['p95_ms']:.1f}",
                     f"{o['p99_ms']:.1f}", o["errors"] - shed,
                     f"{shed / o['count']:.1%} (p95 {o.get('shed_p95_ms', float('nan')):.0f} ms)" if shed else "0",
                     f"{o.get('served_max_ms', float('nan')):.0f}", f"{res.get('ratio_at', {}).get(str(lv['users']), '')}",
                     mix, f"{lv['generator_cpu_seconds'] / lv['duration']:.2f}"])
    out += [stats.markdown_table(["users", "ops/s", "p50 ms", "p95 ms", "p99 ms", "errors (not 503)",
                                  "503 share (answered in)", "slowest served ms",
                                  f"ops/s ÷ SQL limit ({res['limit']['summaries'][-1]['throughput']:.0f} ops/s)", "mix",
                                  "load generator CPU (cores)"], rows), ""]
    out += cpu_section(res)
    for lv in res["levels"]:
        out += [f"### {lv['users']} users, per endpoint", "",
                stats.summary_table([stats.Summary(**s) for s in lv["summaries"]]), ""]
    lim = res["limit"]
    out += [f"## The limit: the same SQL straight at PostgreSQL ({lim['connections']} connections, closed loop)", "",
            stats.summary_table([stats.Summary(**s) for s in lim["summaries"]]), "",
            "Operations whose replayed INSERT met an existing unique row and was skipped (the app's update-or-insert "
            f"and first-read paths): {lim['conflicts'] or 'none'}; failed replays by error: "
            f"{lim.get('failures') or 'none'} {lim.get('failure_examples') or ''}; driver CPU {lim['driver_cpu_seconds'] / lim['duration']:.2f} cores",
            "", f"App best throughput {res['app_best']:.1f} ops/s / SQL limit {lim['summaries'][-1]['throughput']:.1f} "
            f"ops/s = **{res['ratio']:.2f}**", ""]
    out += ["## Observer pages (5 concurrent)", "",
            stats.summary_table([stats.Summary(**s) for s in res["observer"]["summaries"]]), ""]
    if res["plan"].get("observer_pages_missing"):
        out += ["Observer pages not measured: " + "; ".join(
            f"{k}: {v}" for k, v in res["plan"]["observer_pages_missing"].items()), ""]
    out += ["## Targets", "", stats.markdown_table(["target", "measured", "verdict"], res["verdicts"]), ""]
    out += [f"## Profile of the slowest endpoint ({res['profile_op']})", "", "```", res["profile_head"], "```", ""]
    return "\n".join(out)


def cpu_section(res: dict[str, Any]) -> list[str]:
    """Where the machine's CPU went in each level's measured window, per process tree and per served op."""
    rows = []
    for lv in res["levels"]:
        window = lv.get("window_cpu")
        if not window:
            continue
        o = lv["summaries"][-1]
        served = o["count"] - o["errors"]
        seconds = window["window_seconds"]
        for name, cpu in [*window["cpu_seconds"].items(),
                          ("whole machine", window["machine_busy_seconds"])]:
            rows.append([lv["users"], name, f"{cpu / seconds:.2f}", f"{cpu * 1000 / max(o['count'], 1):.2f}",
                         f"{cpu * 1000 / max(served, 1):.2f}"])
        busy_ms = window["machine_busy_seconds"] * 1000 / max(served, 1)
        cores = window["machine_cpu_seconds"] / seconds
        rows.append([lv["users"], "**ceiling at this cost**", f"{cores:.2f} cores busy "
                     f"{window['machine_busy_seconds'] / window['machine_cpu_seconds']:.0%}", "",
                     f"{cores * 1000 / busy_ms:.0f} ops/s" if busy_ms else ""])
    if not rows:
        return []
    return ["## Where the CPU went (measured window)", "",
            "Cores each process tree used while the level was measured, and its CPU per answered request "
            "(503s included) and per served operation. The ceiling is the served operations per second "
            "the machine's cores would give if every one of them were busy at this cost per operation.", "",
            stats.markdown_table(["users", "process", "cores", "ms per answered request", "ms per served op"], rows),
            ""]


def main() -> int:  # noqa: C901 - one linear script
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--full", action="store_true")
    parser.add_argument("--preset", choices=sorted(PRESETS))
    parser.add_argument("--scale")
    parser.add_argument("--residents", type=int, help="override the scale's resident count (development runs)")
    parser.add_argument("--levels")
    parser.add_argument("--duration", type=float)
    parser.add_argument("--warmup", type=float)
    parser.add_argument("--think", type=float, default=1.0)
    parser.add_argument("--workers", type=int, default=3)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--proxy-port", type=int, default=8764,
                        help="nginx in front of the app (load shedding, as deployed); 0 measures gunicorn directly")
    parser.add_argument("--max-conns", type=int, default=0,
                        help="nginx's cap of requests in flight to the app (default workers x threads x 2)")
    parser.add_argument("--redis-port", type=int, default=6399)
    parser.add_argument("--db", default="shequtong_bench")
    parser.add_argument("--reuse-db", action="store_true", help="measure an existing benchmark database (no reseed; seeded if missing) and keep it")
    parser.add_argument("--keep-db", action="store_true", help="do not drop the database at the end")
    parser.add_argument("--seed-only", action="store_true",
                        help="create and seed the database, record the seed time, keep it, and stop "
                             "(a later run with --reuse-db measures it)")
    args = parser.parse_args()
    preset = dict(PRESETS["full" if args.full else args.preset or "quick"])
    if args.scale:
        preset["scale"] = args.scale
    if args.levels:
        preset["levels"] = [int(x) for x in args.levels.split(",")]
    if args.duration:
        preset["duration"] = args.duration
        preset["limit_duration"] = min(preset["limit_duration"], args.duration)
    if args.warmup is not None:
        preset["warmup"] = args.warmup
    ensure_postgres()
    if args.seed_only:
        return seed_only(args, preset)
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")  # noqa: DTZ005 - a folder name in local time
    out = server.VAR / stamp
    out.mkdir(parents=True, exist_ok=True)
    res: dict[str, Any] = {"started": dt.datetime.now().astimezone().isoformat(timespec="seconds"),
                           "command": " ".join([Path(PY).name, *sys.argv]), "machine": machine(),
                           "scale": preset["scale"], "workers": args.workers, "threads": args.threads,
                           "server": {"gunicorn": "gunicorn gthread"}.get(server.SERVER, server.SERVER),
                           "think": args.think, "duration": preset["duration"]}
    redis = server.start_redis(args.redis_port)
    res["redis"] = redis is not None
    env = server.bench_env(args.db, args.redis_port if redis else None)
    base = f"http://127.0.0.1:{args.proxy_port or args.port}"
    res["proxy"] = (f"nginx on :{args.proxy_port}, at most {args.max_conns or args.workers * args.threads * 2} "
                    "requests in flight to the app" if args.proxy_port else "none (gunicorn directly)")
    try:
        return measure(args, preset, res, env, base, out, redis)
    finally:
        server.stop(redis)
        if not (args.keep_db or args.reuse_db):  # a database named for reuse is kept for the next run
            drop_database(args.db)


def seed_file(db: str) -> Path:
    return server.VAR / f"{db}.seed.json"


def vacuum_if_autovacuum_is_off(db: str) -> float | None:
    """Vacuum a reused database first when the server never does (CI's PostgreSQL runs with autovacuum
    off); return the seconds it took, or None when autovacuum is on.

    Each run writes thousands of rows, and every write unmarks its page in the visibility map. A live
    server's autovacuum marks them again; here nothing would, so each run's observer counts would read
    more of the heap than the last (a third of cases_case's pages after one run; case list, all overdue
    128 ms against 45 ms after a vacuum). Vacuuming visits only the pages written since the last one."""
    with psycopg.connect(f"{server.PG}/{db}", autocommit=True) as c:
        if (c.execute("SHOW autovacuum").fetchone() or ("on",))[0] == "on":
            return None
        t0 = time.monotonic()
        c.execute("VACUUM ANALYZE")
    seconds = time.monotonic() - t0
    log(f"autovacuum is off on this server: VACUUM ANALYZE before measuring took {seconds:.0f} s")
    return seconds


def seed_database(args: argparse.Namespace, preset: dict[str, Any], env: dict[str, str]) -> float:
    """Create, migrate and seed the benchmark database; return the seconds it took and remember them."""
    t0 = time.monotonic()
    create_database(args.db)
    sh([PY, "manage.py", "migrate", "--no-input", "-v0"], env)
    seed = [PY, "manage.py", "seed_demo", "--scale", preset["scale"]]
    sh(seed + (["--residents", str(args.residents)] if args.residents else []), env)
    seconds = time.monotonic() - t0
    # A live database has been vacuumed by autovacuum; a fresh COPY load has not, and without the
    # visibility map PostgreSQL cannot answer from covering indexes alone. Timed apart from the seed.
    t1 = time.monotonic()
    with psycopg.connect(f"{server.PG}/{args.db}", autocommit=True) as c:
        c.execute("VACUUM ANALYZE")
    vacuum = time.monotonic() - t1
    log(f"VACUUM ANALYZE took {vacuum:.0f} s")
    seed_file(args.db).write_text(json.dumps({
        "scale": preset["scale"], "residents": args.residents, "seconds": seconds, "vacuum_seconds": vacuum,
        "finished": dt.datetime.now().astimezone().isoformat(timespec="seconds"),
        "loadavg_at_end": os.getloadavg()}), encoding="utf-8")
    return seconds


def seed_only(args: argparse.Namespace, preset: dict[str, Any]) -> int:
    env = server.bench_env(args.db, None)
    seconds = seed_database(args, preset, env)
    log(f"seeded {args.db} (scale {preset['scale']}) in {seconds:.0f} s; measure it with --reuse-db --db {args.db}")
    return 0


def measure(args: argparse.Namespace, preset: dict[str, Any], res: dict[str, Any], env: dict[str, str], base: str,
            out: Path, redis: Any) -> int:
    proc = proxy = None
    try:
        if args.reuse_db and database_exists(args.db):
            # Migrations added since the seed (indexes, say) apply to the kept data.
            sh([PY, "manage.py", "migrate", "--no-input", "-v0"], env)
            seeded = json.loads(seed_file(args.db).read_text()) if seed_file(args.db).exists() else {}
            res["seed_seconds"] = seeded.get("seconds", float("nan"))
            res["vacuum_seconds"] = seeded.get("vacuum_seconds", float("nan"))
            res["vacuum_before_run"] = vacuum_if_autovacuum_is_off(args.db)
        else:
            res["seed_seconds"] = seed_database(args, preset, env)
            res["vacuum_seconds"] = json.loads(seed_file(args.db).read_text())["vacuum_seconds"]
        sh([PY, "manage.py", "collectstatic", "--no-input", "-v0"], env)
        res["rows"] = table_rows(args.db)
        proc = server.start_server(env, args.port, args.workers, args.threads)
        server.wait_ready(f"http://127.0.0.1:{args.port}", proc=proc)
        if args.proxy_port:
            proxy = server.start_proxy(args.proxy_port, args.port, args.max_conns or args.workers * args.threads * 2)
            server.wait_ready(base, proc=proxy)
        plan_path, capture_path = out / "plan.json", out / "capture.pkl"
        sh([PY, "bench/prepare.py", "--users", str(max(preset["levels"])), "--out", str(plan_path),
            "--capture", str(capture_path)], env)
        plan = json.loads(plan_path.read_text(encoding="utf-8"))
        res["plan"] = {k: plan[k] for k in ("available", "unavailable", "capture_statuses", "statements_per_op",
                                            "observer_pages_missing")}
        res["levels"] = []
        # Whose CPU the measured window spent: the app server, nginx, PostgreSQL (all its processes), Redis.
        postmaster = server.postmaster_pid(env["DATABASE_URL"].replace("postgres://", "postgresql://"))
        watched = {"app": proc.pid, "nginx": proxy.pid if proxy else None, "postgresql": postmaster,
                   "redis": redis.pid if redis else None}
        watch = [f"--watch={name}={pid}" for name, pid in watched.items() if pid]
        for users in preset["levels"]:
            path = out / f"level-{users}.json"
            sh([PY, "bench/load.py", "--plan", str(plan_path), "--base", base, "--users", str(users),
                "--duration", str(preset["duration"]), "--warmup", str(preset["warmup"]), "--think", str(args.think),
                "--out", str(path), *watch], env)
            res["levels"].append(json.loads(path.read_text(encoding="utf-8")))
        conns = args.workers * args.threads
        sh([PY, "bench/sqllimit.py", "--plan", str(plan_path), "--capture", str(capture_path),
            "--dsn", env["DATABASE_URL"].replace("postgres://", "postgresql://"), "--connections", str(conns),
            "--duration", str(preset["limit_duration"]), "--out", str(out / "limit.json")], env)
        res["limit"] = json.loads((out / "limit.json").read_text(encoding="utf-8"))
        sh([PY, "bench/observer.py", "--plan", str(plan_path), "--base", base, "--rounds",
            str(preset["observer_rounds"]), "--out", str(out / "observer.json")], env)
        res["observer"] = json.loads((out / "observer.json").read_text(encoding="utf-8"))
    finally:
        server.stop(proxy)
        server.stop(proc)
    # The slowest endpoint at the busiest level, profiled in-process with the server stopped.
    busiest = res["levels"][-1]["summaries"][:-1]
    slowest = max(busiest, key=lambda s: s["p95_ms"])["name"] if busiest else "home"
    res["profile_op"] = slowest
    sh([PY, "bench/hotspots.py", "--plan", str(out / "plan.json"), "--op", slowest, "--requests",
        str(preset["profile_requests"]), "--out", str(out / "profile.txt")], env)
    res["profile_head"] = (out / "profile.txt").read_text(encoding="utf-8")[:6000]
    best = max(res["levels"], key=lambda lv: lv["summaries"][-1]["throughput"])
    res["app_best"] = best["summaries"][-1]["throughput"]
    limit_ops = res["limit"]["summaries"][-1]["throughput"]
    res["ratio"] = res["app_best"] / limit_ops if limit_ops else float("nan")
    res["ratio_at"] = {str(lv["users"]): f"{lv['summaries'][-1]['throughput'] / limit_ops:.2f}" if limit_ops else ""
                       for lv in res["levels"]}
    ok_levels = [lv for lv in res["levels"] if lv["summaries"][-1]["p95_ms"] < TARGETS["p95_ms"]
                 and lv["summaries"][-1]["errors"] == 0]
    best_ok = max((lv["summaries"][-1]["throughput"] for lv in ok_levels), default=0.0)
    top = res["levels"][-1]["summaries"][-1]
    obs = [s for s in res["observer"]["summaries"] if s["name"] != "overall"]
    worst_obs = max((s["p95_ms"] for s in obs), default=float("nan"))
    res["verdicts"] = [
        ["≥ 1,000 ops/s with p95 < 100 ms and no errors",
         f"{best_ok:.1f} ops/s at the best level within p95 < 100 ms" if ok_levels
         else f"no level within p95 < 100 ms without errors; best throughput {res['app_best']:.1f} ops/s",
         stats.verdict(best_ok, TARGETS["ops"])],
        ["app/limit ≥ 0.25", f"{res['ratio']:.2f}", stats.verdict(res["ratio"], TARGETS["ratio"])],
        ["observer pages p95 < 300 ms", f"worst {worst_obs:.1f} ms",
         stats.verdict(worst_obs, TARGETS["observer_p95_ms"], below=True)],
        [f"{res['levels'][-1]['users']} simulated users with p95 < 1 s (target: 2,000)", f"p95 {top['p95_ms']:.1f} ms, "
         f"{top['errors']} errors", stats.verdict(top["p95_ms"], TARGETS["p95_at_2000_ms"], below=True)
         if res["levels"][-1]["users"] >= 2000 else "not measured at 2,000"],
    ]
    (out / "results.json").write_text(json.dumps(res, ensure_ascii=False, indent=1, default=str), encoding="utf-8")
    text = report(res)
    (out / "report.md").write_text(text, encoding="utf-8")
    print(text)
    log(f"report: {out / 'report.md'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
