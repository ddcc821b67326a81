#!/usr/bin/env bash
# Start the real test services, run every test, stop what was started (also on failure or Ctrl-C).
set -uo pipefail
cd "$(dirname "$0")/.."
services=tests/services/services.sh
cleanup() { "$services" stop; }
trap cleanup EXIT
"$services" start || { echo "test services failed to start; see the messages above" >&2; exit 1; }
.venv/bin/pytest tests "$@"
