#!/usr/bin/env python3
"""Fuzz the whole JSON API with schemathesis against a live server (make fuzz; .ci/run).

Builds a fresh database with the demo district, starts the app on loopback
(a free port from 9100), mints bearer tokens for a resident, a secretary and a
district observer, and runs schemathesis over every operation of
/api/v1/openapi.json as each role, the three runs at once. Checks:
no server error (5xx), every status code declared, content type and response
body matching the declared schema. Prints the counts; exits non-zero on any
failure. The run is bounded: a few examples per operation (--max-examples)
and a fixed seed, so a CI run takes a few minutes and repeats itself.

    .venv/bin/python scripts/fuzz_api.py                      # SQLite in a temp dir
    .venv/bin/python scripts/fuzz_api.py --database-url postgres://postgres@127.0.0.1:5432/fuzz
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import socket
import subprocess  # noqa: S404 - runs our own manage.py and schemathesis
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parent.parent
PY = sys.executable
SCHEMATHESIS = str(Path(PY).with_name("schemathesis"))
CHECKS = "not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance"
ROLES = {"resident": "demo-resident", "secretary": "demo-secretary", "district": "demo-district"}

MINT = """
from shequtong.accounts import services
from shequtong.accounts.models import User
import json, os
out = {}
for role, username in json.loads(os.environ["ROLES"]).items():
    _, key = services.create_api_token(actor=User.objects.get(username=username), name="fuzz", token_scope="write")
    out[role] = key
print("TOKENS=" + json.dumps(out))
"""


def free_port(start: int = 9100) -> int:
    for port in range(start, start + 200):
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise SystemExit("no free port from 9100")


def fresh_postgres(url: str) -> None:
    import psycopg

    parsed = urlparse(url)
    name = parsed.path.lstrip("/")
    admin = parsed._replace(path="/postgres").geturl()
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def manage(env: dict[str, str], *args: str) -> str:
    done = subprocess.run([PY, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True)  # noqa: S603
    if done.returncode != 0:
        sys.stderr.write(done.stdout + done.stderr)
        raise SystemExit(f"manage.py {' '.join(args)} failed")
    return done.stdout


def answers(url: str, server: subprocess.Popen, seconds: float = 180) -> bool:
    """Whether our server (still running) serves ``url`` within ``seconds``."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and server.poll() is None:
        try:
            with urllib.request.urlopen(url, timeout=10) as r:  # noqa: S310 - loopback
                if r.status == 200:
                    return server.poll() is None
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            time.sleep(0.5)
    return False


