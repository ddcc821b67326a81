# The read-only MCP server over the AlphaKraken record.
# Build from the repository root:  docker build -f docker/mcp_server.Dockerfile -t alphakraken-mcp .
# Serves streamable HTTP on port 8089 (path /mcp) by default; `-e MCP_TRANSPORT=stdio` (with `docker run -i`)
# for clients that start the server themselves. Connects with the read-only user MONGO_USER_READ.
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

# Only what the server imports (no Dagster): the versions the tests ran with.
RUN pip install \
    "mcp==2.3.0" \
    "pymongo==4.20.1" \
    "pydantic==2.14.4" \
    "PyYAML==6.0.4" \
    "python-dotenv==1.2.4" \
    "uvicorn==0.54.0"

WORKDIR /app
COPY kraken_core/ kraken_core/
COPY mcp_server/ mcp_server/
COPY envs/ envs/

RUN useradd --system --uid 10001 --home-dir /app kraken
USER kraken

# In a container the server must listen on all interfaces; publish the port on the host's loopback
# (`-p 127.0.0.1:8089:8089`) or set MCP_ALLOWED_HOSTS to the names clients use.
ENV MCP_TRANSPORT=streamable-http \
    MCP_HOST=0.0.0.0 \
    MCP_PORT=8089 \
    MONGO_DB=krakendb
EXPOSE 8089

ENTRYPOINT ["python", "-m", "mcp_server"]
