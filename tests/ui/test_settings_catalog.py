"""Projects, settings versions and assignments in the record, and which settings a raw file gets."""

import pytest

from kraken_core.record.settings_catalog import (
    InvalidInput,
    archive_settings,
    assign_settings,
    create_project,
    create_settings_version,
    project_assignments,
    settings_label,
)
from kraken_core.settings_resolution import resolve_settings

VENDORS = {"thermo1": "thermo", "thermo2": "thermo", "bruker1": "bruker"}
SETTINGS = {"software": "alphadia-2.3.0", "speclib_file_name": "hela.speclib.hdf"}


def _resolved(db, project, instrument, raw_file_id=None):
    assignments = project_assignments(db, [project])
    settings = {s["_id"]: s for s in db.settings.find({})}
    return [settings_label(r.settings) for r in resolve_settings(assignments, settings, instrument_id=instrument,
                                                         vendor=VENDORS[instrument], raw_file_id=raw_file_id)]


def test_versions_auto_increment_and_inactive_ones_never_apply(mongo_db):
    create_project(mongo_db, {"project_id": "PRJ1", "name": "Plasma"}, "ana")
    first = create_settings_version(mongo_db, {"name": "hela", **SETTINGS}, "ana")
    second = create_settings_version(mongo_db, {"name": "hela", **SETTINGS, "slurm_mem": "120G"}, "ana")
    assert (first["version"], second["version"]) == (1, 2) and settings_label(second) == "hela-v2"
    assign_settings(mongo_db, {"project_id": "PRJ1", "settings_id": "hela-v2"}, VENDORS, "ana")
    assert _resolved(mongo_db, "PRJ1", "bruker1") == ["hela-v2"]
    archive_settings(mongo_db, "hela-v2")
    assert _resolved(mongo_db, "PRJ1", "bruker1") == []
    with pytest.raises(InvalidInput, match="inactive; assign an active version"):
        assign_settings(mongo_db, {"project_id": "PRJ1", "settings_id": "hela-v2"}, VENDORS, "ana")


def test_most_specific_scope_wins_exclusions_and_file_name_filters(mongo_db):
    create_project(mongo_db, {"project_id": "PRJ1", "name": "Plasma"}, "ana")
    for name in ("everywhere", "thermo_only", "thermo2_only", "qc"):
        create_settings_version(mongo_db, {"name": name, **SETTINGS}, "ana")
    assign = lambda **v: assign_settings(mongo_db, {"project_id": "PRJ1", **v}, VENDORS, "ana")  # noqa: E731
    assign(settings_id="everywhere-v1", scope_type="all")
    assign(settings_id="thermo_only-v1", scope_type="vendor", scope_vendor="thermo", excluded_instruments=["thermo1"])
    assign(settings_id="thermo2_only-v1", scope_type="instrument", scope_instrument="thermo2")
    assert _resolved(mongo_db, "PRJ1", "bruker1") == ["everywhere-v1"]
    assert _resolved(mongo_db, "PRJ1", "thermo1") == ["everywhere-v1"]  # excluded from the vendor scope
    assert _resolved(mongo_db, "PRJ1", "thermo2") == ["thermo2_only-v1"]  # instrument beats vendor beats all
    assign(settings_id="qc-v1", scope_type="instrument", scope_instrument="thermo2", raw_file_id_filter="_QC_")
    assert _resolved(mongo_db, "PRJ1", "thermo2", "20240301_PRJ1_QC_01.raw") == ["thermo2_only-v1", "qc-v1"]
    assert _resolved(mongo_db, "PRJ1", "thermo2", "20240301_PRJ1_plasma.raw") == ["thermo2_only-v1"]
    assert _resolved(mongo_db, "PRJ1", "thermo2") == ["thermo2_only-v1", "qc-v1"]  # preview: filters not applied


def test_invalid_input_names_every_wrong_field_and_saves_nothing(mongo_db):
    with pytest.raises(InvalidInput) as err:
        create_settings_version(mongo_db, {"name": "x/y", "software": "alphadia; rm -rf /", "fasta_file_name": "../a",
                                           "slurm_mem": "lots", "slurm_time": "2h", "slurm_cpus_per_task": "0"}, "ana")
    text = "\n".join(err.value.problems)
    for expected in ("settings name", "software: expected the conda environment", "fasta file", "slurm memory",
                     "slurm time", "slurm cpus per task"):
        assert expected in text
    with pytest.raises(InvalidInput, match="project id: expected 1-16 letters or digits"):
        create_project(mongo_db, {"project_id": "HE_LA", "name": "x"}, "ana")
    create_project(mongo_db, {"project_id": "HELA", "name": "x"}, "ana")
    with pytest.raises(InvalidInput, match="'HELA' already exists"):
        create_project(mongo_db, {"project_id": "HELA", "name": "again"}, "ana")
    with pytest.raises(InvalidInput) as err:
        assign_settings(mongo_db, {"project_id": "NOPE", "settings_id": "none-v1", "scope_type": "instrument",
                                   "scope": "sciex9", "excluded_instruments": "bruker7"}, VENDORS, "ana")
    assert len(err.value.problems) == 4
    assert list(mongo_db.settings.find({})) == [] and list(mongo_db.project_settings.find({})) == []
