# The AlphaKraken code location: the gRPC code server (sensors, schedules) and, from the same image, every run
# container the DockerRunLauncher starts. Build from the repository root:
#   docker build -f docker/code_location.Dockerfile -t alphakraken-code .
# Runs as the host user given by compose (KRAKEN_UID:KRAKEN_GID), so files on the shares get the right owner.
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    HOME=/tmp \
    DAGSTER_HOME=/opt/dagster/dagster_home \
    KRAKEN_ENVS_DIR=/opt/alphakraken/envs

# ssh client for the Slurm cluster; tini reaps the run worker's children
RUN apt-get update \
    && apt-get install -y --no-install-recommends openssh-client tini \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /opt/alphakraken
# the dependencies first, from pyproject.toml alone: a code update rebuilds only the layers below (seconds)
COPY pyproject.toml ./
RUN python -c "import tomllib; print('\n'.join(tomllib.load(open('pyproject.toml', 'rb'))['project']['dependencies']))" \
        >/tmp/requirements.txt \
    && pip install -r /tmp/requirements.txt && rm /tmp/requirements.txt
COPY kraken_core/ kraken_core/
COPY kraken_assets/ kraken_assets/
COPY kraken_resources/ kraken_resources/
COPY kraken_sensors/ kraken_sensors/
COPY kraken_ui_ext/ kraken_ui_ext/
RUN pip install --no-deps . && rm -rf build

# configuration of every environment; a config change is a new image, like a code change
COPY envs/ envs/
COPY docker/dagster.production.yaml /opt/dagster/dagster_home/dagster.yaml
RUN chmod 1777 /opt/dagster/dagster_home

EXPOSE 4000
ENTRYPOINT ["tini", "--"]
CMD ["dagster", "code-server", "start", "-h", "0.0.0.0", "-p", "4000", "-m", "kraken_assets.definitions", \
     "--location-name", "alphakraken"]
