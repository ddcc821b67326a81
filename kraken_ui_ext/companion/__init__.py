"""The companion web app next to the Dagster UI: overview, trends, status, projects and settings."""
