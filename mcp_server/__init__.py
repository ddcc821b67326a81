"""Read-only MCP server over the MongoDB record: raw files, metrics, instruments, failures and projects."""
