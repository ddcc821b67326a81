"""Each step of a raw file records when it was reached and by which Dagster run (`raw_file.steps`), so the
companion's timeline can show the time and link the run."""

from datetime import UTC, datetime, timedelta

from kraken_assets.raw_file import raw_file
from kraken_assets.raw_file_backup import raw_file_backup
from kraken_core.record.raw_file_steps import Step, step_entry
from kraken_core.record.raw_files import get_raw_file
from kraken_core.record.timestamps import record_datetime
from kraken_core.simulator import write_thermo
from tests.dagster.test_pipeline_assets import setup  # noqa: F401 - the fixture: a config and real resources
from tests.support.pipeline import materialize_partition, register


def test_the_watcher_and_the_backup_record_when_and_by_which_run(setup, mongo_db, instance):
    config, resources = setup
    write_thermo(config.instrument_folder("thermo1"), "20240301_PRJ1_steps.raw", 50_000)
    before = datetime.now(UTC) - timedelta(seconds=1)
    [rid] = register(mongo_db, config, "thermo1")
    finished = step_entry(get_raw_file(mongo_db, rid), Step.ACQUISITION_FINISHED)
    assert finished is not None and finished["run_id"] is None  # a sensor tick, not a run
    assert record_datetime(finished["at"]) >= before

    result = materialize_partition([raw_file, raw_file_backup], rid, resources, instance)
    assert result.success
    doc = get_raw_file(mongo_db, rid)
    checksummed, backed_up = step_entry(doc, Step.CHECKSUMMED), step_entry(doc, Step.BACKED_UP)
    assert checksummed["run_id"] == backed_up["run_id"] == result.run_id
    assert (record_datetime(finished["at"]) <= record_datetime(checksummed["at"]) <= record_datetime(backed_up["at"])
            <= datetime.now(UTC))
    assert step_entry(doc, Step.QUANTING_SUBMITTED) is None  # not reached: quantification is off here
