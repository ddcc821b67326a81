#!/usr/bin/env bash
# Runs the platform on this machine: a local MongoDB wire-protocol server (unless MONGO_HOST/MONGO_PORT are set
# in the environment), the Dagster webserver and daemon and the companion app, on the configuration of ENV
# (default: local). With --demo, the simulator writes fake acquisitions to the local instruments as well.
#
# Ports: DAGSTER_WEBSERVER_PORT (3000), KRAKEN_COMPANION_PORT (8050), KRAKEN_LOCAL_MONGO_PORT (27017). A port that
# is already taken stops the start, and so does another instance running on the same KRAKEN_RUN_DIR (default .run;
# it holds the local database and Dagster's storage): two instances never share a database.
# Stopping: INT, TERM or HUP (Ctrl-C, closing the terminal) stops every process started here, also when they come to
# the whole process group (make's included) and when the reader of this script's output is gone: each process group
# gets KRAKEN_STOP_TIMEOUT_S seconds (default 30) to stop after SIGTERM, stragglers are killed; running local
# quantification jobs are cancelled; the database server is stopped last, after Dagster. Further signals during the
# stop do not cut it short. Should this script itself be killed (SIGKILL), the processes it started get SIGTERM.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
cd "$ROOT"
DEMO=0
[ "${1:-}" = "--demo" ] && DEMO=1

export ENV="${ENV:-local}"
RUN_DIR="${KRAKEN_RUN_DIR:-$ROOT/.run}"
export MOUNTS_PATH="${MOUNTS_PATH:-$RUN_DIR/mounts}"
export DAGSTER_HOME="${DAGSTER_HOME:-$RUN_DIR/dagster_home}"
# exported so that the configuration (webserver_base_url, companion_base_url) links to this instance
export DAGSTER_WEBSERVER_PORT="${DAGSTER_WEBSERVER_PORT:-3000}"
export KRAKEN_COMPANION_PORT="${KRAKEN_COMPANION_PORT:-8050}"
export KRAKEN_WEBSERVER_BASE_URL="${KRAKEN_WEBSERVER_BASE_URL:-http://127.0.0.1:$DAGSTER_WEBSERVER_PORT}"
export KRAKEN_COMPANION_BASE_URL="${KRAKEN_COMPANION_BASE_URL:-http://127.0.0.1:$KRAKEN_COMPANION_PORT}"
STOP_TIMEOUT_S="${KRAKEN_STOP_TIMEOUT_S:-30}"
MONGO_PID_FILE="$RUN_DIR/mongo/pid"
LOCAL_MONGO=0
if [ -z "${MONGO_HOST:-}" ] && [ -z "${MONGO_PORT:-}" ]; then
  LOCAL_MONGO=1
  export MONGO_HOST=127.0.0.1 MONGO_PORT="${KRAKEN_LOCAL_MONGO_PORT:-27017}"
fi

# --- one instance per run folder ---------------------------------------------------------------------------------
# An flock on $RUN_DIR/instance.lock, held by this script for as long as it runs (its children do not inherit it);
# the file says which instance holds it. The kernel releases the lock when the holder dies, however it dies.
problems=0
LOCK_FILE="$RUN_DIR/instance.lock"
mkdir -p "$RUN_DIR"
exec 9>>"$LOCK_FILE"
if ! flock -n 9; then
  echo "run-platform: $RUN_DIR is in use by another AlphaKraken instance ($(cat "$LOCK_FILE")):" \
    "its local database ($RUN_DIR/mongo) and Dagster storage cannot be shared." >&2
  echo "  Stop that instance (Ctrl-C in its terminal, or kill -TERM <its pid>), or give this one a folder of its" \
    "own: KRAKEN_RUN_DIR=/path/to/folder with free ports (see below)." >&2
  problems=1
else
  previous="$(cat "$LOCK_FILE")"
  if [ -n "$previous" ]; then
    echo "run-platform: $RUN_DIR was left by an instance that did not stop cleanly ($previous); taking it over"
  fi
  if [ -f "$MONGO_PID_FILE" ] && pid="$(cat "$MONGO_PID_FILE")" && grep -qa nx-27017 "/proc/$pid/cmdline" 2>/dev/null
  then
    echo "run-platform: the local MongoDB server of that instance still runs on $RUN_DIR/mongo (pid $pid); stopping it"
    .venv/bin/nx-27017 --stop --pid-file "$MONGO_PID_FILE" 9>&- || kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
  fi
  rm -f "$MONGO_PID_FILE"
  : > "$LOCK_FILE"
fi

# --- refuse ports that are taken --------------------------------------------------------------------------------
port_taken() {  # true when 127.0.0.1:$1 cannot be bound (someone listens on it)
  ! .venv/bin/python -c 'import socket, sys
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", int(sys.argv[1])))' "$1" 2>/dev/null
}
refuse_port() {  # port, what uses it here, how to choose another one
  echo "run-platform: port $1 ($2) is already in use on 127.0.0.1, probably by another AlphaKraken instance." >&2
  echo "  Stop the other instance, or $3." >&2
  problems=1
}
port_taken "$DAGSTER_WEBSERVER_PORT" && refuse_port "$DAGSTER_WEBSERVER_PORT" "Dagster UI" \
  "set DAGSTER_WEBSERVER_PORT to a free port (e.g. DAGSTER_WEBSERVER_PORT=3001 make run)"
