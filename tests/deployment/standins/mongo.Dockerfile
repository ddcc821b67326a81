# Test stand-in for mongo:7.0: the MongoDB wire-protocol server nx-27017 (the one every other test uses).
FROM python:3.11-slim-bookworm
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1 PYTHONUNBUFFERED=1
RUN pip install "nx-27017==0.8.1" && mkdir -p /data/db && chmod 1777 /data/db
ENV MONGO_STANDIN_PORT=27017
VOLUME /data/db
CMD ["sh", "-c", "exec nx-27017 --host 0.0.0.0 -p \"$MONGO_STANDIN_PORT\" --data-dir /data/db --log-file /dev/stdout --pid-file /tmp/nx.pid"]
