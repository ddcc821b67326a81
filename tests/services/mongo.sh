# MongoDB wire-protocol server (nx-27017 from PyPI, installed in .venv) on a loopback port, data in the temp dir.
MONGO_TEST_PORT="${MONGO_TEST_PORT:-27117}"
MONGO_DIR="$KRAKEN_TEST_SERVICES_DIR/mongo"

start_mongo() {
  mkdir -p "$MONGO_DIR/data"
  if [ -f "$MONGO_DIR/pid" ] && kill -0 "$(cat "$MONGO_DIR/pid")" 2>/dev/null; then
    log "mongo already running on port $MONGO_TEST_PORT"
  else
    "$ROOT/.venv/bin/nx-27017" -d --host 127.0.0.1 -p "$MONGO_TEST_PORT" --data-dir "$MONGO_DIR/data" \
      --log-file "$MONGO_DIR/log" --pid-file "$MONGO_DIR/pid"
    wait_for_port "$MONGO_TEST_PORT" 30 "nx-27017"
  fi
  set_service_var MONGO_HOST 127.0.0.1
  set_service_var MONGO_PORT "$MONGO_TEST_PORT"
}

stop_mongo() {
  if [ -f "$MONGO_DIR/pid" ]; then
    "$ROOT/.venv/bin/nx-27017" --stop --pid-file "$MONGO_DIR/pid" >/dev/null 2>&1 || true
    rm -f "$MONGO_DIR/pid"
    log "mongo stopped"
  fi
}
