# A real single-node Ceph cluster with a RADOS Gateway (S3) on loopback: one monitor, one memstore OSD,
# auth none, pool size 1. The S3 user's keys are generated at start and written to services.env only.
CEPH_MON_TEST_PORT="${CEPH_MON_TEST_PORT:-16789}"
CEPH_RGW_TEST_PORT="${CEPH_RGW_TEST_PORT:-17480}"
# the OSD binds its messenger ports in this range (Ceph's default 6800-7300 is left to real clusters)
CEPH_OSD_PORT_MIN="${CEPH_OSD_PORT_MIN:-16800}"
CEPH_OSD_PORT_MAX="${CEPH_OSD_PORT_MAX:-16899}"
CEPH_MEMSTORE_BYTES="${CEPH_MEMSTORE_BYTES:-4294967296}"
CEPH_DIR="$KRAKEN_TEST_SERVICES_DIR/ceph"
CEPH_CONF="$CEPH_DIR/ceph.conf"
CEPH_S3_USER=kraken-test

_ceph_install() { apt_install radosgw ceph-mon ceph-osd; }

_ceph_running() { [ -f "$CEPH_DIR/run/$1.pid" ] && kill -0 "$(cat "$CEPH_DIR/run/$1.pid")" 2>/dev/null; }

_ceph() { timeout 60 ceph -c "$CEPH_CONF" "$@"; }

_ceph_write_conf() {
  cat > "$CEPH_CONF" <<EOF
[global]
fsid = $(cat /proc/sys/kernel/random/uuid)
mon host = v2:127.0.0.1:$CEPH_MON_TEST_PORT
public addr = 127.0.0.1
cluster addr = 127.0.0.1
ms bind port min = $CEPH_OSD_PORT_MIN
ms bind port max = $CEPH_OSD_PORT_MAX
auth cluster required = none
auth service required = none
auth client required = none
ms mon client mode = crc
ms client mode = crc
osd pool default size = 1
osd pool default min size = 1
osd pool default pg num = 8
osd pool default pgp num = 8
osd pool default pg autoscale mode = off
mon allow pool size one = true
mon allow pool delete = true
mon max pg per osd = 1000
mon warn on pool no redundancy = false
osd crush chooseleaf type = 0
run dir = $CEPH_DIR/run
pid file = $CEPH_DIR/run/\$name.pid
admin socket = $CEPH_DIR/run/\$name.asok
log file = $CEPH_DIR/log/\$name.log
keyring = $CEPH_DIR/keyring
[mon]
mon data = $CEPH_DIR/mon/\$name
[osd]
osd data = $CEPH_DIR/osd/\$name
osd objectstore = memstore
memstore device bytes = $CEPH_MEMSTORE_BYTES
osd memory target = 1073741824
[client.rgw]
rgw frontends = beast endpoint=127.0.0.1:$CEPH_RGW_TEST_PORT
rgw data = $CEPH_DIR/rgw
rgw dns name = 127.0.0.1
# deleted objects are freed within seconds, not hours: the OSD keeps everything in memory
rgw gc obj min wait = 5
rgw gc processor period = 5
EOF
}

start_ceph() {
  _ceph_install
  if _ceph_running client.rgw && _ceph_running osd.0 && _ceph_running mon.a && [ -f "$CEPH_DIR/s3.env" ]; then
    log "ceph rgw already running on port $CEPH_RGW_TEST_PORT"
  else
    stop_ceph
    rm -rf "$CEPH_DIR"
    mkdir -p "$CEPH_DIR"/{run,log,mon/mon.a,osd/osd.0,rgw}
    _ceph_write_conf
    ceph-authtool --create-keyring "$CEPH_DIR/keyring" --gen-key -n mon. --cap mon 'allow *' >/dev/null
    monmaptool --create --addv a "[v2:127.0.0.1:$CEPH_MON_TEST_PORT]" --fsid "$(awk '/^fsid/ {print $3}' "$CEPH_CONF")" \
      "$CEPH_DIR/monmap" >/dev/null
    ceph-mon -c "$CEPH_CONF" --mkfs -i a --monmap "$CEPH_DIR/monmap" --keyring "$CEPH_DIR/keyring"
    ceph-mon -c "$CEPH_CONF" -i a
    wait_for_port "$CEPH_MON_TEST_PORT" 30 "ceph-mon"
    local osd_id
    osd_id="$(_ceph osd create)"
    [ "$osd_id" = 0 ] || { log "ceph osd create returned $osd_id, expected 0"; return 1; }
    ceph-osd -c "$CEPH_CONF" -i 0 --mkfs >/dev/null 2>&1
    ceph-osd -c "$CEPH_CONF" -i 0 2>>"$CEPH_DIR/log/osd.0.stderr"
    local deadline=$((SECONDS + 60))
    until _ceph osd stat 2>/dev/null | grep -q "1 up"; do
      (( SECONDS > deadline )) && { log "ceph-osd did not come up within 60 s (see $CEPH_DIR/log)"; return 1; }
      sleep 0.5
    done
    radosgw -c "$CEPH_CONF" -n client.rgw 2>>"$CEPH_DIR/log/client.rgw.stderr"
    wait_for_port "$CEPH_RGW_TEST_PORT" 120 "radosgw"
    # keys are random per start: nothing secret is committed, and a stale services.env cannot authenticate
    local access secret
    access="$(head -c 15 /dev/urandom | base32 | tr -d '=' | head -c 20)"
    secret="$(head -c 30 /dev/urandom | base64 | tr -d '/+=' | head -c 40)"
    timeout 60 radosgw-admin -c "$CEPH_CONF" user create --uid "$CEPH_S3_USER" \
      --display-name "AlphaKraken tests" --access-key "$access" --secret-key "$secret" >/dev/null
    (umask 077; printf 'S3_ACCESS_KEY_ID=%s\nS3_SECRET_ACCESS_KEY=%s\n' "$access" "$secret" > "$CEPH_DIR/s3.env")
  fi
  set_service_var S3_ENDPOINT_URL "http://127.0.0.1:$CEPH_RGW_TEST_PORT"
  set_service_var S3_ACCESS_KEY_ID "$(sed -n 's/^S3_ACCESS_KEY_ID=//p' "$CEPH_DIR/s3.env")"
  set_service_var S3_SECRET_ACCESS_KEY "$(sed -n 's/^S3_SECRET_ACCESS_KEY=//p' "$CEPH_DIR/s3.env")"
  set_service_var CEPH_CONF "$CEPH_CONF"
}

stop_ceph() {
  local name pid stopped=0
  for name in client.rgw osd.0 mon.a; do
    [ -f "$CEPH_DIR/run/$name.pid" ] || continue
    pid="$(cat "$CEPH_DIR/run/$name.pid")"
    if kill -0 "$pid" 2>/dev/null; then
      kill "$pid" 2>/dev/null || true
      for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
      kill -9 "$pid" 2>/dev/null || true
      stopped=1
    fi
    rm -f "$CEPH_DIR/run/$name.pid"
  done
  (( stopped )) && log "ceph stopped"
  return 0
}
