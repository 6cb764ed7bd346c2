"""gunicorn settings for 社区通 (deploy/compose.yaml and deploy/systemd/shequtong-web.service).

Everything can be overridden from the environment: GUNICORN_BIND, GUNICORN_WORKERS,
GUNICORN_THREADS, GUNICORN_TIMEOUT. 3 gthread workers × 4 threads gave the highest
throughput on two cores (docs/performance.md); MAX_CONNS in nginx should be about
workers × threads × 2 (docs/performance.md, issue 11: × 4 queued requests for ~0.8 s).

The live process (compose's `live`, shequtong-live.service) uses this file too, with
`-k asgi shequtong.asgi:application` on the command line (which wins over worker_class
here): gunicorn's ASGI worker, one event loop per process, for the Server-Sent Events
streams only. GUNICORN_WORKER_CONNECTIONS caps the open streams per process.

With PROMETHEUS_MULTIPROC_DIR set, each worker process counts its requests into
files there and /metrics adds them up (ops/metrics.py): the directory is emptied
when gunicorn starts and a dead worker's gauges are dropped.
"""

import os
import shutil
from pathlib import Path

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
worker_class = "gthread"
workers = int(os.environ.get("GUNICORN_WORKERS", "3"))
threads = int(os.environ.get("GUNICORN_THREADS", "4"))
worker_connections = int(os.environ.get("GUNICORN_WORKER_CONNECTIONS", "1000"))  # asgi worker only
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "60"))
graceful_timeout = 30
keepalive = 5
backlog = 2048
# Recycle a worker now and then (memory growth of long-lived processes).
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "5000"))
max_requests_jitter = 500
# The app writes one JSON access line per request with its request id (common/logs.py).
accesslog = None
errorlog = "-"
forwarded_allow_ips = os.environ.get("TRUSTED_PROXIES", "127.0.0.1,::1")
# gunicorn's control socket (gunicornc) defaults to ~/.gunicorn/gunicorn.ctl, one path for both the
# web and the live process of the same user: under systemd each gets its own runtime directory.
if os.environ.get("RUNTIME_DIRECTORY"):
    control_socket = str(Path(os.environ["RUNTIME_DIRECTORY"].split(":")[0]) / "gunicorn.ctl")


def on_starting(server):  # noqa: ARG001 - gunicorn's hook signature
    directory = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if directory:
        shutil.rmtree(directory, ignore_errors=True)
        Path(directory).mkdir(parents=True, exist_ok=True)


def child_exit(server, worker):  # noqa: ARG001 - gunicorn's hook signature
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)
