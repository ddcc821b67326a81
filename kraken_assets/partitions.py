"""One dynamic partition per raw file; the key is the raw file id."""

import dagster as dg

raw_files_partitions = dg.DynamicPartitionsDefinition(name="raw_files")
