"""What `make demo` adds to the local platform: simulated acquisitions (kraken_core.simulator), a project with
settings assigned, and a simulated AlphaDIA run through the local job engine. Nothing here is used in production."""
