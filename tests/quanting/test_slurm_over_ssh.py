"""Real sbatch over real SSH on the test cluster: submit, follow, parse; hostile names; failover; host keys."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from kraken_core import slurm
from kraken_core.quanting.metrics import alphadia
from kraken_core.quanting.job_request import build_job_request, raw_file_cluster_path
from kraken_core.quanting.outcome import classify
from kraken_core.quanting.output_folder import base_output_folder
from kraken_core.raw_file_backup import RawFileLocation, backup_base_path
from kraken_core.statuses import RawFileStatus
from kraken_resources.slurm import build_slurm_resource
from kraken_resources.ssh import SshCommandError, SshResource, SshUnavailableError
from tests.support.platform import free_port
from tests.support.quanting import wait_for_job_end, SOFTWARE, place_backed_up_raw_file, write_settings_files

SETTINGS = {
    "_id": "s1", "name": "fast", "version": 1, "software": SOFTWARE, "software_type": "alphadia",
    "config_file_name": "config.yaml", "speclib_file_name": "library.speclib.hdf", "fasta_file_name": "human.fasta",
    "config_params": "--quant-dir 'a b'", "num_threads": 2, "slurm_cpus_per_task": 1, "slurm_mem": "200M",
    "slurm_time": "00:05:00",
}



def _submit(config, cluster, doc):
    output = base_output_folder(config.locations.output.path, "PRJ1", doc["_id"], "alphadia")
    request = build_job_request(config, doc, SETTINGS, output, datetime.now(UTC))
    return request, cluster.submit(request)


def test_job_runs_on_cluster_paths_and_its_output_parses(quant_config, cluster_layout):
    config = quant_config()
    write_settings_files(cluster_layout, "fast")
    doc = place_backed_up_raw_file(config, "20261102_PRJ1_sample1.raw")
    with build_slurm_resource(config).session() as cluster:
        request, job_id = _submit(config, cluster, doc)
        state = wait_for_job_end(cluster, job_id)
        by_sacct = slurm.parse_sacct(cluster.ssh.run(slurm.sacct_command([job_id])).stdout)
    assert str(raw_file_cluster_path(config, doc)).startswith(str(cluster_layout.cluster_root))
    log = next(request.log_dir_worker.glob(f"*-{job_id}.out")).read_text()
    assert state.state == "COMPLETED", log
    assert by_sacct[job_id].state == "COMPLETED"
    assert f"raw file:    {cluster_layout.cluster('backup')}" in log
    assert str(cluster_layout.worker_root) not in log
    extra = (request.output_worker / "log.txt").read_text()
    assert '"--quant-dir", "a b"' in extra and '"thread_count": 2' in extra
    outcome = classify(state=state.state, exit_code=state.exit_code, output=request.output_worker, job_log=log,
                       job_id=job_id)
    assert outcome.status == RawFileStatus.DONE
    metrics = alphadia.read_metrics(request.output_worker)
    assert metrics["precursors"] == 4 and metrics["gradient_length"] == 21.0
    assert metrics["fwhm_mobility"] is None


def test_job_handed_a_worker_path_fails(quant_config, cluster_layout):
    """The cluster cannot see the workers' paths: a mix-up is a failed job, not a silent success."""
    config = quant_config()
    write_settings_files(cluster_layout, "fast")
    doc = place_backed_up_raw_file(config, "20261102_PRJ1_mixup.raw")
    with build_slurm_resource(config).session() as cluster:
        output = base_output_folder(config.locations.output.path, "PRJ1", doc["_id"], "alphadia")
        request = build_job_request(config, doc, SETTINGS, output, datetime.now(UTC))
        worker_raw = str(backup_base_path(config, RawFileLocation.from_doc(doc)) / doc["_id"])
        request.environment["RAW_FILE_PATH"] = worker_raw
        state = wait_for_job_end(cluster, cluster.submit(request))
    assert state.state == "FAILED" and state.exit_code == 66


