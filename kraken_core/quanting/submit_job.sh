#!/usr/bin/env bash
# AlphaKraken quantification job, run by Slurm on the cluster. Installed into the Slurm folder by the platform
# (over SFTP) and checked against the platform's copy before every submission; do not edit the cluster's copy.
# With quanting.engine local, the platform's copy runs on the worker itself (LOCAL_JOB_ID instead of SLURM_JOB_ID).
#
# Input comes from the environment (set by the platform, every value as the cluster sees it):
#   RAW_FILE_PATH OUTPUT_PATH SETTINGS_PATH SOFTWARE SOFTWARE_TYPE NUM_THREADS
#   CONFIG_FILE_NAME SPECLIB_FILE_NAME FASTA_FILE_NAME CONDA_ENV (the environment to activate; empty: none)
#   EXTRA_ARGS (AlphaDIA: quoted extra arguments) CONDA_ENVS_DIR (optional)
#   TOOL_NAME TOOL_EXECUTABLE CUSTOM_COMMAND (a tool of quanting.tools in the operators' YAML: its command, built
#   by the platform from the YAML's template, every word quoted)
#   TMP_RAW_DIR RAW_FILE_SET (Sciex: where the file set is copied, and its files, quoted)
# and, as AlphaKraken hands them (for site scripts and custom tools; this script only logs them):
#   RAW_FILE_ID PROJECT_ID PROJECT_ID_OR_FALLBACK SETTINGS_NAME SETTINGS_VERSION METRICS_TYPE
#   RELATIVE_OUTPUT_PATH RELATIVE_RAW_FILE_PATH SLURM_CPUS_PER_TASK SLURM_MEM SLURM_TIME
# Sciex raw files (`X.wiff` with `X.wiff2`, `X.wiff.scan`, `X.timeseries.data`) cannot be opened read-only: they
# are copied to TMP_RAW_DIR (OUTPUT_PATH/tmp_raw_data) for the run and removed when the job ends, however it ends.
# The job's exit code is the tool's exit code.
set -u -o pipefail

echo "== alphakraken job ${SLURM_JOB_ID:-${LOCAL_JOB_ID:-local}} on $(hostname) at $(date -Is)"
echo "raw file:    ${RAW_FILE_PATH}"
echo "output:      ${OUTPUT_PATH}"
echo "settings:    ${SETTINGS_PATH} (${SOFTWARE_TYPE} ${SOFTWARE})"
echo "raw file id: ${RAW_FILE_ID:-} project: ${PROJECT_ID:-} settings: ${SETTINGS_NAME:-} v${SETTINGS_VERSION:-} \
metrics: ${METRICS_TYPE:-} relative output: ${RELATIVE_OUTPUT_PATH:-}"

if [ ! -e "${RAW_FILE_PATH}" ]; then
  echo "ERROR: raw file ${RAW_FILE_PATH} is not visible on this node; check locations.backup.absolute_path" >&2
  exit 66
fi
du -sb -- "${RAW_FILE_PATH}" | sed 's/^/raw file size (bytes): /'
for name in "${CONFIG_FILE_NAME:-}" "${SPECLIB_FILE_NAME:-}" "${FASTA_FILE_NAME:-}"; do
  if [ -n "$name" ]; then
    if [ ! -f "${SETTINGS_PATH}/${name}" ]; then
      echo "ERROR: settings file ${SETTINGS_PATH}/${name} not found; check locations.settings.absolute_path" >&2
      exit 66
    fi
    md5sum -- "${SETTINGS_PATH}/${name}" | sed 's/^/settings file md5: /'
  fi
done

# AlphaDIA, or a tool installed as a conda environment: activate it (a tool in the software folder needs none)
CONDA_ENV="${CONDA_ENV-${SOFTWARE}}"
if [ -n "${CONDA_ENV}" ]; then
  if [ -n "${CONDA_ENVS_DIR:-}" ]; then
    if [ ! -d "${CONDA_ENVS_DIR}/${CONDA_ENV}/bin" ]; then
      echo "ERROR: environment ${CONDA_ENVS_DIR}/${CONDA_ENV} not found on $(hostname)" >&2
      exit 67
    fi
    export CONDA_PREFIX="${CONDA_ENVS_DIR}/${CONDA_ENV}"
    export PATH="${CONDA_PREFIX}/bin:${PATH}"
  else
    eval "$(conda shell.bash hook)" && conda activate "${CONDA_ENV}" \
      || { echo "ERROR: conda activate ${CONDA_ENV} failed on $(hostname)" >&2; exit 67; }
  fi
