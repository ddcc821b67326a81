# OpenSSH server (Debian openssh-server) on 127.0.0.1 with its own host key and sshd_config; a generated key
# pair and password for the cluster user (created by slurm.sh), and SLURM_CONF handed to sessions via SetEnv.
# The user is machine-wide: starting a second services folder gives it that folder's password.
SSHD_TEST_PORT="${SSHD_TEST_PORT:-12222}"
SSHD_DIR="$KRAKEN_TEST_SERVICES_DIR/sshd"

start_sshd() {
  apt_install openssh-server
  local user="${KRAKEN_TEST_CLUSTER_USER:-krakentest}"
  id "$user" >/dev/null 2>&1 || useradd --create-home --shell /bin/bash "$user"
  mkdir -p "$SSHD_DIR/authorized_keys" /run/sshd
  chmod 711 "$SSHD_DIR"   # sshd reads authorized_keys as the user
  [ -f "$SSHD_DIR/host_ed25519" ] || ssh-keygen -q -t ed25519 -N '' -f "$SSHD_DIR/host_ed25519"
  [ -f "$SSHD_DIR/client_ed25519" ] || ssh-keygen -q -t ed25519 -N '' -C kraken-test -f "$SSHD_DIR/client_ed25519"
  cp "$SSHD_DIR/client_ed25519.pub" "$SSHD_DIR/authorized_keys/$user"
  chmod 755 "$SSHD_DIR/authorized_keys"
  chmod 644 "$SSHD_DIR/authorized_keys/$user"
  [ -f "$SSHD_DIR/password" ] || head -c 18 /dev/urandom | base64 | tr -d '/+=' > "$SSHD_DIR/password"
  chmod 600 "$SSHD_DIR/password"
  echo "$user:$(cat "$SSHD_DIR/password")" | chpasswd
  local slurm_conf="${SLURM_CONF:-$KRAKEN_TEST_SERVICES_DIR/slurm/slurm.conf}"
  cat > "$SSHD_DIR/sshd_config" <<EOF
ListenAddress 127.0.0.1:$SSHD_TEST_PORT
HostKey $SSHD_DIR/host_ed25519
PidFile $SSHD_DIR/sshd.pid
AuthorizedKeysFile $SSHD_DIR/authorized_keys/%u
StrictModes no
PubkeyAuthentication yes
PasswordAuthentication yes
KbdInteractiveAuthentication no
UsePAM no
PermitRootLogin no
AllowUsers $user
SetEnv SLURM_CONF=$slurm_conf
Subsystem sftp internal-sftp
LogLevel INFO
EOF
  echo "[127.0.0.1]:$SSHD_TEST_PORT $(cut -d' ' -f1,2 "$SSHD_DIR/host_ed25519.pub")" > "$SSHD_DIR/known_hosts"
  if ! { [ -f "$SSHD_DIR/sshd.pid" ] && kill -0 "$(cat "$SSHD_DIR/sshd.pid")" 2>/dev/null; }; then
    /usr/sbin/sshd -f "$SSHD_DIR/sshd_config" -E "$SSHD_DIR/sshd.log"
  fi
  wait_for_port "$SSHD_TEST_PORT" 30 sshd
  set_service_var SSH_HOST 127.0.0.1
  set_service_var SSH_PORT "$SSHD_TEST_PORT"
  set_service_var SSH_USER "$user"
  set_service_var SSH_KEY_PATH "$SSHD_DIR/client_ed25519"
  set_service_var SSH_PASSWORD_FILE "$SSHD_DIR/password"
  set_service_var SSH_KNOWN_HOSTS "$SSHD_DIR/known_hosts"
  set_service_var SSHD_LOG "$SSHD_DIR/sshd.log"
  log "sshd up on 127.0.0.1:$SSHD_TEST_PORT (user $user)"
}

stop_sshd() {
  if [ -f "$SSHD_DIR/sshd.pid" ]; then
    kill "$(cat "$SSHD_DIR/sshd.pid")" 2>/dev/null || true
    rm -f "$SSHD_DIR/sshd.pid"
    log "sshd stopped"
  fi
}
