"""Quantification of raw files on a Slurm cluster: settings, the processing gate, jobs, outputs and metrics."""
