"""A production-like server for benchmarks: gunicorn (gthread) on PostgreSQL with Redis, DEBUG off.

    python bench/server.py --db shequtong_bench --port 8765 --workers 3 --threads 4

Fresh keys (DJANGO_SECRET_KEY, FIELD_ENCRYPTION_KEY, BLIND_INDEX_KEY) are
generated once per benchmark database and kept in var/bench/<db>.keys.json,
because the seeded personal data is encrypted with them. The project's .env
is not read (SHEQUTONG_NO_DOTENV), so a developer's settings never leak into
a measurement. Redis runs on its own port without persistence when
redis-server is installed; without it the cache falls back to local memory
and the report says so.
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))
VAR = ROOT / "var" / "bench"
BIN = Path(sys.executable).parent
PG = os.environ.get("BENCH_PG", "postgres://postgres@127.0.0.1:5432")
# The app server: gunicorn gthread (the default, as deployed), gunicorn's sync worker
# (BENCH_SERVER=gunicorn-sync: --workers processes, --threads ignored) or granian (BENCH_SERVER=granian).
SERVER = os.environ.get("BENCH_SERVER", "gunicorn")
APP_NICE = int(os.environ.get("BENCH_APP_NICE", "5"))


def keys_for(db: str) -> dict[str, str]:
    VAR.mkdir(parents=True, exist_ok=True)
    path = VAR / f"{db}.keys.json"
    if path.exists():
        return json.loads(path.read_text())
    keys = {
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
        "FIELD_ENCRYPTION_KEY": base64.b64encode(os.urandom(32)).decode(),
        "BLIND_INDEX_KEY": base64.b64encode(os.urandom(32)).decode(),
    }
    path.write_text(json.dumps(keys))
    path.chmod(0o600)
    return keys


def bench_env(db: str, redis_port: int | None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_URL", "REDIS_URL"))}
    env.update(keys_for(db))
    env.update({
        "DATABASE_URL": f"{PG}/{db}",
        "DJANGO_DEBUG": "0",
        "SHEQUTONG_NO_DOTENV": "1",
        "SHEQUTONG_TESTING": "0",
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost,testserver",
        # Plain HTTP on loopback: secure-only cookies would never come back.
        "DJANGO_SECURE_COOKIES": "0",
        # ... and no redirect to HTTPS nor HSTS (production defaults since issue 12 item 12).
        "DJANGO_SECURE_SSL_REDIRECT": "0",
        "DJANGO_HSTS_SECONDS": "0",
        "DB_CONN_MAX_AGE": "600",
        "LOG_LEVEL": "WARNING",
        "PYTHONUNBUFFERED": "1",
    })
    if redis_port:
        env["REDIS_URL"] = f"redis://127.0.0.1:{redis_port}/0"
    return env


def start_redis(port: int) -> subprocess.Popen[bytes] | None:
    exe = shutil.which("redis-server")
    if exe is None:
        return None
    if port_in_use(port):
        # Another run's Redis would hand this run its cached sessions and identities.
        raise SystemExit(f"port {port} (Redis) is already in use: stop that Redis or choose another --redis-port")
    proc = subprocess.Popen([exe, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
                             "--loglevel", "warning"], stdout=subprocess.DEVNULL)
    time.sleep(0.5)
    return proc


NGINX_TEMPLATE = ROOT / "deploy" / "nginx" / "shequtong.conf.template"


def nginx_binary() -> str | None:
    return shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)


def render_nginx(listen: str, upstream: str, max_conns: int, live_upstream: str | None = None) -> str:
    """deploy/nginx's server block with its five placeholders filled (nginx's own $variables untouched).

    The streams' upstream defaults to gunicorn itself: under WSGI they answer 404 and the pages poll.
    """
    text = NGINX_TEMPLATE.read_text(encoding="utf-8")
    for name, value in {"LISTEN": listen, "UPSTREAM": upstream, "LIVE_UPSTREAM": live_upstream or upstream,
                        "MAX_CONNS": str(max_conns), "BUSY_ROOT": str(NGINX_TEMPLATE.parent)}.items():
        text = text.replace("${" + name + "}", value)
    return text


def start_proxy(port: int, upstream_port: int, max_conns: int) -> subprocess.Popen[bytes]:
    """nginx in front of gunicorn, as in production: the first stage of load shedding."""
    exe = nginx_binary()
    if exe is None:
        raise SystemExit("nginx is not installed: apt-get install nginx-light (make bench does), or pass --no-proxy")
    if port_in_use(port):
        raise SystemExit(f"port {port} (nginx) is already in use: stop that server or choose another --proxy-port")
    prefix = VAR / "nginx"
    (prefix / "logs").mkdir(parents=True, exist_ok=True)
    conf = prefix / "nginx.conf"
    conf.write_text("\n".join([
        "worker_processes 1;", "pid " + str(prefix / "nginx.pid") + ";", "error_log " + str(prefix / "logs" / "error.log") + " warn;",
        "events { worker_connections 8192; }",
        # Idle client connections are kept as long as Debian's nginx.conf keeps them (65 s, as deployed).
        # Below the load generator's own idle limit (aiohttp: 15 s) a user back from thinking could send
        # on a connection nginx was closing and count an error no browser shows (browsers resend).
        "http {", "  access_log off;", "  keepalive_timeout 65s;", "  keepalive_requests 100000;",
        render_nginx(f"127.0.0.1:{port}", f"127.0.0.1:{upstream_port}", max_conns), "}", ""]), encoding="utf-8")
    return subprocess.Popen([exe, "-p", str(prefix), "-c", str(conf), "-g", "daemon off;"])


def port_in_use(port: int) -> bool:
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) == 0


def start_server(env: dict[str, str], port: int, workers: int, threads: int) -> subprocess.Popen[bytes]:
    from common import raise_open_files

    if port_in_use(port):
        # Measuring whatever else answers there (another run's server, a dev server) would be wrong.
        raise SystemExit(f"port {port} is already in use: stop that server or choose another --port")
    raise_open_files()  # inherited by the server: its workers hold the users' keep-alive connections
    if SERVER == "granian":
        if not (BIN / "granian").exists():
            raise SystemExit("BENCH_SERVER=granian needs granian in the venv: .venv/bin/pip install granian==2.8.7 "
                             "(a measuring option only, not a dependency: gunicorn serves the app)")
        # Rust HTTP front with the WSGI app on `threads` blocking threads per worker process.
        cmd = [str(BIN / "granian"), "--interface", "wsgi", "--host", "127.0.0.1", "--port", str(port),
               "--workers", str(workers), "--blocking-threads", str(threads), "--runtime-threads", "1",
               "--backlog", "4096", "--log-level", "warning", "--no-ws", "shequtong.wsgi:application"]
    elif SERVER == "gunicorn-sync":
        # One request a process, no thread pool or poller; nginx buffers slow clients in front.
        cmd = [str(BIN / "gunicorn"), "shequtong.wsgi:application", "--bind", f"127.0.0.1:{port}",
               "--workers", str(workers), "--worker-class", "sync", "--backlog", "4096",
               "--log-level", "warning", "--graceful-timeout", "5", "--timeout", "120"]
    else:
        cmd = [str(BIN / "gunicorn"), "shequtong.wsgi:application", "--bind", f"127.0.0.1:{port}",
               "--workers", str(workers), "--worker-class", "gthread", "--threads", str(threads),
               "--worker-connections", "2000", "--backlog", "4096", "--keep-alive", "10",
               "--log-level", "warning", "--graceful-timeout", "5", "--timeout", "120"]
    # The app runs at a lower priority than nginx, PostgreSQL and Redis, as deployed (deploy/systemd
    # Nice=5): on a saturated machine the edge still refuses at once instead of waiting for a core.
    return subprocess.Popen(cmd, cwd=ROOT, env=env, preexec_fn=lambda: os.nice(APP_NICE))  # noqa: PLW1509


def postmaster_pid(dsn: str) -> int | None:
    """PostgreSQL's postmaster, the parent of every backend (None when the server is on another machine)."""
    import psycopg

    with psycopg.connect(dsn, autocommit=True) as conn:
        row = conn.execute("SELECT pg_backend_pid()").fetchone()
        try:  # while the connection is open: its backend exits with it
            return int(Path(f"/proc/{row[0] if row else 0}/stat").read_text().rsplit(")", 1)[1].split()[1])
        except (FileNotFoundError, ProcessLookupError):
            return None