port_taken "$KRAKEN_COMPANION_PORT" && refuse_port "$KRAKEN_COMPANION_PORT" "companion app" \
  "set KRAKEN_COMPANION_PORT to a free port (e.g. KRAKEN_COMPANION_PORT=8051 make run)"
if [ "$LOCAL_MONGO" = 1 ] && port_taken "$MONGO_PORT"; then
  refuse_port "$MONGO_PORT" "local MongoDB server" \
    "set KRAKEN_LOCAL_MONGO_PORT to a free port (e.g. KRAKEN_LOCAL_MONGO_PORT=27018 make run)"
  echo "  To use the MongoDB server on port $MONGO_PORT on purpose, set MONGO_HOST=127.0.0.1" \
    "MONGO_PORT=$MONGO_PORT." >&2
  if [ -f "$MONGO_PID_FILE" ] && kill -0 "$(cat "$MONGO_PID_FILE")" 2>/dev/null; then
    echo "  $MONGO_PID_FILE names a running server (pid $(cat "$MONGO_PID_FILE")) of an instance on $RUN_DIR;" \
      "if no instance runs there any more, stop it with: .venv/bin/nx-27017 --stop --pid-file $MONGO_PID_FILE" >&2
  fi
fi
[ "$problems" = 0 ] || exit 1
echo "pid $$ since $(date -u '+%Y-%m-%d %H:%M:%S UTC'): Dagster UI port $DAGSTER_WEBSERVER_PORT, companion port" \
  "$KRAKEN_COMPANION_PORT, MongoDB port $MONGO_PORT" >&9

# --- stopping ----------------------------------------------------------------------------------------------------
STARTED=0
pgids=()  # the process group of every background process started below (each one leads its own group)

wait_gone() {  # seconds, then a test command and its arguments: wait until the test fails; false on timeout
  local deadline=$((SECONDS + $1)); shift
  while "$@"; do
    [ "$SECONDS" -lt "$deadline" ] || return 1
    sleep 0.2
  done
}
groups_alive() { local g; for g; do kill -0 -- "-$g" 2>/dev/null && return 0; done; return 1; }
pids_alive() { local p; for p; do kill -0 "$p" 2>/dev/null && return 0; done; return 1; }

stop_groups() {  # TERM every group, as Ctrl-C in a terminal would; KILL what is left after STOP_TIMEOUT_S
  [ "$#" -gt 0 ] || return 0
  local g left
  # the whole group: dagster dev leaves its code server running when only it is signalled
  for g; do kill -TERM -- "-$g" 2>/dev/null || true; done
  if ! wait_gone "$STOP_TIMEOUT_S" groups_alive "$@"; then
    for g; do
      left="$(pgrep -a -g "$g")" || continue
      echo "run-platform: still running ${STOP_TIMEOUT_S}s after SIGTERM, killing:" >&2
      echo "$left" >&2
      kill -KILL -- "-$g" 2>/dev/null || true
    done
  fi
  wait 2>/dev/null || true  # reap our children
}

stop_local_mongo() {  # after Dagster and the companion stopped writing to it
  [ "$LOCAL_MONGO" = 1 ] && [ -f "$MONGO_PID_FILE" ] || return 0
  local pid
  pid="$(cat "$MONGO_PID_FILE")"
  if pids_alive "$pid" && grep -q nx-27017 "/proc/$pid/cmdline" 2>/dev/null; then
    kill -TERM "$pid" 2>/dev/null || true
    if ! wait_gone "$STOP_TIMEOUT_S" pids_alive "$pid"; then
      echo "run-platform: the local MongoDB server (pid $pid) still runs ${STOP_TIMEOUT_S}s after SIGTERM;" \
        "killing it" >&2
      kill -KILL "$pid" 2>/dev/null || true
    fi
  fi
  rm -f "$MONGO_PID_FILE"
}

cleanup() {
  local code="$1"
  # a reader of our output that is gone (`make demo | tee log`, and Ctrl-C ended tee too) must not end the stop
  trap '' PIPE
  # from here on, INT, TERM and HUP only say that we are stopping: every process must still be stopped
  trap 'echo "run-platform: already stopping; each process gets at most ${STOP_TIMEOUT_S}s, then it is killed" >&2' \
    INT TERM HUP
  trap - EXIT
  set +e
  local what="${#pgids[@]} process group(s)"
  [ "$LOCAL_MONGO" = 1 ] && what="$what, then the local MongoDB server"
  echo "run-platform: stopping $what"
  local started=$SECONDS
  stop_groups "${pgids[@]}"
  [ "$STARTED" = 1 ] && .venv/bin/python -m kraken_core.local_jobs_stop "$STOP_TIMEOUT_S"
  local groups_stopped=$SECONDS
  stop_local_mongo
  : > "$LOCK_FILE"  # stopped cleanly: the next start takes the folder over without a word
  echo "run-platform: stopped in $((SECONDS - started))s (Dagster, the companion app, the simulator and local jobs" \
    "$((groups_stopped - started))s, then the local MongoDB server $((SECONDS - groups_stopped))s)"
  exit "$code"
}
trap 'cleanup $?' EXIT
trap 'cleanup 130' INT
trap 'cleanup 143' TERM
trap 'cleanup 129' HUP
trap 'cleanup 141' PIPE

