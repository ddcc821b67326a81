"""`python -m mcp_server`: serve the record read-only over stdio (default) or streamable HTTP."""

from __future__ import annotations

import logging
import sys

from mcp.server.transport_security import TransportSecuritySettings

from kraken_core.record.connection import open_database
from mcp_server.record_reader import RecordReader
from mcp_server.runtime import (
    RuntimeSettingsError, allowed_origins, configured_instrument_types, environment, runtime_settings,
)
from mcp_server.tools import build_server


def main() -> int:
    logging.basicConfig(level=logging.INFO, stream=sys.stderr, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    log = logging.getLogger("mcp_server")
    try:
        settings = runtime_settings(environment())
    except RuntimeSettingsError as err:
        log.error("%s", err)
        return 2
    server = build_server(RecordReader(open_database(settings.mongo)), configured_instrument_types())
    log.info("serving %s read-only over %s", settings.mongo.describe(), settings.transport)
    if settings.mongo.user is None:
        log.warning("MONGO_USER_READ is not set: connecting without a database user, so only the server's own "
                    "read-only access layer keeps the record unchanged; set the read-only user in production")
    if settings.transport == "stdio":
        server.run("stdio")
    else:
        security = TransportSecuritySettings(enable_dns_rebinding_protection=True,
                                             allowed_hosts=list(settings.allowed_hosts),
                                             allowed_origins=allowed_origins(settings.allowed_hosts))
        log.info("listening on http://%s:%d/mcp", settings.host, settings.port)
        server.run("streamable-http", host=settings.host, port=settings.port, transport_security=security)
    return 0


if __name__ == "__main__":
    sys.exit(main())