def wait_ready(base: str, timeout: float = 60, proc: subprocess.Popen[bytes] | None = None) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"the server exited with {proc.returncode} before answering")
        try:
            with urllib.request.urlopen(f"{base}/healthz", timeout=2) as r:  # noqa: S310 - loopback only
                if r.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise RuntimeError(f"server at {base} did not answer /healthz within {timeout}s")


def stop(proc: subprocess.Popen[bytes] | None) -> None:
    if proc is None or proc.poll() is not None:
        return
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", default="shequtong_bench")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--redis-port", type=int, default=6399)
    parser.add_argument("--workers", type=int, default=3)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--proxy-port", type=int, default=0, help="also start nginx in front on this port")
    parser.add_argument("--max-conns", type=int, default=0, help="nginx's cap of requests in flight (default workers x threads x 2)")
    args = parser.parse_args()
    def terminate(signum: int, frame: object) -> None:
        raise KeyboardInterrupt  # SIGTERM stops gunicorn and Redis too, like Ctrl-C

    signal.signal(signal.SIGTERM, terminate)
    redis = start_redis(args.redis_port)
    env = bench_env(args.db, args.redis_port if redis else None)
    server = start_server(env, args.port, args.workers, args.threads)
    proxy = None
    try:
        wait_ready(f"http://127.0.0.1:{args.port}", proc=server)
        if args.proxy_port:
            proxy = start_proxy(args.proxy_port, args.port, args.max_conns or args.workers * args.threads * 2)
            wait_ready(f"http://127.0.0.1:{args.proxy_port}", proc=proxy)
        print(f"serving on http://127.0.0.1:{args.proxy_port or args.port} (Ctrl-C stops)")
        server.wait()
    except KeyboardInterrupt:
        pass
    finally:
        stop(proxy)
        stop(server)
        stop(redis)
    return 0


if __name__ == "__main__":
    sys.exit(main())
