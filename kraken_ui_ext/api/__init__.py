"""The read-only REST API over the record (docs/api.md)."""
