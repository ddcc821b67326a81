"""AlphaKraken's metric names, and the older names that read as the same metric (no service needed)."""

from kraken_core.config.monitoring import MetricBounds
from kraken_core.monitoring.quality_bounds import metrics_outside_bounds
from kraken_core.quanting.metric_names import alphakraken_name, legacy_names_of, renames, with_alphakraken_names
from kraken_core.record.migrate import migrated_assignments, migrated_metrics, migrated_settings


def test_every_older_name_maps_to_alphakrakens_name():
    assert alphakraken_name("ms1_error") == "optimization:ms1_error"
    assert alphakraken_name("optimization.ms1_error") == "optimization:ms1_error"
    assert alphakraken_name("calibration.ms2_median_accuracy") == "calibration:ms2_bias"
    assert alphakraken_name("pg_intensity_sum") == "pg:intensity_sum"
    assert alphakraken_name("precursor_charge_mean") == "precursor:charge_mean"
    assert alphakraken_name("precursor_sequence_len_std") == "precursor:sequence_len_std"
    assert alphakraken_name("raw.gradient_length_m") == "gradient_length"
    for unchanged in ("proteins", "precursors", "fwhm_rt", "gradient_length", "precursor_intensity_median",
                      "time_elapsed", "weighted_ms1_intensity_sum", "raw_file", "settings_name", "created_at_"):
        assert alphakraken_name(unchanged) == unchanged
    assert set(legacy_names_of("optimization:ms1_error")) == {"ms1_error", "optimization.ms1_error"}
    assert renames(["proteins", "ms2_bias"]) == {"ms2_bias": "calibration:ms2_bias"}


def test_reading_under_new_names_prefers_a_value_under_the_new_name():
    doc = {"raw_file": "r", "ms1_error": 1.0, "optimization:ms1_error": 2.0, "ms2_error": 3.0,
           "optimization:ms2_error": None, "proteins": 10}
    assert with_alphakraken_names(doc) == {"raw_file": "r", "optimization:ms1_error": 2.0,
                                           "optimization:ms2_error": 3.0, "proteins": 10}


def test_quality_bounds_hold_under_either_name():
    bounds = {"optimization:ms1_error": MetricBounds(max=5.0), "ms2_bias": MetricBounds(min=-1.0)}
    assert metrics_outside_bounds({"ms1_error": 7.0, "calibration:ms2_bias": -0.5}, bounds) == [
        "optimization:ms1_error = 7, above the ceiling 5"]
    assert metrics_outside_bounds({"optimization:ms1_error": 2.0, "ms2_bias": -2.0}, bounds) == [
        "ms2_bias = -2, below the floor -1"]


def test_migrating_a_document_twice_changes_it_once():
    doc = {"_id": 1, "raw_file": "r", "ms1_error": 1.0, "proteins": 5}
    once = migrated_metrics(doc)
    assert once == {"_id": 1, "raw_file": "r", "optimization:ms1_error": 1.0, "proteins": 5}
    assert migrated_metrics(once) is None
    ours = {"_id": 2, "project_id": "P", "project": "P", "settings": "s-v1", "scopes": ["*"], "excluded_scopes": [],
            "raw_file_id_filter": [], "raw_file_id_exclude_filter": []}
    [assignment] = migrated_assignments(ours)
    assert assignment == {"_id": 2, "project": "P", "settings": "s-v1", "scope": "*", "excluded": [],
                          "raw_file_id_filter": "", "raw_file_id_exclude_filter": []}
    assert migrated_assignments(assignment) is None
    numbers = iter(range(7, 100))
    settings = migrated_settings({"_id": "s-v1", "name": "s", "version": 1, "status": "archived"}, numbers)
    assert (settings["status"], settings["number"], settings["metrics_type"]) == ("inactive", 7, "alphadia")
    assert migrated_settings(settings, numbers) is None


def test_companion_links_with_older_metric_names_show_the_same_metric():
    from kraken_ui_ext.companion.overview import OverviewFilters
    from kraken_ui_ext.companion.trends import TrendFilters

    assert TrendFilters.from_query({"metric": "ms1_error"}).metric.name == "optimization:ms1_error"
    assert TrendFilters.from_query({"metric": "calibration:ms2_bias"}).metric.name == "calibration:ms2_bias"
    assert OverviewFilters.from_query({"sort": "ms2_error"}).sort == "optimization:ms2_error"
    assert OverviewFilters.from_query({"sort": "instrument"}).sort == "instrument"