def start_server(env: dict[str, str], port: int, workers: int, log: Any) -> tuple[subprocess.Popen, int]:
    """gunicorn on a port found free just now; another one if the port was taken meanwhile."""
    for _ in range(5):
        chosen = port or free_port()
        server = subprocess.Popen(  # noqa: S603
            [str(Path(PY).with_name("gunicorn")), "shequtong.wsgi", "--bind", f"127.0.0.1:{chosen}",
             "--workers", str(workers), "--threads", "2", "--timeout", "120"],
            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
        if answers(f"http://127.0.0.1:{chosen}/api/v1/openapi.json", server):
            return server, chosen
        server.terminate()
        server.wait(timeout=30)
        if port:
            break
    raise SystemExit("the server did not start (see server.log)")


def fuzz_command(schema_url: str, token: str, args: argparse.Namespace, config: Path, report: Path) -> list[str]:
    return [SCHEMATHESIS, "--config-file", str(config), "run", schema_url, "--checks", CHECKS,
            "--max-examples", str(args.max_examples), "--seed", str(args.seed), "--phases", "coverage,fuzzing",
            "--workers", str(args.workers), "--no-shrink", "--request-timeout", "60",
            "--suppress-health-check", "all", "--report", "ndjson", "--report-ndjson-path", str(report),
            "-H", f"Authorization: Bearer {token}"]


def count(report: Path) -> dict[str, int]:
    """Requests, 5xx answers and failed checks by name, from schemathesis' NDJSON event stream."""
    counts = {"scenarios": 0, "requests": 0, "server_errors": 0, "schema_violations": 0, "other_failures": 0,
              "tool_errors": 0}
    seen: set[tuple[str, str]] = set()
    schema_checks = {"status_code_conformance", "content_type_conformance", "response_schema_conformance"}
    for line in report.read_text().splitlines():
        event = json.loads(line)
        if "NonFatalError" in event:  # schemathesis' own trouble (e.g. generating a case), not the API's
            counts["tool_errors"] += 1
        finished = event.get("ScenarioFinished")
        if not finished:
            continue
        counts["scenarios"] += 1
        recorder = finished.get("recorder", {})
        for interaction in recorder.get("interactions", {}).values():
            response = interaction.get("response")
            if response is None:
                continue
            counts["requests"] += 1
            if response.get("status_code", 0) >= 500:
                counts["server_errors"] += 1
        for case_checks in recorder.get("checks", {}).values():
            for check in case_checks:
                if str(check.get("status", "")).lower() != "failure":
                    continue
                failure = (check.get("failure_info") or {}).get("failure") or {}
                key = (check.get("name", ""), failure.get("operation", ""), failure.get("message", "")[:300])
                if key in seen:  # the same failure found again by another case
                    continue
                seen.add(key)
                if check.get("name") in schema_checks:
                    counts["schema_violations"] += 1
                elif check.get("name") != "not_a_server_error":
                    counts["other_failures"] += 1
    return counts


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", default="", help="a PostgreSQL database to recreate (default: SQLite in a temp dir)")
    parser.add_argument("--port", type=int, default=0, help="default: the first free port from 9100")
    parser.add_argument("--residents", type=int, default=60)
    parser.add_argument("--max-examples", type=int, default=5)
    # One worker per role: the three roles already run at once, and CPython before 3.11.8 can fail
    # parsing in threads ("AST constructor recursion depth mismatch", gh-106905) inside schemathesis.
    parser.add_argument("--workers", type=int, default=1, help="schemathesis workers per role")
    parser.add_argument("--server-workers", type=int, default=3, help="gunicorn worker processes")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--keep", action="store_true", help="keep the temp dir (reports, server log)")
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="shequtong-fuzz-"))
    db_url = args.database_url or f"sqlite:///{work / 'fuzz.sqlite3'}"
    if db_url.startswith("postgres"):
        fresh_postgres(db_url)
    env = {**os.environ, "DATABASE_URL": db_url, "DJANGO_DEBUG": "1", "SHEQUTONG_NO_DOTENV": "1",
           "MEDIA_ROOT": str(work / "media"), "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
           "SHED_QUEUE_MS": "0", "REDIS_URL": os.environ.get("FUZZ_REDIS_URL", ""), "ROLES": json.dumps(ROLES),
           "PYTHONUNBUFFERED": "1"}
    started = time.monotonic()
    print(f"== database {db_url.split('@')[-1]}; demo district ({args.residents} residents)", flush=True)
    manage(env, "migrate", "--no-input", "-v0")
    manage(env, "seed_demo", "--residents", str(args.residents))
    manage(env, "seed_demo_boards")
    manage(env, "seed_demo_chats", "--if-empty")
    manage(env, "seed_demo_cases")
    manage(env, "seed_demo_epidemic")
    manage(env, "seed_demo_rural")
    manage(env, "seed_demo_charity")
    manage(env, "seed_demo_campaigns")
    manage(env, "seed_demo_policy")
    tokens = json.loads(manage(env, "shell", "-c", MINT).split("TOKENS=", 1)[1])

    log = (work / "server.log").open("w")
    server, port = start_server(env, args.port, args.server_workers, log)
    config = work / "schemathesis.toml"
    # Requests with methods an operation does not have only meet the router's 405: skip them (they were a fifth of the run).
    config.write_text("[phases.coverage]\nunexpected-methods = []\n")
    results: dict[str, dict[str, int]] = {}
    try:
        base = f"http://127.0.0.1:{port}"
        print(f"== server on {base} ({time.monotonic() - started:.0f} s to set up); "
              f"schemathesis as {', '.join(tokens)} at once", flush=True)
        runs = {}
        for label, token in tokens.items():
            out = (work / f"{label}.out").open("w")
            cmd = fuzz_command(f"{base}/api/v1/openapi.json", token, args, config, work / f"{label}.ndjson")
            runs[label] = (subprocess.Popen(cmd, cwd=work, stdout=out, stderr=subprocess.STDOUT), out)  # noqa: S603
        for label, (proc, out) in runs.items():
            proc.wait()
            out.close()
            results[label] = count(work / f"{label}.ndjson") | {"exit": proc.returncode}
            if proc.returncode:
                print(f"== schemathesis as {label} (exit {proc.returncode}):")
                print((work / f"{label}.out").read_text()[-8000:], flush=True)
    finally:
        server.terminate()
        server.wait(timeout=30)
        log.close()

    total = {k: sum(r[k] for r in results.values())
             for k in ("requests", "server_errors", "schema_violations", "other_failures", "tool_errors")}
    print("\n== schemathesis counts")
    for label, r in results.items():
        print(f"  {label:<10} scenarios {r['scenarios']:>3}  requests {r['requests']:>5}  "
              f"server errors {r['server_errors']:>3}  schema violations {r['schema_violations']:>3}  "
              f"other failures {r['other_failures']}  tool errors {r['tool_errors']}")
    print(f"  total      requests {total['requests']}  server errors {total['server_errors']}  "
          f"schema violations {total['schema_violations']}  ({time.monotonic() - started:.0f} s)")
    # A schemathesis-internal error (it exits 1 for those too) is reported above but fails nothing:
    # the counts of what the API answered decide.
    failed = total["server_errors"] or total["schema_violations"] or total["other_failures"] or not total["requests"]
    if failed:
        errors = [line for line in (work / "server.log").read_text().splitlines() if "Error" in line or "Traceback" in line]
        print("\n".join(errors[-40:]))
        print(f"reports and server log kept in {work}")
    elif not args.keep:
        shutil.rmtree(work, ignore_errors=True)
    else:
        print(f"reports in {work}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
