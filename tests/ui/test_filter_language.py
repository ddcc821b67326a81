"""AlphaKraken's filter language: every operator and every error (fast tier), and MongoDB answering the same
rows as the Python matching on the real test server."""

from datetime import UTC, datetime, timedelta

import pytest

from kraken_ui_ext.filter_language import FilterError, parse_filter, parse_filter_leniently

NOW = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)


def _doc(name: str, instrument: str = "astral1", status: str = "done", **fields):
    return {"_id": name, "instrument_id": instrument, "project_id": fields.pop("project", "P123"), "status": status,
            "status_details": fields.pop("details", None), "size": fields.pop("size", 2_400_000_000),
            "created_at": fields.pop("created_at", NOW - timedelta(hours=2)),
            "updated_at_": fields.pop("updated_at_", NOW - timedelta(hours=1)), **fields}


DOCS = [
    _doc("20261130_astral1_P123_HeLa_5ng_01.raw"),
    _doc("20261130_astral1_P123_plasma_02.raw", status="done_not_quanted", size=900_000_000),
    _doc("20261130_tims1_P9_HeLa_03.d", instrument="tims1", project="P9", status="quanting_failed",
         details="TOO_FEW_PSM: alphadia found too few PSMs"),
    _doc("20261130_zeno1_P9_blank_04.wiff", instrument="zeno1", project="P9", status="quanting"),
]
METRICS = {
    DOCS[0]["_id"]: {"proteins": 6200, "precursors": 52000, "optimization.ms1_error": 2.5, "settings_name": "hela",
                     "settings_version": 2},
    DOCS[1]["_id"]: {"proteins": 4100, "precursors": 38000, "ms1_error": 4.1, "settings_name": "plasma",
                     "settings_version": 1},
}


def _names(text: str) -> list[str]:
    parsed = parse_filter(text)
    return [d["_id"] for d in DOCS if parsed.matches(d, METRICS.get(d["_id"]))]


def test_a_term_without_a_column_searches_name_instrument_project_status_and_details():
    assert _names("hela") == [DOCS[0]["_id"], DOCS[2]["_id"]]
    assert _names("tims1") == [DOCS[2]["_id"]]
    assert _names("too_few") == [DOCS[2]["_id"]]
    assert _names("quanting") == [DOCS[2]["_id"], DOCS[3]["_id"]]  # quanting_failed and quanting


def test_terms_are_case_insensitive_regular_expressions():
    assert _names("HELA_5NG") == [DOCS[0]["_id"]]
    assert _names(r"_0[34]\.") == [DOCS[2]["_id"], DOCS[3]["_id"]]
    assert _names("AlKr(.*)5ng") == [] and _names("astral1(.*)5ng") == [DOCS[0]["_id"]]


def test_and_joins_terms_and_bang_negates_one():
    assert _names("astral1 & !hela") == [DOCS[1]["_id"]]
    assert _names("!hela & !plasma") == [DOCS[3]["_id"]]
    assert _names("hela & & tims1") == [DOCS[2]["_id"]]  # an empty term is skipped


def test_a_column_term_searches_only_that_column_and_status_is_a_regex_as_in_alphakraken():
    assert _names("status=done") == [DOCS[0]["_id"], DOCS[1]["_id"]]  # done_not_quanted matches too
    assert _names("status=^done$") == [DOCS[0]["_id"]]
    assert _names("instrument=zeno") == [DOCS[3]["_id"]]
    assert _names("project_id=p9 & !status=failed") == [DOCS[3]["_id"]]
    assert _names("status_details=psm") == [DOCS[2]["_id"]]
    assert _names("raw_file=\\.d$") == [DOCS[2]["_id"]]


def test_metric_ranges_include_both_ends_and_never_hold_for_a_missing_value():
    assert _names("precursors=[40000,60000]") == [DOCS[0]["_id"]]
    assert _names("proteins=[4100,6200]") == [DOCS[0]["_id"], DOCS[1]["_id"]]
    assert _names("proteins=[4101, 6199]") == []
    assert _names("proteins=[5000,]") == [DOCS[0]["_id"]]
    assert _names("proteins=[,5000]") == [DOCS[1]["_id"]]
    # a negated range keeps the rows outside it and the rows without the metric
    assert _names("!proteins=[5000,7000]") == [DOCS[1]["_id"], DOCS[2]["_id"], DOCS[3]["_id"]]


