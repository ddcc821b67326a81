# Slurm 22.05 (Debian slurm-wlm) + munge as a single-node cluster on loopback, state in the temp dir.
# Jobs run as the SSH test user (see sshd.sh). The folders a job sees live under a second path (a bind mount
# of the workers' folder tree), and the workers' path is not reachable for that user: a job handed a
# worker path instead of the cluster's view fails, as it would on a real cluster.
# Accounting goes both ways real clusters keep it: slurmdbd (Debian slurmdbd) on a private MariaDB (Debian
# mariadb-server; datadir, socket and port under the services folder) for plain `sacct`, and the job-completion
# log (jobcomp/filetxt) for `sacct -c`.
SLURMCTLD_TEST_PORT="${SLURMCTLD_TEST_PORT:-16817}"
SLURMD_TEST_PORT="${SLURMD_TEST_PORT:-16818}"
SLURMDBD_TEST_PORT="${SLURMDBD_TEST_PORT:-16819}"
MARIADB_TEST_PORT="${MARIADB_TEST_PORT:-13306}"
SLURM_DIR="$KRAKEN_TEST_SERVICES_DIR/slurm"
MUNGE_DIR="$KRAKEN_TEST_SERVICES_DIR/munge"
MARIADB_DIR="$KRAKEN_TEST_SERVICES_DIR/mariadb"
CLUSTER_USER="${KRAKEN_TEST_CLUSTER_USER:-krakentest}"

_ensure_cluster_user() {
  id "$CLUSTER_USER" >/dev/null 2>&1 || useradd --create-home --shell /bin/bash "$CLUSTER_USER"
}

