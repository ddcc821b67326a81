"""Processing gate, job requests (cluster paths, quoting), output folder modes, following jobs, settings lookup."""

from __future__ import annotations

import re
import shlex
from datetime import UTC, datetime
from pathlib import PurePosixPath

import pytest

from kraken_core.quanting.job_follower import apply_states, pending_job_ids
from kraken_core.quanting.job_request import build_job_request, job_name
from kraken_core.quanting.output_folder import OutputFolderExistsError, base_output_folder, choose_output_folder
from kraken_core.quanting.processing_gate import refusal
from kraken_core.quanting.settings_lookup import settings_for_raw_file
from kraken_core.record.settings_catalog import assign_settings, create_project, create_settings_version
from kraken_core.slurm import JobState
from kraken_core.statuses import RawFileStatus

NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)


def two_path_config(make_config, tmp_path, **quanting):
    worker, cluster = tmp_path / "w", PurePosixPath("/cluster/share")
    locations = {"instruments": {"path": str(worker / "instruments")}}
    for name in ("backup", "output", "settings", "slurm"):
        locations[name] = {"path": str(worker / name), "absolute_path": f"{cluster}/{name}"}
    section = {"enabled": True, "ssh_hosts": ["head1", "head2:2222"], "ssh_user": "kraken",
               "known_hosts_file": "/etc/kraken/known_hosts", **quanting}
    return make_config(locations=locations, quanting=section)


def raw_doc(name="20261102_PRJ1_a.raw", **fields):
    return {"_id": name, "original_name": name, "instrument_id": "thermo1", "project_id": "PRJ1",
            "collision_flag": None, "created_at": datetime(2026, 11, 2, tzinfo=UTC), "size": 100,
            "status": "copying_done", **fields}


SETTINGS = {"_id": "fast-v3", "name": "fast", "version": 3, "software": "alphadia-2.3.0", "software_type": "alphadia",
            "config_file_name": "config.yaml", "fasta_file_name": "human.fasta", "speclib_file_name": "",
            "config_params": "--quant-dir '/x y'", "num_threads": 4}


@pytest.mark.parametrize(("fields", "status", "words"), [
    ({"original_name": "20261102_PRJ1_dda_x.raw"}, RawFileStatus.DONE_NOT_QUANTED, "DDA"),
    ({"original_name": "a b.raw"}, RawFileStatus.DONE_NOT_QUANTED, "outside [a-zA-Z0-9-_+.]"),
    ({"original_name": "x$(id).raw"}, RawFileStatus.DONE_NOT_QUANTED, "rename the file"),
    ({"size": 0}, RawFileStatus.DONE_NOT_QUANTED, "empty"),
    ({"status": "acquisition_failed", "status_details": "main file missing"}, RawFileStatus.ACQUISITION_FAILED,
     "main file missing"),
])
def test_gate_refuses_with_a_reason(make_config, tmp_path, fields, status, words):
    refused = refusal(two_path_config(make_config, tmp_path), raw_doc(**fields))
    assert refused is not None and refused[0] == status and words in refused[1]


def test_gate_passes_a_good_file_and_honours_instrument_and_switch(make_config, tmp_path):
    config = two_path_config(make_config, tmp_path)
    assert refusal(config, raw_doc("20261102_PRJ1_a-b+c.1.raw")) is None
    skip = make_config(instruments={"thermo1": {"type": "thermo", "skip_quanting": True}})
    assert "skip_quanting" in refusal(skip, raw_doc())[1]
    assert "not enabled" in refusal(make_config(), raw_doc())[1]


