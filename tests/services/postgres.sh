# PostgreSQL 15 (Debian's postgresql-15) for Dagster's storage: a private cluster made with initdb, owned by the
# postgres user, on a loopback port, socket and data in the temp dir. Database and password are generated once.
POSTGRES_TEST_PORT="${POSTGRES_TEST_PORT:-15432}"
POSTGRES_DIR="$KRAKEN_TEST_SERVICES_DIR/postgres"
POSTGRES_BIN="/usr/lib/postgresql/15/bin"

_pg() { runuser -u postgres -- "$@"; }

start_postgres() {
  [ -x "$POSTGRES_BIN/initdb" ] || apt_install postgresql-15
  mkdir -p "$POSTGRES_DIR"
  chown postgres:postgres "$POSTGRES_DIR"
  chmod 700 "$POSTGRES_DIR"
  if [ ! -f "$POSTGRES_DIR/data/PG_VERSION" ]; then
    _pg "$POSTGRES_BIN/initdb" -D "$POSTGRES_DIR/data" -U postgres --auth-local=trust --auth-host=scram-sha-256 \
      -E UTF8 --locale=C.UTF-8 >"$POSTGRES_DIR/initdb.log" 2>&1
  fi
  if _pg "$POSTGRES_BIN/pg_ctl" -D "$POSTGRES_DIR/data" status >/dev/null 2>&1; then
    log "postgres already running on port $POSTGRES_TEST_PORT"
  else
    _pg "$POSTGRES_BIN/pg_ctl" -D "$POSTGRES_DIR/data" -l "$POSTGRES_DIR/log" -w -t 60 \
      -o "-p $POSTGRES_TEST_PORT -k $POSTGRES_DIR -c listen_addresses=127.0.0.1" start >/dev/null
  fi
  local password
  if [ -f "$POSTGRES_DIR/password" ]; then
    password="$(cat "$POSTGRES_DIR/password")"
  else
    password="$(head -c 18 /dev/urandom | base64 | tr -dc 'A-Za-z0-9')"
    echo "$password" >"$POSTGRES_DIR/password"
    chmod 600 "$POSTGRES_DIR/password"
    _pg "$POSTGRES_BIN/psql" -h "$POSTGRES_DIR" -p "$POSTGRES_TEST_PORT" -U postgres -q -v ON_ERROR_STOP=1 \
      -c "CREATE ROLE dagster LOGIN PASSWORD '$password' CREATEDB" -c "CREATE DATABASE dagster OWNER dagster"
  fi
  set_service_var POSTGRES_HOST 127.0.0.1
  set_service_var POSTGRES_PORT "$POSTGRES_TEST_PORT"
  set_service_var POSTGRES_USER dagster
  set_service_var POSTGRES_PASSWORD "$password"
  set_service_var POSTGRES_DB dagster
}

stop_postgres() {
  if [ -f "$POSTGRES_DIR/data/postmaster.pid" ]; then
    _pg "$POSTGRES_BIN/pg_ctl" -D "$POSTGRES_DIR/data" -m fast -w stop >/dev/null 2>&1 || true
    log "postgres stopped"
  fi
}
