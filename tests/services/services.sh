#!/usr/bin/env bash
# Installs (once) and starts the real services the tests use, on loopback ports, with state in one temporary
# folder; `stop` stops exactly what `start` started. Idempotent: starting twice keeps the running services.
# Each service lives in tests/services/<name>.sh and defines start_<name> and stop_<name>.
# Tests read the connection details from $KRAKEN_TEST_SERVICES_DIR/services.env.
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
export ROOT
export KRAKEN_TEST_SERVICES_DIR="${KRAKEN_TEST_SERVICES_DIR:-/tmp/kraken-test-services}"
export SERVICES_ENV="$KRAKEN_TEST_SERVICES_DIR/services.env"
SERVICES=(${KRAKEN_TEST_SERVICES:-mongo postgres ceph chromium nginx slurm sshd docker})

log() { echo "[test-services] $*" >&2; }
export -f log

# record KEY=VALUE in services.env (replacing an earlier value of KEY)
set_service_var() {
  touch "$SERVICES_ENV"
  grep -v "^$1=" "$SERVICES_ENV" > "$SERVICES_ENV.tmp" || true
  echo "$1=$2" >> "$SERVICES_ENV.tmp"
  mv "$SERVICES_ENV.tmp" "$SERVICES_ENV"
}
export -f set_service_var

# apt_install PKG...: install the Debian packages that are missing (package lists refreshed once, if needed)
apt_install() {
  local missing=() pkg
  for pkg in "$@"; do dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg"); done
  (( ${#missing[@]} == 0 )) && return 0
  log "installing ${missing[*]} from Debian"
  local apt=(apt-get -o DPkg::Lock::Timeout=600 -y -qq --no-install-recommends)
  DEBIAN_FRONTEND=noninteractive "${apt[@]}" install "${missing[@]}" >/dev/null 2>&1 || {
    apt-get -o DPkg::Lock::Timeout=600 -qq update >/dev/null
    DEBIAN_FRONTEND=noninteractive "${apt[@]}" install "${missing[@]}" >/dev/null
  }
}
export -f apt_install

# wait_for_port PORT SECONDS NAME
wait_for_port() {
  local deadline=$((SECONDS + $2))
  until (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; do
    if (( SECONDS > deadline )); then log "$3 did not open port $1 within $2 s"; return 1; fi
    sleep 0.2
  done
}
export -f wait_for_port

for service in "${SERVICES[@]}"; do
  # shellcheck source=/dev/null
  source "$HERE/$service.sh"
done

case "${1:-}" in
  start)
    mkdir -p "$KRAKEN_TEST_SERVICES_DIR"
    for service in "${SERVICES[@]}"; do "start_$service"; done
    log "services up: ${SERVICES[*]} (details in $SERVICES_ENV)"
    ;;
  stop)
    for (( i=${#SERVICES[@]}-1; i>=0; i-- )); do "stop_${SERVICES[$i]}" || true; done
    ;;
  *)
    echo "usage: $0 start|stop" >&2
    exit 2
    ;;
esac