def test_job_request_hands_only_cluster_paths(make_config, tmp_path):
    config = two_path_config(make_config, tmp_path, conda_envs_dir="/cluster/envs")
    doc = raw_doc(collision_flag="20261102-000000-000001-")
    output = base_output_folder(config.locations.output.path, "PRJ1", doc["_id"], "alphadia")
    request = build_job_request(config, doc, SETTINGS, output, NOW)
    env = request.environment
    assert env["RAW_FILE_PATH"] == "/cluster/share/backup/thermo1/2026_11/20261102-000000-000001-20261102_PRJ1_a.raw"
    assert env["OUTPUT_PATH"] == "/cluster/share/output/PRJ1/out_20261102_PRJ1_a.raw/alphadia"
    assert env["SETTINGS_PATH"] == "/cluster/share/settings/fast" and env["CONDA_ENVS_DIR"] == "/cluster/envs"
    assert shlex.split(env["EXTRA_ARGS"]) == ["--quant-dir", "/x y"] and env["NUM_THREADS"] == "4"
    assert str(request.log_dir_cluster) == "/cluster/share/slurm/jobs/2026_11"
    assert request.log_dir_worker == tmp_path / "w" / "slurm" / "jobs" / "2026_11"
    assert not any(str(tmp_path) in value for value in env.values())


def test_settings_file_names_cannot_leave_their_folder(make_config, tmp_path):
    config = two_path_config(make_config, tmp_path)
    with pytest.raises(ValueError, match="single name"):
        build_job_request(config, raw_doc(), {**SETTINGS, "fasta_file_name": "../../etc/passwd"},
                          tmp_path / "w" / "output" / "o", NOW)


def test_job_names_are_plain_whatever_the_file_name():
    name = job_name("x$(id) `y`;'.raw", {"name": "fast v2"})
    assert re.fullmatch(r"ak_[A-Za-z0-9_.+-]+", name) and name.endswith("_fast_v2")


@pytest.mark.parametrize("mode", ["raise", "overwrite", "associate", "add"])
def test_output_folder_modes(tmp_path, mode):
    base = base_output_folder(tmp_path, "PRJ1", "r.raw", "alphadia")
    assert choose_output_folder(base, mode).path == base  # nothing there yet: every mode uses it
    base.mkdir(parents=True)
    (base / "stat.tsv").write_text("old")
    if mode == "raise":
        with pytest.raises(OutputFolderExistsError, match="already exists"):
            choose_output_folder(base, mode)
    elif mode == "overwrite":
        assert choose_output_folder(base, mode).path == base and not base.exists()
    elif mode == "associate":
        chosen = choose_output_folder(base, mode)
        assert chosen.associate and (chosen.path / "stat.tsv").exists()
    else:
        assert choose_output_folder(base, mode).path.name == "alphadia.run2"
        base.with_name("alphadia.run2").mkdir()
        assert choose_output_folder(base, mode).path.name == "alphadia.run3"


def test_follower_records_states_and_finishes_raw_files_whose_jobs_all_ended():
    docs = [
        {"_id": "new.raw", "quanting_jobs": [{"job_id": "3", "ended_at": None}, {"job_id": "4", "ended_at": None}]},
        {"_id": "old.raw", "quanting_jobs": [{"job_id": "1", "ended_at": None}]},
        {"_id": "assoc.raw", "quanting_jobs": [{"job_id": None, "ended_at": NOW}]},
    ]
    assert pending_job_ids(docs) == ["3", "4", "1"]
    states = {"3": JobState("3", "COMPLETED", 0, 0, 30), "4": JobState("4", "RUNNING", elapsed_s=31),
              "1": JobState("1", "TIMEOUT", 0, 15, 90)}
    result = apply_states(docs, states, NOW)
    assert [rid for rid, _, _ in result.finished] == ["old.raw", "assoc.raw"] and result.running == 1
    assert result.changed["new.raw"][0]["ended_at"] == NOW and result.changed["new.raw"][1]["ended_at"] is None
    assert result.changed["old.raw"][0]["state"] == "TIMEOUT"
    assert docs[0]["quanting_jobs"][0]["ended_at"] is None  # the input documents are not modified


