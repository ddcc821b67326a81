"""The annotations CLI on the real test MongoDB: an operator records a column change, lists and deletes it; bad
input is refused with what to change and nothing is written."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_record_list_and_delete_instrument_events(mongo_db, services, tmp_path):
    env = {**os.environ, "ENV": "test", "MOUNTS_PATH": str(tmp_path), "MONGO_HOST": services["MONGO_HOST"],
           "MONGO_PORT": services["MONGO_PORT"], "MONGO_DB": mongo_db.name}

    def cli(*args):
        return subprocess.run([sys.executable, "-m", "kraken_core.record.annotations_cli", *args], cwd=ROOT,
                              env=env, capture_output=True, text=True, timeout=60)

    added = cli("add", "thermo1", "column_change", "--at", "2026-03-02T13:30", "--text", "new 25 cm column",
                "--by", "ana")
    assert added.returncode == 0, added.stderr
    assert "2026-03-02 13:30 UTC\tthermo1\tcolumn_change\tnew 25 cm column\tstarts a new QC baseline" in added.stdout
    assert cli("add", "thermo1", "source_cleaning", "--at", "2026-03-01T09:00+01:00").returncode == 0
    [doc] = mongo_db.instrument_annotation.find({"kind": "column_change"})
    assert (doc["instrument_id"], doc["created_by"], doc["text"]) == ("thermo1", "ana", "new 25 cm column")

    listed = cli("list", "thermo1").stdout.splitlines()
    assert [line.split("\t")[3] for line in listed] == ["source_cleaning", "column_change"]  # oldest first
    assert "2026-03-01 08:00 UTC" in listed[0] and "baseline" not in listed[0]

    note = cli("add", "thermo1", "note")
    assert note.returncode == 1 and "a note needs its text" in note.stderr
    unknown = cli("add", "orbi9", "calibration")
    assert unknown.returncode == 1 and "instrument 'orbi9' is not configured" in unknown.stderr
    assert cli("add", "thermo1", "column_change", "--at", "yesterday").returncode == 2
    assert mongo_db.instrument_annotation.count_documents({}) == 2

    assert cli("delete", listed[0].split("\t")[0]).returncode == 0
    assert cli("list", "thermo1").stdout.count("\n") == 1
    missing = cli("delete", listed[0].split("\t")[0])
    assert missing.returncode == 1 and "no annotation with id" in missing.stderr