fi
if [ -n "${TOOL_NAME:-}" ] && ! command -v -- "${TOOL_EXECUTABLE}" >/dev/null; then
  echo "ERROR: tool ${TOOL_NAME}: executable ${TOOL_EXECUTABLE} not found or not executable on $(hostname); check \
quanting.tools.${TOOL_NAME} and locations.software.absolute_path" >&2
  exit 67
fi

mkdir -p -- "${OUTPUT_PATH}"
cd -- "${OUTPUT_PATH}" || exit 1

# Sciex: the tools cannot open .wiff file sets read-only; work on a private copy, removed at exit
TMP_RAW_DIR=""
cleanup_tmp_raw() {
  if [ -n "${TMP_RAW_DIR}" ] && [ -d "${TMP_RAW_DIR}" ]; then
    rm -rf -- "${TMP_RAW_DIR}" && echo "removed temporary Sciex copy ${TMP_RAW_DIR}"
  fi
}
trap cleanup_tmp_raw EXIT
trap 'exit 143' TERM  # Slurm's SIGTERM at the time limit or scancel: leave through the EXIT trap
if [[ "${RAW_FILE_PATH}" == *.wiff ]]; then
  TMP_RAW_DIR="${TMP_RAW_DIR:-${OUTPUT_PATH}/tmp_raw_data}"
  mkdir -p -- "${TMP_RAW_DIR}" || exit 73
  stem="${RAW_FILE_PATH%.wiff}"
  parts=("${stem}.wiff" "${stem}.wiff2" "${stem}.wiff.scan" "${stem}.timeseries.data")
  # RAW_FILE_SET holds shell-quoted paths built by the platform (the record's files and the usual parts); eval
  # only splits them
  [ -n "${RAW_FILE_SET:-}" ] && eval "parts=(${RAW_FILE_SET})"
  for part in "${parts[@]}"; do
    if [ -e "${part}" ]; then
      cp -- "${part}" "${TMP_RAW_DIR}/" \
        || { echo "ERROR: could not copy Sciex file ${part} to ${TMP_RAW_DIR}" >&2; exit 73; }
    fi
  done
  RAW_FILE_PATH="${TMP_RAW_DIR}/$(basename -- "${RAW_FILE_PATH}")"
  echo "Sciex raw file copied to ${TMP_RAW_DIR} (cannot be opened read-only): $(ls -- "${TMP_RAW_DIR}" | tr '\n' ' ')"
fi

if [ -z "${TOOL_NAME:-}" ] && [ "${SOFTWARE_TYPE}" = "alphadia" ]; then
  echo "alphadia: $(command -v alphadia) $(alphadia --version 2>/dev/null | head -n1)"
  args=(--file "${RAW_FILE_PATH}" --output "${OUTPUT_PATH}")
  [ -n "${SPECLIB_FILE_NAME:-}" ] && args+=(--library "${SETTINGS_PATH}/${SPECLIB_FILE_NAME}")
  [ -n "${FASTA_FILE_NAME:-}" ] && args+=(--fasta "${SETTINGS_PATH}/${FASTA_FILE_NAME}")
  [ -n "${CONFIG_FILE_NAME:-}" ] && args+=(--config "${SETTINGS_PATH}/${CONFIG_FILE_NAME}")
  args+=(--config-dict "{\"general\": {\"thread_count\": ${NUM_THREADS}}}")
  extra=()
  # EXTRA_ARGS holds shell-quoted words built by the platform; eval only splits them
  [ -n "${EXTRA_ARGS:-}" ] && eval "extra=(${EXTRA_ARGS})"
  echo "command: alphadia ${args[*]} ${extra[*]}"
  alphadia "${args[@]}" "${extra[@]}"
  code=$?
elif [ -n "${TOOL_NAME:-}" ]; then
  echo "tool ${TOOL_NAME}: ${TOOL_EXECUTABLE}"
  echo "command: ${CUSTOM_COMMAND}"
  # CUSTOM_COMMAND holds shell-quoted words built by the platform from the YAML's command template; eval only
  # splits them
  eval "${CUSTOM_COMMAND}"
  code=$?
else
  echo "ERROR: software type ${SOFTWARE_TYPE} without a tool of quanting.tools: nothing to run" >&2
  code=64
fi
echo "== finished with exit code ${code} at $(date -Is)"
exit "${code}"
