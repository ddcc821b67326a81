"""The REST API's parameter rules and OpenAPI document, without a record (fast tier)."""

from datetime import UTC, datetime

import jsonschema
import pytest
from starlette.datastructures import QueryParams

from kraken_ui_ext.api.endpoints import ENDPOINTS, RAW_FILE_PARAMS
from kraken_ui_ext.api.openapi import openapi_document
from kraken_ui_ext.api.params import BadParameter, parse_params, parse_time


def test_times_are_read_as_utc():
    assert parse_time("2026-03-02T13:30:00Z", "t") == datetime(2026, 3, 2, 13, 30, tzinfo=UTC)
    assert parse_time("2026-03-02T14:30:00+01:00", "t") == datetime(2026, 3, 2, 13, 30, tzinfo=UTC)
    assert parse_time("2026-03-02T13:30", "t") == datetime(2026, 3, 2, 13, 30, tzinfo=UTC)
    assert parse_time("2026-03-02", "t") == datetime(2026, 3, 2, tzinfo=UTC)
    assert parse_time("2026-03-02", "t", end_of_day=True) == datetime(2026, 3, 2, 23, 59, 59, 999999, tzinfo=UTC)
    with pytest.raises(BadParameter, match="ISO 8601"):
        parse_time("02.03.2026", "date_from")


def test_defaults_aliases_and_refusals():
    values = parse_params(QueryParams("instrument=astral1&age=2&limit=5"), RAW_FILE_PARAMS)
    assert (values["instrument_id"], values["max_age_days"], values["limit"], values["offset"]) == ("astral1", 2, 5, 0)
    assert values["include_metrics"] is True and values["include_file_info"] is False
    for query, parameter in (("limit=1001", "limit"), ("offset=1.5", "offset"), ("age=0", "age"),
                             ("q=x&filter=y", "filter"), ("count=sometimes", "count"), ("colour=red", "colour")):
        with pytest.raises(BadParameter) as refused:
            parse_params(QueryParams(query), RAW_FILE_PARAMS)
        assert refused.value.parameter == parameter


def test_the_openapi_document_describes_every_endpoint_and_parameter():
    document = openapi_document("/companion/api/v1")
    assert document["servers"] == [{"url": "/companion/api/v1"}]
    assert len(document["paths"]) == len(ENDPOINTS)
    jsonschema.Draft202012Validator.check_schema({"components": document["components"]})
    for endpoint in ENDPOINTS:
        operation = document["paths"][endpoint.path]["get"]
        documented = {p["name"] for p in operation["parameters"]}
        assert documented == {p.name for p in endpoint.params} | {name for name, _ in endpoint.path_params}
        assert operation["responses"]["200"]["content"]["application/json"]["schema"]["$ref"].endswith(endpoint.schema)
        assert endpoint.schema in document["components"]["schemas"]
        assert ("401" in operation["responses"]) != endpoint.public