# Start a background process as the leader of its own process group (set -m), with default SIGINT/SIGTERM even when
# this script inherited them ignored (as background jobs of non-interactive shells do): Dagster maps SIGTERM to its
# SIGINT handler and would otherwise ignore both, and its code servers would outlive it. Should this script die
# without its stop (SIGKILL), the kernel sends the process SIGTERM (PR_SET_PDEATHSIG).
start() {  # what it is (for messages), then the command
  local what="$1"; shift
  set -m
  .venv/bin/python scripts/exec_with_default_signals.py "$$" "$@" 9>&- &
  pgids+=("$!")
  started_what+=("$what")
  set +m
}
started_what=()

# --- starting ----------------------------------------------------------------------------------------------------
STARTED=1
mkdir -p "$RUN_DIR" "$DAGSTER_HOME"
cp dagster.yaml "$DAGSTER_HOME/dagster.yaml"

if [ "$LOCAL_MONGO" = 1 ]; then
  mkdir -p "$RUN_DIR/mongo/data"
  echo "starting the local MongoDB wire-protocol server on 127.0.0.1:$MONGO_PORT (data in $RUN_DIR/mongo)"
  .venv/bin/nx-27017 -d --host 127.0.0.1 -p "$MONGO_PORT" --data-dir "$RUN_DIR/mongo/data" \
    --log-file "$RUN_DIR/mongo/log" --pid-file "$MONGO_PID_FILE" 9>&-
else
  echo "using the MongoDB server of the environment: ${MONGO_HOST:-127.0.0.1}:${MONGO_PORT:-27017}"
fi

.venv/bin/python -m kraken_core.prepare_folders
.venv/bin/python -m kraken_assets.instance_pools

echo "Dagster UI: http://127.0.0.1:$DAGSTER_WEBSERVER_PORT  (ENV=$ENV, MOUNTS_PATH=$MOUNTS_PATH, DAGSTER_HOME=$DAGSTER_HOME)"
# Dagster runs in DAGSTER_HOME, on a copy of workspace.yaml that names the repository as working directory: from the
# repository, `dagster dev` would warn at every start that the repository's dagster.yaml is not DAGSTER_HOME's (it
# is copied there above). `dg dev`, which it asks to be used instead, is not part of the dagster package: that
# one warning is silenced by its text.
sed "s#working_directory: \.\$#working_directory: $ROOT#" workspace.yaml > "$DAGSTER_HOME/workspace.yaml"
start Dagster /usr/bin/env -C "$DAGSTER_HOME" PYTHONWARNINGS='ignore:Function `dev_command` is superseded' \
  "$ROOT/.venv/bin/dagster" dev -w workspace.yaml -h 127.0.0.1 -p "$DAGSTER_WEBSERVER_PORT"

# the first account on an empty record: an admin whose generated password is shown here once (never written to a
# file); more people: .venv/bin/python -m kraken_core.record.accounts_cli add NAME --role viewer|operator|admin
if [ "$(.venv/bin/python -m kraken_core.record.accounts_cli list)" = "no accounts" ]; then
  echo "Companion app: first account created; note the password, it is not shown again:"
  .venv/bin/python -m kraken_core.record.accounts_cli add admin --role admin
else
  echo "Companion app accounts: .venv/bin/python -m kraken_core.record.accounts_cli list (reset NAME for a new password)"
fi
echo "Companion app: http://127.0.0.1:$KRAKEN_COMPANION_PORT  (overview, trends, status, projects and settings)"
start "the companion app" .venv/bin/python -m kraken_ui_ext.companion

if [ "$DEMO" = 1 ]; then
  # project PRJ1 with settings that run the simulated AlphaDIA through the local job engine
  .venv/bin/python -m kraken_core.demo.setup
  # the simulator keeps $RUN_DIR under KRAKEN_DEMO_DISK_CAP_GB (default 2 GB) and says so
  start "the simulator" .venv/bin/python -m kraken_core.simulator --mounts "$MOUNTS_PATH" --run-dir "$RUN_DIR"
fi
# every process is needed: when one of them ends (a crash, a port taken after all), say which and stop the others
set +e
wait -n "${pgids[@]}"
code=$?
set -e
for i in "${!pgids[@]}"; do
  if ! kill -0 "${pgids[$i]}" 2>/dev/null; then
    echo "run-platform: ${started_what[$i]} (pid ${pgids[$i]}) ended by itself (exit code $code); stopping the rest;" \
      "its messages are above" >&2
  fi
done
exit 1
