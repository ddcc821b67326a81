"""The domain core of AlphaKraken: plain Python with no Dagster in it.

Vendor rules, acquisition-done rules, checksum and verified copy, settings resolution,
the status state machine and the MongoDB record live here so they can be tested fast
and read without the orchestration framework.
"""
