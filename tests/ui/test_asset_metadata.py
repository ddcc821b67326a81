"""What the Dagster UI shows for the foundation assets: file tables, key metrics as floats, the companion link."""

from urllib.parse import parse_qs, urlsplit

import dagster as dg
from starlette.testclient import TestClient

from kraken_assets.raw_file import raw_file
from kraken_assets.raw_file_backup import raw_file_backup
from kraken_core.record.connection import MongoSettings
from kraken_core.simulator import write_thermo
from kraken_core.watcher import InstrumentWatcher, WatcherState
from kraken_ui_ext.companion.app import build_app
from kraken_ui_ext.companion.settings import CompanionSettings
from kraken_ui_ext.links import companion_raw_file_url, dagster_partition_url
from kraken_ui_ext.metadata import key_metric_values, markdown_summary, url_links
from tests.conftest import config_dict
from tests.support.pipeline import materialize_partition, resources_for, write_config_file

COMPANION = "http://127.0.0.1:18050"


def test_materializations_link_to_the_companion_page_and_list_their_files(mounts, tmp_path, services, mongo_db,
                                                                          make_config, instance):
    config = make_config(companion_base_url=COMPANION)
    config_file = write_config_file(tmp_path / "alphakraken.yaml", {**config_dict(mounts), "companion_base_url": COMPANION})
    write_thermo(config.instrument_folder("thermo1"), "20240301_PRJ1_a b'c.raw", 1_000_000)
    watcher = InstrumentWatcher(mongo_db, config, "thermo1")
    state = watcher.tick(WatcherState(), now=1e9).state
    [finished] = watcher.tick(state, now=1e9 + 3600).finished
    rid = finished.raw_file_id

    result = materialize_partition([raw_file, raw_file_backup], rid,
                                   resources_for(config_file, services, mongo_db.name), instance)
    assert result.success
    for asset in ("raw_file", "raw_file_backup"):
        metadata = result.asset_materializations_for_node(asset)[0].metadata
        assert metadata["companion_page"].value == companion_raw_file_url(COMPANION, rid)
        [row] = metadata["files"].records
        assert row.data["file"] == rid and row.data["bytes"] == 1_000_000 and row.data["size"] == "977 KB"
        assert metadata["size"].value == "977 KB"  # in units beside the exact size_bytes

    settings = CompanionSettings(mongo=MongoSettings(database=mongo_db.name), webserver_base_url="http://dagster",
                                 instrument_vendors={"thermo1": "thermo"})
    page = TestClient(build_app(settings, mongo_db)).get(companion_raw_file_url("", rid))
    assert page.status_code == 200 and rid.replace("'", "&#39;") in page.text
    assert "http://dagster/assets/raw_file?view=partitions" in page.text


def test_key_metrics_go_in_as_floats_and_missing_values_are_left_out():
    values = key_metric_values({"proteins": 6123, "precursors": "51000", "fwhm_rt": float("nan"), "ms1_error": None})
    assert values == {"proteins": dg.MetadataValue.float(6123.0), "precursors": dg.MetadataValue.float(51000.0)}
    alphadia_names = key_metric_values({"optimization.ms1_error": 2.5, "raw.gradient_length_m": 44})
    assert alphadia_names == {"optimization:ms1_error": dg.MetadataValue.float(2.5),
                              "gradient_length": dg.MetadataValue.float(44.0)}
    older_names = key_metric_values({"ms1_error": 2.5, "optimization:ms2_error": 6.0})
    assert older_names == {"optimization:ms1_error": dg.MetadataValue.float(2.5),
                           "optimization:ms2_error": dg.MetadataValue.float(6.0)}


def test_summary_and_links_leave_out_what_is_unknown():
    summary = markdown_summary("job 42 | done", {"proteins": 6123, "output": None}, note="see the log")
    assert summary.value == "**job 42 \\| done**\n\n- proteins: 6123\n\nsee the log"
    assert url_links(s3_url="https://s3/x", companion_page=None) == {"s3_url": dg.MetadataValue.url("https://s3/x")}


def test_partition_links_survive_names_with_spaces_quotes_and_shell_characters():
    raw_file_id = "20240301_PRJ1_a b'c$(id);`x`.raw"
    url = dagster_partition_url("http://127.0.0.1:3000/", raw_file_id, "raw_file_backup")
    parts = urlsplit(url)
    assert parts.path == "/assets/raw_file_backup"
    assert parse_qs(parts.query) == {"view": ["partitions"], "partition": [raw_file_id]}
    assert " " not in url and "'" not in url and "+" not in url
