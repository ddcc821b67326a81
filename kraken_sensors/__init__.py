"""Dagster sensors: instrument watchers (one per configured instrument), location heartbeats."""