def test_hostile_file_name_runs_no_foreign_command(quant_config, cluster_layout, services):
    config = quant_config()
    write_settings_files(cluster_layout, "fast")
    name = "x$(touch pwned1)`touch pwned2`'\";touch pwned3;\".raw"
    doc = place_backed_up_raw_file(config, name)
    with build_slurm_resource(config).session() as cluster:
        request, job_id = _submit(config, cluster, doc)
        state = wait_for_job_end(cluster, job_id)
        home = cluster.ssh.run("echo $HOME").stdout.strip()
        leftovers = cluster.ssh.run(
            f"find {cluster_layout.cluster_root} {home} /tmp -maxdepth 6 -name 'pwned*' 2>/dev/null", check=False
        ).stdout
    assert state.state == "COMPLETED"
    assert leftovers.strip() == ""
    assert f"file: {cluster_layout.cluster('backup')}" in (request.output_worker / "log.txt").read_text()
    assert name in (request.output_worker / "log.txt").read_text()


def test_failover_to_second_head_node(quant_config, cluster_layout, services):
    down = f"127.0.0.1:{free_port()}"
    config = quant_config(hosts=[down, f"127.0.0.1:{services['SSH_PORT']}"])
    with build_slurm_resource(config).session() as cluster:
        assert cluster.ssh.host.endswith(services["SSH_PORT"])
        assert cluster.ssh.run("id -un").stdout.strip() == services["SSH_USER"]


def test_all_head_nodes_down_names_them(services):
    ports = [free_port(), free_port()]
    ssh = SshResource(hosts=[f"127.0.0.1:{p}" for p in ports], user="krakentest", key_file=services["SSH_KEY_PATH"],
                      known_hosts_file=services["SSH_KNOWN_HOSTS"], retries=0, connect_timeout_s=2)
    with pytest.raises(SshUnavailableError) as err:
        with ssh.session():
            pass
    assert all(str(p) in str(err.value) for p in ports)


def test_password_login_and_secret_not_in_errors(services):
    password = Path(services["SSH_PASSWORD_FILE"]).read_text().strip()
    ssh = SshResource(hosts=[f"127.0.0.1:{services['SSH_PORT']}"], user=services["SSH_USER"], password=password,
                      known_hosts_file=services["SSH_KNOWN_HOSTS"], retries=0)
    with ssh.session() as session:
        assert session.run("id -un").stdout.strip() == services["SSH_USER"]
    wrong = ssh.model_copy(update={"password": password + "x"})
    with pytest.raises(SshUnavailableError) as err:
        with wrong.session():
            pass
    assert "authentication" in str(err.value) and password not in str(err.value)


def test_unknown_host_key_is_refused(services, tmp_path):
    other = tmp_path / "known_hosts"
    other.write_text(
        f"[127.0.0.1]:{services['SSH_PORT']} ssh-ed25519 "
        "AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl\n"
    )
    empty = tmp_path / "empty_known_hosts"
    empty.write_text("")
    for known_hosts, problem in ((other, "host key does not match"), (empty, "not found in known_hosts")):
        ssh = SshResource(hosts=[f"127.0.0.1:{services['SSH_PORT']}"], user=services["SSH_USER"],
                          key_file=services["SSH_KEY_PATH"], known_hosts_file=str(known_hosts), retries=0)
        with pytest.raises(SshUnavailableError) as err:
            with ssh.session():
                pass
        assert problem in str(err.value)


def test_stale_job_script_is_replaced_before_submission(quant_config, cluster_layout):
    config = quant_config()
    write_settings_files(cluster_layout, "fast")
    doc = place_backed_up_raw_file(config, "20261102_PRJ1_stale.raw")
    script = cluster_layout.worker("slurm") / "submit_job.sh"
    with build_slurm_resource(config).session() as cluster:
        cluster.install_job_script()
        script.write_text("#!/bin/bash\necho tampered; exit 5\n")
        _, job_id = _submit(config, cluster, doc)
        state = wait_for_job_end(cluster, job_id)
        unknown = cluster.job_states(["999999"])["999999"]
    assert state.state == "COMPLETED"
    assert "tampered" not in script.read_text()
    assert unknown.state == slurm.UNKNOWN


def test_command_timeout_names_host_and_command(services):
    ssh = SshResource(hosts=[f"127.0.0.1:{services['SSH_PORT']}"], user=services["SSH_USER"],
                      key_file=services["SSH_KEY_PATH"], known_hosts_file=services["SSH_KNOWN_HOSTS"],
                      command_timeout_s=1)
    with ssh.session() as session, pytest.raises(SshCommandError) as err:
        session.run("sleep 5")
    assert "sleep 5" in str(err.value) and services["SSH_PORT"] in str(err.value)
