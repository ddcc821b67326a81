"""Slurm command lines (quoted for the remote shell) and the parsing of scontrol / sacct answers."""

from __future__ import annotations

import shlex
import subprocess

import pytest

from kraken_core import slurm

SCONTROL = (
    "JobId=12 JobName=ak_x UserId=krakentest(1001) GroupId=krakentest(1001) JobState=COMPLETED Reason=None "
    "Dependency=(null) ExitCode=0:0 RunTime=00:01:05 TimeLimit=00:05:00 TRES=cpu=1,mem=200M,node=1 "
    "WorkDir=/some dir/with spaces StdOut=/x/ak_x-12.out\n"
    "JobId=13 JobName=ak_y JobState=TIMEOUT Reason=TimeLimit ExitCode=0:15 RunTime=1-02:00:03 TimeLimit=1-02:00:00\n"
    "JobId=14 JobName=ak_z JobState=RUNNING Reason=None ExitCode=0:0 RunTime=00:00:02\n"
)


def test_scontrol_lines_parse_to_states():
    states = slurm.parse_scontrol(SCONTROL)
    assert states["12"] == slurm.JobState("12", "COMPLETED", 0, 0, 65, "None")
    assert states["13"].state == "TIMEOUT" and states["13"].elapsed_s == 86400 + 7203 and states["13"].ended
    assert not states["14"].ended
    assert slurm.parse_scontrol("No jobs in the system\n") == {}


def test_sacct_lines_parse_to_states():
    states = slurm.parse_sacct("5|FAILED|3:0|00:00:01\n4|CANCELLED by 0|0:0|00:01:27\njunk\n")
    assert states["5"].exit_code == 3 and states["4"].state == "CANCELLED" and states["4"].elapsed_s == 87


def test_sbatch_output_and_bad_ids():
    assert slurm.parse_sbatch("123\n") == "123" and slurm.parse_sbatch("77;cluster\n") == "77"
    with pytest.raises(ValueError):
        slurm.parse_sbatch("Submitted batch job 5; rm -rf /")
    with pytest.raises(ValueError):
        slurm.sacct_command(["1", "2;reboot"])


def test_sbatch_command_quotes_every_value_for_the_shell(tmp_path):
    hostile = "x$(touch pwned)`id`'\";ls;.raw"
    command = slurm.sbatch_command(
        "/cluster/slurm/submit_job.sh", environment={"RAW_FILE_PATH": f"/cluster/backup/{hostile}"},
        job_name="ak_x", cpus_per_task=2, mem="200M", time="00:05:00", log_dir="/cluster/slurm/jobs/2026_11",
    )
    # a shell parses it back into exactly the words intended, nothing executed
    words = shlex.split(command.split(" && ", 1)[1])
    assert words[:2] == ["env", f"RAW_FILE_PATH=/cluster/backup/{hostile}"]
    assert words[2:4] == ["sbatch", "--parsable"] and words[-1] == "/cluster/slurm/submit_job.sh"
    # run through a real shell, with sbatch replaced by printenv: the job sees the name verbatim, nothing ran
    printed = subprocess.run(["bash", "-c", command.replace("sbatch", "printenv RAW_FILE_PATH; true", 1)
                              .replace("mkdir -p", "true", 1)], cwd=tmp_path, capture_output=True, text=True)
    assert printed.stdout.splitlines()[0] == f"/cluster/backup/{hostile}"
    assert not list(tmp_path.iterdir())
    with pytest.raises(ValueError):
        slurm.sbatch_command("s", environment={"A;B": "x"}, job_name="j", cpus_per_task=1, mem="1G", time="1",
                             log_dir="/l")