def test_settings_lookup_reads_the_record(make_config, tmp_path, mongo_db):
    config = two_path_config(make_config, tmp_path)
    create_project(mongo_db, {"project_id": "PRJ1", "name": "Project 1"}, "test")
    common = {"software": "alphadia-2.3.0", "fasta_file_name": "human.fasta"}
    everywhere = create_settings_version(mongo_db, {"name": "std", **common}, "test")
    thermo = create_settings_version(mongo_db, {"name": "thermo", **common}, "test")
    vendors = {"thermo1": "thermo", "bruker1": "bruker", "sciex1": "sciex"}
    assign_settings(mongo_db, {"project_id": "PRJ1", "settings_id": everywhere["_id"]}, vendors, "test")
    assign_settings(mongo_db, {"project_id": "PRJ1", "settings_id": thermo["_id"], "scope_type": "vendor",
                               "scope": "thermo", "raw_file_id_exclude_filter": "blank"}, vendors, "test")
    names = lambda doc: [s["name"] for s in settings_for_raw_file(mongo_db, config, doc)]  # noqa: E731
    assert names(raw_doc()) == ["thermo"]
    assert names(raw_doc("20261102_PRJ1_blank.raw")) == ["std"]
    assert names(raw_doc(instrument_id="bruker1")) == ["std"]
    assert names(raw_doc(project_id="OTHER")) == []


def test_results_run_is_requested_again_while_the_raw_file_stays_quanting_then_given_up():
    from datetime import timedelta

    ended = [{"job_id": "1", "ended_at": NOW}]
    doc = {"_id": "x.raw", "quanting_jobs": ended}
    first = apply_states([doc], {}, NOW, retry_after_s=60, max_attempts=3).finished
    assert first == [("x.raw", "results:x.raw:1:1", 1)]
    doc["results_request"] = {"attempts": 1, "requested_at": NOW}
    assert apply_states([doc], {}, NOW + timedelta(seconds=59), retry_after_s=60).finished == []
    again = apply_states([doc], {}, NOW + timedelta(seconds=60), retry_after_s=60).finished
    assert again == [("x.raw", "results:x.raw:1:2", 2)]
    doc["results_request"]["attempts"] = 3
    late = apply_states([doc], {}, NOW + timedelta(seconds=60), retry_after_s=60, max_attempts=3)
    assert late.finished == [] and late.given_up == ["x.raw"]


def test_a_results_run_still_queued_or_running_is_waited_for_and_not_counted():
    from datetime import timedelta

    from kraken_core.quanting.job_follower import waiting_for_results

    doc = {"_id": "x.raw", "quanting_jobs": [{"job_id": "1", "ended_at": NOW}],
           "results_request": {"attempts": 3, "requested_at": NOW}}
    assert waiting_for_results([doc, {"_id": "new.raw"}]) == ["x.raw"]
    long_after = NOW + timedelta(hours=2)
    queued = apply_states([doc], {}, long_after, retry_after_s=60, max_attempts=3, in_flight={"x.raw"})
    assert queued.finished == [] and queued.given_up == []
    doc["results_request"]["attempts"] = 1
    assert apply_states([doc], {}, long_after, retry_after_s=60, in_flight={"x.raw"}).finished == []
    assert apply_states([doc], {}, long_after, retry_after_s=60).finished == [("x.raw", "results:x.raw:1:2", 2)]


def test_enabled_quanting_needs_the_cluster_and_its_folders(make_config):
    from pydantic import ValidationError

    with pytest.raises(ValidationError, match="ssh_hosts, ssh_user and known_hosts_file"):
        make_config(quanting={"enabled": True, "ssh_hosts": ["head1"]})
    with pytest.raises(ValidationError, match="locations.settings and locations.slurm"):
        make_config(quanting={"enabled": True, "ssh_hosts": ["head1"], "ssh_user": "k", "known_hosts_file": "/k"})
    with pytest.raises(ValidationError, match="host:port"):
        make_config(quanting={"ssh_hosts": ["head1:ssh"]})
