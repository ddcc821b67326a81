# Dagster webserver and daemon of sandbox and production deployments. They load no AlphaKraken code (the code
# location is its own gRPC server), so this image changes only with the Dagster version, not with a code update.
# Build from the repository root:  docker build -f docker/dagster.Dockerfile -t alphakraken-dagster .
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    HOME=/tmp \
    DAGSTER_HOME=/opt/dagster/dagster_home

# the versions pinned in pyproject.toml
RUN pip install \
    "dagster==1.13.27" \
    "dagster-webserver==1.13.27" \
    "dagster-postgres==0.29.27" \
    "dagster-docker==0.29.27" \
    "sqlalchemy<2.1"

COPY docker/dagster.production.yaml /opt/dagster/dagster_home/dagster.yaml
COPY docker/workspace.yaml /opt/dagster/workspace.yaml
RUN chmod 1777 /opt/dagster/dagster_home
WORKDIR /opt/dagster

EXPOSE 3000
CMD ["dagster-webserver", "-h", "0.0.0.0", "-p", "3000", "-w", "/opt/dagster/workspace.yaml"]
