# The AlphaKraken companion web app (overview, trends, status, projects and settings) next to the Dagster UI.
# It needs no Dagster: the image holds the domain core, the app and its own static files (no CDN at run time).
# Build from the repository root:  docker build -f docker/companion.Dockerfile -t alphakraken-companion .
# Run with ENV, MONGO_HOST/MONGO_PORT/MONGO_DB, MONGO_USER_WEBAPP/MONGO_PASSWORD_WEBAPP and KRAKEN_WEBAPP_SECRET
# (it signs the login sessions); people log in with the accounts in the record (kraken_core.record.accounts_cli).
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    HOME=/tmp \
    PYTHONPATH=/opt/alphakraken \
    KRAKEN_ENVS_DIR=/opt/alphakraken/envs \
    KRAKEN_COMPANION_HOST=0.0.0.0 \
    KRAKEN_COMPANION_PORT=8050

RUN pip install "pymongo>=4.10,<5" "pydantic>=2.7,<3" "pyyaml>=6" "python-dotenv>=1.0" "starlette>=0.37" \
    "uvicorn>=0.29" "jinja2>=3.1" "python-multipart>=0.0.9" "argon2-cffi>=23.1" "plotly>=6,<8"

WORKDIR /opt/alphakraken
COPY kraken_core/ kraken_core/
COPY kraken_ui_ext/ kraken_ui_ext/
COPY envs/ envs/

USER 65534:65534
EXPOSE 8050
HEALTHCHECK --interval=30s --timeout=5s CMD python -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8050/healthz', timeout=4)"
CMD ["python", "-m", "kraken_ui_ext.companion"]
