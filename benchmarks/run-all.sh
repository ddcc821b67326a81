#!/usr/bin/env bash
# Run the benchmarks that need only the test services (tests/services/services.sh start), each with its
# default arguments, and write their output to benchmarks/results/<UTC time>.txt. Benchmarks that need a
# larger setup of their own (scale_250k, catch_up, companion_pages, api_200k, mcp_tools, s3_upload,
# slurm_job_sensor) are run by hand as benchmarks/README.md describes.
set -uo pipefail
cd "$(dirname "$0")/.."
export PYTHONPATH="$PWD${PYTHONPATH:+:$PYTHONPATH}"
out_dir=benchmarks/results
mkdir -p "$out_dir"
out="$out_dir/$(date -u +%Y%m%dT%H%M%SZ).txt"
failed=0
for bench in backup_copy watcher_tick monitoring_alerts lifecycle_purge record_dump; do
  echo "== $bench ($(date -u +%H:%M:%S))" | tee -a "$out"
  if ! .venv/bin/python "benchmarks/$bench.py" 2>&1 | grep -v -e ' - dagster - ' -e 'Warning' | tee -a "$out"; then
    echo "$bench failed" | tee -a "$out"
    failed=1
  fi
done
echo "results in $out"
exit $failed
