"""The REST API over HTTP (in-process) on a seeded record: every endpoint, its paging, its filters, its refusals,
and every answer checked against the schema the OpenAPI document publishes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from urllib.parse import quote

import jsonschema
import pytest

from kraken_core.record.api_reads import equal
from kraken_ui_ext.companion.record_views import status_matches

API = "/api/v1"


def _validator(api, schema: str) -> jsonschema.Draft202012Validator:
    document = api.get(f"{API}/openapi.json").json()
    return jsonschema.Draft202012Validator({"components": document["components"],
                                            "$ref": f"#/components/schemas/{schema}"},
                                           format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER)


def _get(api, path: str, schema: str | None = None, expect: int = 200, **params):
    response = api.get(f"{API}{path}", params=params)
    assert response.status_code == expect, response.text
    assert response.headers["content-type"].startswith("application/json")
    body = response.json()
    if schema:
        _validator(api, schema).validate(body)
    return body


def _newest_first(db, keep=lambda doc: True) -> list[str]:
    """The ground truth: every raw file the filter keeps, newest acquisition first."""
    docs = sorted(db.raw_file.find({}, {"created_at": 1, "status": 1, "instrument_id": 1, "project_id": 1}),
                  key=lambda d: d["created_at"], reverse=True)
    return [d["_id"] for d in docs if keep(d)]


def test_the_openapi_document_and_the_docs_page_are_served_to_anyone(api):
    anonymous = {"Authorization": ""}
    document = api.get(f"{API}/openapi.json", headers=anonymous).json()
    assert document["openapi"] == "3.1.0"
    assert set(document["paths"]) == {"/health", "/raw_files", "/raw_files/{raw_file_id}",
                                      "/raw_files/{raw_file_id}/metrics", "/instruments", "/qc/status", "/annotations"}
    raw_files = document["paths"]["/raw_files"]["get"]
    names = {p["name"] for p in raw_files["parameters"]}
    assert {"instrument_id", "project_id", "status", "filter", "date_from", "date_to", "limit", "offset"} <= names
    limit = next(p for p in raw_files["parameters"] if p["name"] == "limit")
    assert limit["schema"]["maximum"] == 1000 and set(raw_files["responses"]) >= {"200", "400", "401"}
    jsonschema.Draft202012Validator.check_schema({"components": document["components"]})
    behind_nginx = api.get(f"{API}/openapi.json", headers={**anonymous, "X-Forwarded-Prefix": "/companion"}).json()
    assert behind_nginx["servers"] == [{"url": "/companion/api/v1"}]
    page = api.get(f"{API}/docs", headers=anonymous)
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert all(f"GET {path}" in page.text for path in document["paths"]) and "<script" not in page.text


def test_health_answers_without_an_account(api):
    body = api.get(f"{API}/health", headers={"Authorization": ""}).json()
    assert body["status"] == "ok" and body["record"] == "reachable" and body["time"].endswith("Z")


def test_raw_files_come_newest_first_in_pages_that_add_up_to_the_selection(api, api_record):
    expected = _newest_first(api_record, lambda d: d["instrument_id"] == "thermo1")
    seen, offset = [], 0
    while offset is not None:
        page = _get(api, "/raw_files", "RawFilePage", instrument_id="thermo1", limit=37, offset=offset,
                    include_metrics="false")
        assert page["total"] == len(expected) and page["count"] == len(page["data"]) <= 37
        seen += [d["id"] for d in page["data"]]
        offset = page["next_offset"]
    assert seen == expected
    assert _get(api, "/raw_files/", limit=3)["count"] == 3  # AlphaKraken's path, with its slash
    first = _get(api, "/raw_files", "RawFilePage", limit=1000)
    assert first["total"] == 300 and first["count"] == 300 and first["next_offset"] is None
    assert first["data"][0]["created_at"].endswith("Z") and "file_info" not in first["data"][0]


def test_metrics_come_with_each_raw_file_under_alphakraken_names(api, api_record):
    page = _get(api, "/raw_files", "RawFilePage", status="done", limit=20)
    assert page["total"] == api_record.raw_file.count_documents(equal(status="done"))
    for raw_file in page["data"]:
        assert raw_file["status"] == "done" and len(raw_file["metrics"]) == 1
        metrics = raw_file["metrics"][0]
        assert metrics["settings_name"] in ("hela_standard", "plasma") and "optimization:ms1_error" in metrics
        assert "optimization.ms1_error" not in metrics and "_id" not in metrics


def test_the_overview_filters_select_the_same_raw_files(api, api_record):
    failed = _get(api, "/raw_files", "RawFilePage", status="failed", limit=1000)
    truth = _newest_first(api_record, lambda d: status_matches(d.get("status"), "failed"))
    assert [d["id"] for d in failed["data"]] == truth and failed["total"] == len(truth)
    second = _get(api, "/raw_files", status="failed", limit=5, offset=5, include_metrics="false")
    assert [d["id"] for d in second["data"]] == truth[5:10] and second["next_offset"] == 10
    walked = _get(api, "/raw_files", "RawFilePage", status="failed", filter="thermo1", limit=1000)
    thermo = [rid for rid in truth if "thermo1" in rid]
    assert [d["id"] for d in walked["data"]] == thermo and walked["total"] is None
    counted = _get(api, "/raw_files", status="failed", filter="thermo1", limit=2, count="true")
    assert counted["total"] == len(thermo) and counted["count"] == 2 and counted["next_offset"] == 2
    hela = _get(api, "/raw_files", "RawFilePage", filter="hela&!status=done", limit=1000, include_metrics="false")
    assert hela["data"] and all("hela" in d["id"].lower() and "done" not in d["status"] for d in hela["data"])
    ranged = _get(api, "/raw_files", filter="proteins=[6000,6400]", instrument="thermo1", limit=1000)
    assert ranged["data"] and all(6000 <= d["metrics"][0]["proteins"] <= 6400 for d in ranged["data"])
    named = _get(api, "/raw_files", name_contains="HELA_HeLa", limit=1000, include_metrics="false")
    assert named["data"] and all("hela_hela" in d["id"].lower() for d in named["data"])


def test_time_bounds_include_both_ends(api, api_record):
    truth = _newest_first(api_record)
    docs = {d["_id"]: d["created_at"] for d in api_record.raw_file.find({}, {"created_at": 1})}
    newest, oldest = docs[truth[40]], docs[truth[59]]
    stamp = lambda t: t.astimezone(UTC).isoformat().replace("+00:00", "Z")  # noqa: E731
    page = _get(api, "/raw_files", "RawFilePage", date_from=stamp(oldest), date_to=stamp(newest),
                include_metrics="false")
    assert [d["id"] for d in page["data"]] == truth[40:60] and page["total"] == 20
    recent = _get(api, "/raw_files", max_age_days="0.1", include_metrics="false")  # 2.4 h: 16 files, 9 min apart
    assert recent["total"] == sum(1 for t in docs.values() if t >= datetime.now(UTC) - timedelta(hours=2.4))


@pytest.mark.parametrize(("params", "parameter", "says"), [
    ({"limit": "0"}, "limit", "from 1 to 1000"),
    ({"limit": "1001"}, "limit", "from 1 to 1000"),
    ({"limit": "ten"}, "limit", "an integer"),
    ({"offset": "-1"}, "offset", "from 0"),
    ({"instrument": "thermo1", "instrument_id": "thermo1"}, "instrument_id", "more than once"),
    ({"sort": "size"}, "sort", "unknown parameter"),
    ({"date_from": "yesterday"}, "date_from", "ISO 8601"),
    ({"date_from": "2026-03-02", "date_to": "2026-03-01"}, "date_from", "after date_to"),
    ({"status": "finished"}, "status", "unknown status"),
    ({"filter": "precursors=[a,5]"}, "filter", "not a number"),
    ({"include_metrics": "maybe"}, "include_metrics", "true or false"),
])
def test_bad_parameters_are_refused_by_name(api, params, parameter, says):
    body = _get(api, "/raw_files", "Error", expect=400, **params)
    assert body["error"] == "bad_parameter" and body["parameter"] == parameter and says in body["detail"]


def test_the_largest_page_is_served(api):
    assert _get(api, "/raw_files", limit="1000", include_metrics="false")["count"] == 300


def test_one_raw_file_and_its_metrics(api, api_record):
    done = api_record.raw_file.find_one(equal(status="done", instrument_id="bruker1"))
    body = _get(api, f"/raw_files/{quote(done['_id'])}", "RawFile")
    assert body["id"] == done["_id"] and "file_info" in body and len(body["metrics"]) == 1
    lean = _get(api, f"/raw_files/{quote(done['_id'])}", include_metrics="false", include_file_info="false")
    assert "metrics" not in lean and "file_info" not in lean
    metrics = _get(api, f"/raw_files/{quote(done['_id'])}/metrics", "MetricsPage")
    assert metrics["raw_file"] == done["_id"] and metrics["total"] == 1
    assert metrics["data"][0]["proteins"] == body["metrics"][0]["proteins"]
    missing = _get(api, "/raw_files/no_such_file.raw", "Error", expect=404)
    assert missing["error"] == "not_found" and "no_such_file.raw" in missing["detail"]
    assert _get(api, "/raw_files/no_such_file.raw/metrics", expect=404)["error"] == "not_found"
    assert _get(api, "/no_such_endpoint", expect=404)["error"] == "not_found"


def test_instruments_with_heartbeat_and_newest_raw_file(api, api_record):
    body = _get(api, "/instruments", "InstrumentPage")
    assert [i["id"] for i in body["data"]] == ["bruker1", "sciex1", "thermo1"] and body["total"] == 3
    sciex = body["data"][1]
    assert sciex["vendor"] == "sciex" and sciex["status"] == "error" and sciex["heartbeat_at"].endswith("Z")
    newest = _newest_first(api_record, lambda d: d["instrument_id"] == "thermo1")[0]
    assert body["data"][2]["newest_raw_file"]["id"] == newest
    paged = _get(api, "/instruments", limit=2, offset=1)
    assert [i["id"] for i in paged["data"]] == ["sciex1", "thermo1"] and paged["next_offset"] is None


def test_qc_status_reports_the_violation_of_the_newest_file(api):
    body = _get(api, "/qc/status", "QcStatusPage")
    assert body["total"] == 1
    series = body["data"][0]
    assert (series["series"], series["instrument_id"], series["state"]) == ("hela", "thermo1", "out_of_control")
    assert series["newest_raw_file"]["id"] == "qc_hela_5.raw"
    violation = series["violations"][0]
    assert (violation["metric"], violation["rule"], violation["severity"]) == ("precursors", "1-3s", "ERROR")
    assert violation["values"] == [40000]
    assert _get(api, "/qc/status", state="in_control")["total"] == 0
    assert _get(api, "/qc/status", instrument_id="bruker1")["data"] == []
    assert _get(api, "/qc/status", "Error", expect=400, state="red")["parameter"] == "state"


def test_annotations_newest_first_by_instrument_kind_and_time(api, api_record):
    every = _get(api, "/annotations", "AnnotationPage")
    assert [a["kind"] for a in every["data"]] == ["note", "source_cleaning", "column_change"]
    thermo = _get(api, "/annotations", instrument_id="thermo1", kind="column_change")
    assert [a["text"] for a in thermo["data"]] == ["new 25 cm column"] and thermo["data"][0]["created_by"] == "ana"
    noted = every["data"][0]["occurred_at"]
    assert [a["kind"] for a in _get(api, "/annotations", date_to=noted)["data"]][0] == "note"
    later = _get(api, "/annotations", date_from=every["data"][1]["occurred_at"])
    assert [a["kind"] for a in later["data"]] == ["note", "source_cleaning"]
    first_page = _get(api, "/annotations", limit=1)
    assert first_page["count"] == 1 and first_page["next_offset"] == 1
    assert _get(api, "/annotations", "Error", expect=400, kind="repair")["parameter"] == "kind"


def test_the_api_is_read_only(api):
    refused = api.post(f"{API}/raw_files", json={})
    assert refused.status_code == 405 and refused.json()["error"] == "method_not_allowed"


def test_a_time_is_found_at_its_place_in_the_newest_first_order(api_record):
    from kraken_core.record.api_reads import count_raw_files, position_of_time

    times = sorted((d["created_at"] for d in api_record.raw_file.find({"instrument_id": "sciex1"}, {"created_at": 1})),
                   reverse=True)
    query = equal(instrument_id="sciex1")
    matching = count_raw_files(api_record, query)
    # every file's own time (found exactly), a time between two files, and times beyond both ends
    probes = [*times[::7], times[3] - timedelta(seconds=1), times[0] + timedelta(days=1), times[-1] - timedelta(days=1)]
    for when in probes:
        for inclusive in (True, False):
            expected = sum(1 for t in times if t > when or (inclusive and t == when))
            assert position_of_time(api_record, query, when, matching, inclusive=inclusive) == expected


def test_metrics_of_many_raw_files_are_each_files_documents_oldest_first(api_record):
    from kraken_core.record.api_reads import metrics_of_each

    ids = [d["_id"] for d in api_record.raw_file.find({}, {"_id": 1}).limit(120)] + ["not_in_the_record.raw"]
    found = metrics_of_each(api_record, ids)
    assert found["not_in_the_record.raw"] == [] and set(found) == set(ids)
    for raw_file_id, docs in found.items():
        expected = sorted(api_record.metrics.find({"raw_file": raw_file_id}), key=lambda d: d["created_at_"])
        assert docs == expected
