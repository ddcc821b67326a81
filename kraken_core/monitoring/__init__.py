"""Monitoring without Dagster: health of instruments and locations, check verdicts, and the alert policy."""
