#!/usr/bin/env bash
# `make run`'s last step: the grid simulator and the worker in the background,
# then the web server in the foreground; Ctrl-C stops all three.
# The demo's escalations really travel: case → outbox → worker → Open311 client
# → simulator → signed callback (and polling) → case updated.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python
HOST=${HOST:-127.0.0.1}
PORT=${PORT:-8000}
GRID_PORT=${GRID_PORT:-8311}
GRID_DELAY=${GRID_DELAY:-20}

# Environment wins over .env (python-dotenv does not override), so these only
# apply to the demo run; production sets its own.
export GRID_GATEWAY=${GRID_GATEWAY:-shequtong.integrations.open311_client.Open311GridGateway}
export GRID_OPEN311_URL=${GRID_OPEN311_URL:-http://127.0.0.1:${GRID_PORT}/open311/v2}
if [ -z "${GRID_WEBHOOK_SECRET:-}" ] && ! grep -q '^GRID_WEBHOOK_SECRET=.' .env 2>/dev/null; then
  GRID_WEBHOOK_SECRET="whsec_$($PY -c 'import base64,os;print(base64.b64encode(os.urandom(24)).decode())')"
  export GRID_WEBHOOK_SECRET
fi

pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; }
trap cleanup EXIT INT TERM

$PY manage.py grid_simulator --port "$GRID_PORT" --delay "$GRID_DELAY" \
  --callback-url "http://${HOST}:${PORT}/open311/grid/callback" > var/grid_simulator.log 2>&1 &
pids+=($!)
$PY manage.py worker > var/worker.log 2>&1 &
pids+=($!)

$PY manage.py demo_logins
echo "grid simulator on http://127.0.0.1:${GRID_PORT} (log: var/grid_simulator.log); worker log: var/worker.log"
echo "open http://${HOST}:${PORT}/"
$PY manage.py runserver "${HOST}:${PORT}"
