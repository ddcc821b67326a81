"""Dagster assets, asset checks, jobs and the one place that assembles the Definitions."""