def test_a_metric_is_found_under_any_of_its_names():
    # AlphaKraken's name, its webapp's column name and AlphaDIA's dotted name read the same values
    for name in ("optimization:ms1_error", "ms1_error", "optimization.ms1_error", "MS1_ERROR"):
        assert _names(f"{name}=[2,3]") == [DOCS[0]["_id"]], name


def test_size_settings_and_times_are_columns_too():
    assert _names("size_gb=[0,1]") == [DOCS[1]["_id"]]
    assert _names("settings_version=2") == [DOCS[0]["_id"]]
    assert _names("settings=plasma") == [DOCS[1]["_id"]]
    assert _names("file_created=2026-11-30 10:") == [d["_id"] for d in DOCS]
    assert _names("lag=[50,70]") == [DOCS[0]["_id"], DOCS[1]["_id"], DOCS[2]["_id"]]  # quanting has no lag yet


def test_alphakraken_url_stand_ins_read_as_and_and_equals():
    assert parse_filter("astral1_AND_status_IS_done").terms == parse_filter("astral1 & status=done").terms


@pytest.mark.parametrize(("text", "named"), [
    ("proteins=[1,2", "not a valid regular expression"),  # not a range: a regex with an open bracket
    ("hela & (unclosed", "'(unclosed': '(unclosed' is not a valid regular expression"),
    ("staus=done", "unknown column 'staus'"),
    ("=done", "no column before '='"),
    ("status=", "nothing to search for after 'status='"),
    ("!", "nothing to search for"),
    ("proteins=[a,5]", "the low end 'a' of the range is not a number"),
    ("proteins=[1,nan]", "not a finite number"),
    ("proteins=[1,2,3]", "one comma"),
    ("proteins=[9,1]", "the low end 9 is above the high end 1"),
    ("[1,2]", "a range needs a column"),
    ("status=[1,2]", "status is text"),
    ("x" * 1001, "at most 1000"),
])
def test_every_error_names_the_bad_term(text, named):
    with pytest.raises(FilterError) as raised:
        parse_filter(text)
    assert named in str(raised.value)


def test_every_bad_term_is_named_and_the_lenient_parse_keeps_the_good_ones():
    with pytest.raises(FilterError) as raised:
        parse_filter("hela & staus=done & proteins=[x,1]")
    assert len(raised.value.problems) == 2
    parsed, problems = parse_filter_leniently("hela & staus=done")
    assert [t.text for t in parsed.terms] == ["hela"] and "staus" in problems[0]


def test_mongo_query_holds_the_record_terms_and_residual_the_rest():
    parsed = parse_filter("astral1 & !status=failed & size_gb=[1,] & proteins=[5000,]")
    assert parsed.mongo_query() == {"$and": [
        {"$or": [{f: {"$regex": "astral1", "$options": "i"}}
                 for f in ("_id", "instrument_id", "project_id", "status", "status_details")]},
        {"$nor": [{"status": {"$regex": "failed", "$options": "i"}}]},
        {"size": {"$gte": 1e9}},
    ]}
    assert [t.text for t in parsed.residual.terms] == ["proteins=[5000,]"]
    assert [t.text for t in parsed.record_part.terms] == ["astral1", "!status=failed", "size_gb=[1,]"]
    assert parsed.needs_metrics and not parse_filter("hela").needs_metrics
    assert parse_filter("").mongo_query() == {} and not parse_filter("  ")


@pytest.mark.parametrize("text", ["hela", "!hela", "status=^done$", "!status=failed", "project=p9 & tims",
                                  "size_gb=[1,3]", "!size_gb=[1,3]", "status_details=psm", "!status_details=psm",
                                  "raw_file=\\.(d|wiff)$", "astral1 & !plasma", "proteins=[5000,] & astral"])
def test_mongodb_answers_the_same_rows_as_the_python_matching(mongo_db, text):
    mongo_db.raw_file.insert_many([dict(d) for d in DOCS])
    parsed = parse_filter(text)
    from_mongo = sorted(d["_id"] for d in mongo_db.raw_file.find(parsed.mongo_query(), {"_id": 1, "status": 1,
                                                                                         "created_at": 1})
                        if parsed.residual.matches(d, METRICS.get(d["_id"])))
    assert from_mongo == sorted(_names(text))
