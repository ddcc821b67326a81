"""When the watchers hand finished raw files over in batches instead of one run each (`catch_up` section).

Every Dagster run is a new process that loads the code location: two to four seconds before the first byte is
read. For a raw file of several gigabytes that is noise; for a backlog of thousands of files after an outage it
is most of the time. A watcher tick that finds more than `batch_threshold` finished files therefore requests
`raw_file_catch_up` runs of up to `batch_size` files (at least one run per copy slot); a tick with fewer keeps
one `raw_file_pipeline` run per file.
"""

from pydantic import Field

from kraken_core.config.base import Section


class CatchUpConfig(Section):
    batch_threshold: int = Field(default=8, ge=1)
    batch_size: int = Field(default=50, ge=1, le=1000)
