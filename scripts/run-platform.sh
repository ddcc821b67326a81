#!/usr/bin/env bash
# Runs the platform on this machine: a local MongoDB wire-protocol server (unless MONGO_HOST/MONGO_PORT are set
# in the environment), the Dagster webserver and daemon, on the configuration of ENV (default: local).
# With --demo, the simulator writes fake acquisitions to the local instruments as well.
set -euo pipefail
set -m  # background jobs get default signal handling, so Ctrl-C and SIGTERM reach them
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
cd "$ROOT"
DEMO=0
[ "${1:-}" = "--demo" ] && DEMO=1

export ENV="${ENV:-local}"
RUN_DIR="${KRAKEN_RUN_DIR:-$ROOT/.run}"
export MOUNTS_PATH="${MOUNTS_PATH:-$RUN_DIR/mounts}"
export DAGSTER_HOME="${DAGSTER_HOME:-$RUN_DIR/dagster_home}"
PORT="${DAGSTER_WEBSERVER_PORT:-3000}"
mkdir -p "$RUN_DIR" "$DAGSTER_HOME"
cp dagster.yaml "$DAGSTER_HOME/dagster.yaml"

# Start a child with default SIGINT/SIGTERM handling even when this script inherited them ignored (as background
# jobs of non-interactive shells do): Dagster maps SIGTERM to its SIGINT handler and would otherwise ignore both.
with_default_signals() {
  .venv/bin/python -c 'import os, signal, sys
signal.signal(signal.SIGINT, signal.SIG_DFL)
signal.signal(signal.SIGTERM, signal.SIG_DFL)
os.execv(sys.argv[1], sys.argv[1:])' "$@"
}

pids=()
cleanup() {
  trap - EXIT INT TERM
  for pid in "${pids[@]}"; do kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  if [ -f "$RUN_DIR/mongo/pid" ]; then
    .venv/bin/nx-27017 --stop --pid-file "$RUN_DIR/mongo/pid" >/dev/null 2>&1 || true
    rm -f "$RUN_DIR/mongo/pid"
  fi
}
trap cleanup EXIT INT TERM

if [ -z "${MONGO_HOST:-}" ] && [ -z "${MONGO_PORT:-}" ]; then
  export MONGO_HOST=127.0.0.1 MONGO_PORT="${KRAKEN_LOCAL_MONGO_PORT:-27017}"
  mkdir -p "$RUN_DIR/mongo/data"
  if ! (exec 3<>"/dev/tcp/127.0.0.1/$MONGO_PORT") 2>/dev/null; then
    echo "starting the local MongoDB wire-protocol server on 127.0.0.1:$MONGO_PORT (data in $RUN_DIR/mongo)"
    .venv/bin/nx-27017 -d --host 127.0.0.1 -p "$MONGO_PORT" --data-dir "$RUN_DIR/mongo/data" \
      --log-file "$RUN_DIR/mongo/log" --pid-file "$RUN_DIR/mongo/pid"
  else
    echo "a MongoDB server already answers on 127.0.0.1:$MONGO_PORT; using it"
  fi
else
  echo "using the MongoDB server of the environment: ${MONGO_HOST:-127.0.0.1}:${MONGO_PORT:-27017}"
fi

.venv/bin/python -m kraken_core.prepare_folders
.venv/bin/python -m kraken_assets.instance_pools

echo "Dagster UI: http://127.0.0.1:$PORT  (ENV=$ENV, MOUNTS_PATH=$MOUNTS_PATH, DAGSTER_HOME=$DAGSTER_HOME)"
with_default_signals .venv/bin/dagster dev -w workspace.yaml -h 127.0.0.1 -p "$PORT" &
pids+=($!)

COMPANION_PORT="${KRAKEN_COMPANION_PORT:-8050}"
if [ -z "${KRAKEN_WEBAPP_PASSWORD:-}" ]; then
  # a login for the companion app's writes on this machine, generated once and kept out of the repository
  login="$RUN_DIR/companion-login"
  if [ ! -f "$login" ]; then
    (umask 077; printf 'KRAKEN_WEBAPP_USER=admin\nKRAKEN_WEBAPP_PASSWORD=%s\n' \
      "$(.venv/bin/python -c 'import secrets; print(secrets.token_urlsafe(18))')" > "$login")
  fi
  set -a; source "$login"; set +a
  echo "Companion app login for writes: user admin, password in $login"
fi
echo "Companion app: http://127.0.0.1:$COMPANION_PORT  (overview, trends, status, projects and settings)"
KRAKEN_COMPANION_PORT="$COMPANION_PORT" with_default_signals .venv/bin/python -m kraken_ui_ext.companion &
pids+=($!)

if [ "$DEMO" = 1 ]; then
  with_default_signals .venv/bin/python -m kraken_core.simulator --mounts "$MOUNTS_PATH" &
  pids+=($!)
fi
wait "${pids[0]}"
