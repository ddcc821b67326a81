"""The rules behind the raw-file page, without services: sizes in units, whether Dagster has a raw file's
partition, and the timeline's states for records in every shape (failed, not quantified, older records)."""

from datetime import UTC, datetime, timedelta

import pytest

from kraken_core.numbers import human_size
from kraken_core.record.raw_file_steps import Step, step_fields
from kraken_ui_ext.companion.timeline import TimelineContext, build_timeline
from kraken_ui_ext.links import partition_absence

NOW = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)
CONTEXT = TimelineContext("http://dagster", size_stable_window_s=3600, s3_enabled=False, partition_absent=None)


def _finished() -> dict:
    [(key, entry)] = step_fields(Step.ACQUISITION_FINISHED, None, at=NOW - timedelta(hours=1)).items()
    return {"steps": {key.split(".", 1)[1]: entry}}


def _doc(status: str, **fields) -> dict:
    return {"_id": "a.raw", "original_name": "a.raw", "instrument_id": "astral1", "status": status,
            "created_at_": NOW - timedelta(hours=2), "updated_at_": NOW, **fields}


@pytest.mark.parametrize(("size", "text"), [
    (0, "0 B"), (2, "2 B"), (1023, "1,023 B"), (1536, "1.50 KB"), (19_999_998, "19.1 MB"),
    (5 * 1024**3, "5.00 GB"), (123 * 1024**4, "123 TB"), (None, ""), ("n/a", ""),
])
def test_sizes_read_in_units(size, text):
    assert human_size(size) == text


@pytest.mark.parametrize(("doc", "absent"), [
    (_doc("monitoring_acquisition"), "not yet in Dagster"),
    (_doc("queued_for_monitoring"), "not yet in Dagster"),
    (_doc("monitoring_acquisition", **_finished()), None),  # finished once, watched again after a change
    (_doc("ignored"), "ignored raw files get no partition"),
    (_doc("acquisition_failed"), "disappeared before the acquisition finished"),
    (_doc("acquisition_failed", size=0, **_finished()), None),  # an empty file, finished and backed up
    (_doc("acquisition_failed", size=0), None),  # an older record, checksummed: it had a partition
    (_doc("done", updated_at_=NOW - timedelta(days=200)), "may be retired"),
    (_doc("quanting", updated_at_=NOW - timedelta(days=200)), None),  # not final: never retired
    (_doc("done"), None),
])
def test_a_partition_link_is_offered_only_where_dagster_has_the_partition(doc, absent):
    found = partition_absence(doc, NOW, retire_after_days=180)
    assert (found is None) if absent is None else (absent in found), found


def _states(doc: dict, metrics: list | None = None, context: TimelineContext = CONTEXT) -> dict[str, tuple]:
    return {s.step: (s.state, s.detail, s.link) for s in build_timeline(doc, metrics or [], context)}


def test_a_failed_quantification_fails_its_step_with_the_reason_and_skips_the_metrics():
    jobs = [{"settings_name": "hela", "settings_version": 1, "job_id": "42", "state": "COMPLETED",
             "submitted_at": NOW - timedelta(minutes=30), "ended_at": NOW - timedelta(minutes=5)}]
    states = _states(_doc("quanting_failed", size=10, backup_status="copying_done", quanting_jobs=jobs,
                          status_details="error while processing: [hela] TOO_FEW_PSM", **_finished()))
    assert states["quanting_submitted"][0] == "done"
    assert states["quanting_finished"][:2] == ("failed", "error while processing: [hela] TOO_FEW_PSM")
    assert states["metrics_written"][0] == "skipped"


def test_a_raw_file_without_settings_skips_quantification_with_the_reason():
    states = _states(_doc("done_not_quanted", size=10, backup_status="copying_done",
                          status_details="no active settings for project P9", **_finished()))
    assert states["backed_up"][0] == "done"
    for step in ("quanting_submitted", "quanting_finished", "metrics_written"):
        assert states[step][:2] == ("skipped", "not quantified: no active settings for project P9")


def test_an_older_record_without_steps_shows_what_it_proves_and_links_the_partitions():
    doc = _doc("done", size=10, backup_status="copying_done", backup_base_path="/backup/astral1/2026_11",
               quanting_jobs=[{"settings_name": "s", "settings_version": 1, "job_id": "7", "ended_at": NOW}])
    steps = {s.step: s for s in build_timeline(doc, [{"created_at_": NOW, "proteins": 1}], CONTEXT)}
    assert all(s.state == "done" for s in steps.values())
    assert steps["backed_up"].at is None and steps["backed_up"].detail == "/backup/astral1/2026_11/a.raw"
    assert steps["backed_up"].link == "http://dagster/assets/raw_file_backup?view=partitions&partition=a.raw"
    assert steps["quanting_finished"].at == NOW and steps["metrics_written"].at == NOW


def test_an_error_marks_the_step_after_the_last_one_reached_and_s3_shows_its_own_failure():
    doc = _doc("error", status_details="checksum failed for raw file a.raw (instrument astral1): gone",
               **_finished())
    states = _states(doc)
    assert states["checksummed"][:2] == ("failed", "checksum failed for raw file a.raw (instrument astral1): gone")
    assert states["backed_up"][0] == "pending" and "uploaded_to_s3" not in states

    s3 = TimelineContext("http://dagster", 3600, s3_enabled=True, partition_absent=None)
    states = _states(_doc("done_not_quanted", size=10, backup_status="upload_failed", s3_upload_error="403 from S3",
                          **_finished()), context=s3)
    assert states["backed_up"][0] == "done" and states["uploaded_to_s3"][:2] == ("failed", "403 from S3")


def test_without_a_partition_no_step_links_into_it():
    context = TimelineContext("http://dagster", 3600, False, partition_absent="its partition may be retired")
    states = _states(_doc("done_not_quanted", size=10, backup_status="copying_done", **_finished()), context=context)
    assert all(link is None for _, _, link in states.values())
