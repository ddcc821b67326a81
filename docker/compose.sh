#!/usr/bin/env bash
# docker compose for one environment: ENV (local, sandbox, production) selects envs/${ENV}.env; the secrets come
# from envs/.env-secrets (and the MongoDB root user from envs/.env-mongo), copied from their .example files.
#   ENV=production docker/compose.sh --profile workers up -d
#   ENV=production docker/compose.sh --profile workers logs -f code-location
# Variables already in the environment win over the files. Containers run as KRAKEN_UID:KRAKEN_GID
# (default: the user running this script).
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
ROOT="$(cd "$HERE/.." && pwd)"

export ENV="${ENV:-}"
case "$ENV" in
  local|sandbox|production) ;;
  *) echo "compose.sh: set ENV to local, sandbox or production (got '${ENV}')" >&2; exit 2 ;;
esac

env_file="$ROOT/envs/$ENV.env"
[ -f "$env_file" ] || { echo "compose.sh: $env_file not found" >&2; exit 2; }
for secrets in .env-secrets .env-mongo; do
  if [ ! -f "$ROOT/envs/$secrets" ]; then
    echo "compose.sh: envs/$secrets is missing: cp envs/$secrets.example envs/$secrets, fill in the passwords," \
      "chmod 600 envs/$secrets" >&2
    exit 2
  fi
done

# the host user of the containers: from the environment, else envs/${ENV}.env, else the user running this script
grep -q '^KRAKEN_UID=' "$env_file" || export KRAKEN_UID="${KRAKEN_UID:-$(id -u)}"
grep -q '^KRAKEN_GID=' "$env_file" || export KRAKEN_GID="${KRAKEN_GID:-$(id -g)}"
# the folder with the cluster's SSH key and known_hosts (mounted read-only): the env file's, else docker/ssh
grep -q '^KRAKEN_SSH_DIR=' "$env_file" || export KRAKEN_SSH_DIR="${KRAKEN_SSH_DIR:-$HERE/ssh}"
if [ "$ENV" = local ]; then
  # everything on this machine: the containers reach each other by service name
  export MOUNTS_PATH="${MOUNTS_PATH:-$ROOT/.run/mounts}"
  export MONGO_HOST="${KRAKEN_LOCAL_MONGO_HOST:-mongodb}" MONGO_PORT="${KRAKEN_LOCAL_MONGO_PORT:-27017}"
  mkdir -p "$MOUNTS_PATH/logs/dagster"
  # the entrance's TLS certificate: self-signed for this machine, made once (the key never leaves .run/tls)
  if [ -z "${KRAKEN_TLS_CERTIFICATE_FILE:-}" ]; then
    tls="$ROOT/.run/tls"
    if [ ! -f "$tls/certificate.pem" ]; then
      mkdir -p "$tls"
      (umask 077; openssl req -x509 -newkey rsa:2048 -nodes -days 825 -subj /CN=localhost \
        -addext "subjectAltName=DNS:localhost,IP:127.0.0.1" -keyout "$tls/key.pem" -out "$tls/certificate.pem" \
        2>/dev/null)
    fi
    export KRAKEN_TLS_CERTIFICATE_FILE="$tls/certificate.pem" KRAKEN_TLS_KEY_FILE="$tls/key.pem"
  fi
  # links in the companion app, the Dagster UI's metadata and alerts go through the entrance (alphakraken.local.yaml)
  https_port="${KRAKEN_HTTPS_PORT:-$(sed -n 's/^KRAKEN_HTTPS_PORT=//p' "$env_file")}"
  export KRAKEN_WEBSERVER_BASE_URL="${KRAKEN_WEBSERVER_BASE_URL:-https://127.0.0.1:${https_port:-443}}"
  export KRAKEN_COMPANION_BASE_URL="${KRAKEN_COMPANION_BASE_URL:-$KRAKEN_WEBSERVER_BASE_URL/companion}"
fi

compose_files=(-f "$HERE/docker-compose.yaml")
# a deployment over several hosts publishes the ports other hosts need (docker/compose.hosts.yaml)
if grep -q '^KRAKEN_SPLIT_HOSTS=true' "$env_file" || [ "${KRAKEN_SPLIT_HOSTS:-}" = true ]; then
  compose_files+=(-f "$HERE/compose.hosts.yaml")
fi

exec docker compose --env-file "$env_file" --env-file "$ROOT/envs/.env-secrets" "${compose_files[@]}" "$@"
