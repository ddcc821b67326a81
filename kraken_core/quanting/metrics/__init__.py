"""One metrics plugin per QC tool: find the tool's output in a job's output folder, parse it, return named
numeric metrics under AlphaKraken's names. `registry.plugin_for(metrics_type)` picks the plugin of a job."""