_pid_alive() { [ -f "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; }

_write_slurm_conf() {
  local memory
  memory=$(slurmd -C | sed -n 's/.*RealMemory=\([0-9]*\).*/\1/p')
  memory=$(( memory > 8000 ? 8000 : memory ))
  cat > "$SLURM_DIR/slurm.conf" <<EOF
ClusterName=krakentest
SlurmctldHost=localhost
SlurmctldPort=$SLURMCTLD_TEST_PORT
SlurmdPort=$SLURMD_TEST_PORT
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
AuthInfo=socket=$MUNGE_DIR/run/munge.socket.2
CredType=cred/munge
StateSaveLocation=$SLURM_DIR/state
SlurmdSpoolDir=$SLURM_DIR/spool
SlurmctldPidFile=$SLURM_DIR/slurmctld.pid
SlurmdPidFile=$SLURM_DIR/slurmd.pid
SlurmctldLogFile=$SLURM_DIR/slurmctld.log
SlurmdLogFile=$SLURM_DIR/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core_Memory
JobAcctGatherType=jobacct_gather/linux
JobAcctGatherFrequency=task=1
JobAcctGatherParams=OverMemoryKill
AccountingStorageType=accounting_storage/slurmdbd
AccountingStorageHost=localhost
AccountingStoragePort=$SLURMDBD_TEST_PORT
AccountingStoragePass=$MUNGE_DIR/run/munge.socket.2
JobCompType=jobcomp/filetxt
JobCompLoc=$SLURM_DIR/jobcomp.txt
MinJobAge=300
DefMemPerCPU=200
KillWait=2
SlurmdParameters=config_overrides
ReturnToService=2
MpiDefault=none
SchedulerType=sched/backfill
NodeName=localhost NodeAddr=127.0.0.1 CPUs=16 RealMemory=$memory State=UNKNOWN
PartitionName=debug Nodes=localhost Default=YES MaxTime=INFINITE State=UP
EOF
}

_start_mariadb() {
  mkdir -p "$MARIADB_DIR"
  chown mysql:mysql "$MARIADB_DIR"
  chmod 750 "$MARIADB_DIR"
  if [ ! -d "$MARIADB_DIR/data/mysql" ]; then
    mariadb-install-db --no-defaults --user=mysql --datadir="$MARIADB_DIR/data" --skip-test-db \
      --auth-root-authentication-method=socket > "$MARIADB_DIR/install.log" 2>&1
  fi
  [ -f "$MARIADB_DIR/slurm.pass" ] || { head -c 18 /dev/urandom | base64 | tr -d '/+=' > "$MARIADB_DIR/slurm.pass"; }
  chmod 600 "$MARIADB_DIR/slurm.pass"
  if ! _pid_alive "$MARIADB_DIR/mariadb.pid"; then
    setsid nohup mariadbd --no-defaults --user=mysql --datadir="$MARIADB_DIR/data" \
      --socket="$MARIADB_DIR/mysqld.sock" --port="$MARIADB_TEST_PORT" --bind-address=127.0.0.1 \
      --pid-file="$MARIADB_DIR/mariadb.pid" --log-error="$MARIADB_DIR/mariadb.log" --skip-name-resolve \
      --innodb-buffer-pool-size=32M > /dev/null 2>&1 < /dev/null &
  fi
  wait_for_port "$MARIADB_TEST_PORT" 60 mariadb
  local deadline=$((SECONDS + 30))
  until [ -S "$MARIADB_DIR/mysqld.sock" ] && [ -f "$MARIADB_DIR/mariadb.pid" ]; do
    if (( SECONDS > deadline )); then log "mariadb did not start: $(tail -5 "$MARIADB_DIR/mariadb.log")"; return 1; fi
    sleep 0.2
  done
  local password; password=$(cat "$MARIADB_DIR/slurm.pass")
  mariadb --no-defaults -S "$MARIADB_DIR/mysqld.sock" -u root -e "
    CREATE DATABASE IF NOT EXISTS slurm_acct_db;
    CREATE USER IF NOT EXISTS 'slurm'@'127.0.0.1' IDENTIFIED BY '$password';
    ALTER USER 'slurm'@'127.0.0.1' IDENTIFIED BY '$password';
    GRANT ALL ON slurm_acct_db.* TO 'slurm'@'127.0.0.1';"
}

_write_slurmdbd_conf() {
  # slurmdbd reads slurmdbd.conf beside $SLURM_CONF; it refuses one others can read (it holds the password)
  ( umask 077
    printf '%s\n' "AuthType=auth/munge" "AuthInfo=socket=$MUNGE_DIR/run/munge.socket.2" "DbdHost=localhost" \
      "DbdAddr=127.0.0.1" "DbdPort=$SLURMDBD_TEST_PORT" "SlurmUser=root" "PidFile=$SLURM_DIR/slurmdbd.pid" \
      "LogFile=$SLURM_DIR/slurmdbd.log" "StorageType=accounting_storage/mysql" "StorageHost=127.0.0.1" \
      "StoragePort=$MARIADB_TEST_PORT" "StorageUser=slurm" "StoragePass=$(cat "$MARIADB_DIR/slurm.pass")" \
      "StorageLoc=slurm_acct_db" > "$SLURM_DIR/slurmdbd.conf" )
  chmod 600 "$SLURM_DIR/slurmdbd.conf"
}

_start_slurmdbd() {
  _write_slurmdbd_conf
  _pid_alive "$SLURM_DIR/slurmdbd.pid" || SLURM_CONF="$SLURM_DIR/slurm.conf" slurmdbd
  wait_for_port "$SLURMDBD_TEST_PORT" 60 slurmdbd
  if ! sacctmgr -n -P show cluster format=cluster 2>/dev/null | grep -qx krakentest; then
    sacctmgr -i add cluster krakentest > /dev/null
  fi
}

_start_munge() {
  mkdir -p "$MUNGE_DIR/run"
  if [ ! -f "$MUNGE_DIR/munge.key" ]; then
    dd if=/dev/urandom of="$MUNGE_DIR/munge.key" bs=1024 count=1 status=none
  fi
  chown -R munge:munge "$MUNGE_DIR"
  chmod 700 "$MUNGE_DIR"
  chmod 600 "$MUNGE_DIR/munge.key"
  # clients (sbatch as the cluster user) reach the socket: its folder and parents must be world-executable
  chmod 711 "$MUNGE_DIR" "$MUNGE_DIR/run"
  if _pid_alive "$MUNGE_DIR/munged.pid"; then return; fi
  runuser -u munge -- munged --socket="$MUNGE_DIR/run/munge.socket.2" --key-file="$MUNGE_DIR/munge.key" \
    --pid-file="$MUNGE_DIR/munged.pid" --log-file="$MUNGE_DIR/munged.log" --seed-file="$MUNGE_DIR/munged.seed"
}

_bind_cluster_view() {
  # workers: $SLURM_DIR/workers/shares (the parent is root-only); cluster: $SLURM_DIR/cluster/shares
  mkdir -p "$SLURM_DIR/workers/shares" "$SLURM_DIR/cluster/shares"
  chmod 700 "$SLURM_DIR/workers"
  chmod 755 "$SLURM_DIR/cluster" "$SLURM_DIR/workers/shares"
  if ! mountpoint -q "$SLURM_DIR/cluster/shares"; then
    mount --bind "$SLURM_DIR/workers/shares" "$SLURM_DIR/cluster/shares"
  fi
  set_service_var QUANT_WORKER_SHARES "$SLURM_DIR/workers/shares"
  set_service_var QUANT_CLUSTER_SHARES "$SLURM_DIR/cluster/shares"
}

start_slurm() {
  apt_install slurm-wlm munge slurmdbd mariadb-server
  _ensure_cluster_user
  mkdir -p "$SLURM_DIR/state" "$SLURM_DIR/spool"
  chmod 755 "$KRAKEN_TEST_SERVICES_DIR" "$SLURM_DIR"
  _write_slurm_conf
  chmod 644 "$SLURM_DIR/slurm.conf"  # read by every Slurm command, also as the cluster user
  _start_munge
  export SLURM_CONF="$SLURM_DIR/slurm.conf"
  _start_mariadb
  _start_slurmdbd
  _pid_alive "$SLURM_DIR/slurmctld.pid" || slurmctld -f "$SLURM_CONF"
  _pid_alive "$SLURM_DIR/slurmd.pid" || slurmd -f "$SLURM_CONF" -N localhost
  wait_for_port "$SLURMCTLD_TEST_PORT" 30 slurmctld
  local deadline=$((SECONDS + 30))
  until sinfo -h -N -o '%T' 2>/dev/null | grep -qE '^(idle|mixed|allocated)'; do
    if (( SECONDS > deadline )); then log "slurm node did not become idle: $(sinfo -N 2>&1)"; return 1; fi
    sleep 0.3
  done
  touch "$SLURM_DIR/jobcomp.txt"
  chmod 666 "$SLURM_DIR/jobcomp.txt"   # `sacct -c` opens it for writing, also as the cluster user
  _bind_cluster_view
  set_service_var SLURM_CONF "$SLURM_CONF"
  set_service_var SLURM_CLUSTER_USER "$CLUSTER_USER"
  set_service_var SLURMDBD_PORT "$SLURMDBD_TEST_PORT"
  log "slurm up (slurmctld :$SLURMCTLD_TEST_PORT, slurmd :$SLURMD_TEST_PORT, slurmdbd :$SLURMDBD_TEST_PORT on" \
      "mariadb :$MARIADB_TEST_PORT, conf $SLURM_CONF)"
}

stop_slurm() {
  if mountpoint -q "$SLURM_DIR/cluster/shares" 2>/dev/null; then umount "$SLURM_DIR/cluster/shares" || true; fi
  for pidfile in "$SLURM_DIR/slurmd.pid" "$SLURM_DIR/slurmctld.pid" "$SLURM_DIR/slurmdbd.pid" \
                 "$MARIADB_DIR/mariadb.pid" "$MUNGE_DIR/munged.pid"; do
    if _pid_alive "$pidfile"; then
      local pid; pid=$(cat "$pidfile")
      kill "$pid" 2>/dev/null || true
      for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    fi
    rm -f "$pidfile"
  done
  log "slurm stopped"
}
