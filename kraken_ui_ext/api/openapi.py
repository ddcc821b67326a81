"""The OpenAPI 3.1 document of the REST API, built from the endpoint declarations, and a docs page that needs
nothing but this app (no CDN, no script)."""

from __future__ import annotations

import html
from typing import Any

from kraken_ui_ext.api.endpoints import ENDPOINTS, Endpoint
from kraken_ui_ext.api.params import Param
from kraken_ui_ext.api.schemas import SCHEMAS

VERSION = "1.0.0"
PREFIX = "/api/v1"
KINDS = {"string": {"type": "string"}, "integer": {"type": "integer"}, "boolean": {"type": "boolean"},
         "number": {"type": "number"}, "date-time": {"type": "string", "format": "date-time"}}
ERRORS = {
    "400": "A query parameter was refused (the answer names it).",
    "401": "No valid API token or session: send `Authorization: Bearer <API token>`.",
    "403": "The account may not read this.",
    "404": "No such raw file.",
    "503": "The record (MongoDB) does not answer.",
}


def _parameter(param: Param) -> dict[str, Any]:
    schema: dict[str, Any] = dict(KINDS[param.kind])
    if param.default is not None:
        schema["default"] = param.default
    if param.minimum is not None:
        schema["minimum"] = param.minimum
    if param.maximum is not None:
        schema["maximum"] = param.maximum
    description = param.description + (f" Also accepted as: {', '.join(param.aliases)}." if param.aliases else "")
    return {"name": param.name, "in": "query", "required": False, "description": description, "schema": schema}


def _operation(endpoint: Endpoint) -> dict[str, Any]:
    parameters = [{"name": name, "in": "path", "required": True, "description": text, "schema": {"type": "string"}}
                  for name, text in endpoint.path_params]
    parameters += [_parameter(p) for p in endpoint.params]
    responses: dict[str, Any] = {"200": {"description": endpoint.summary, "content": {"application/json": {
        "schema": {"$ref": f"#/components/schemas/{endpoint.schema}"}}}}}
    for code, text in ERRORS.items():
        if endpoint.public and code in ("401", "403"):
            continue
        if code == "404" and not endpoint.path_params:
            continue
        if code == "400" and not endpoint.params:
            continue
        responses[code] = {"description": text, "content": {"application/json": {
            "schema": {"$ref": "#/components/schemas/Error"}}}}
    operation = {"operationId": endpoint.name, "summary": endpoint.summary, "description": endpoint.description,
                 "parameters": parameters, "responses": responses}
    if endpoint.public:
        operation["security"] = []
    return operation


def openapi_document(server_url: str = PREFIX) -> dict[str, Any]:
    """The document; `server_url` is where the API is reached (behind the entrance: /companion/api/v1)."""
    return {
        "openapi": "3.1.0",
        "info": {"title": "AlphaKraken REST API", "version": VERSION,
                 "description": "Read-only access to the record: raw files, their metrics, instruments, the "
                                "control-chart status of QC series and instrument annotations. Every list is paged "
                                "(`limit`, `offset`); times are UTC ISO 8601 with `Z`. An API token comes from "
                                "`python -m kraken_core.record.accounts_cli api-token NAME`."},
        "servers": [{"url": server_url}],
        "security": [{"bearer": []}, {"session": []}],
        "paths": {endpoint.path: {"get": _operation(endpoint)} for endpoint in ENDPOINTS},
        "components": {
            "schemas": SCHEMAS,
            "securitySchemes": {
                "bearer": {"type": "http", "scheme": "bearer",
                           "description": "An API token (akapi_...) of an account with at least the viewer role."},
                "session": {"type": "apiKey", "in": "cookie", "name": "kraken_session",
                            "description": "The companion's login session."},
            },
        },
    }


def docs_page(document: dict[str, Any]) -> str:
    """Every endpoint with its parameters and answers, as plain HTML."""
    e = html.escape
    parts = [f"<h1>{e(document['info']['title'])} {e(document['info']['version'])}</h1>",
             f"<p>{e(document['info']['description'])}</p>",
             f"<p>Base URL: <code>{e(document['servers'][0]['url'])}</code>. Machine-readable: "
             f"<a href=\"openapi.json\">openapi.json</a> (OpenAPI 3.1).</p>"]
    for path, item in document["paths"].items():
        op = item["get"]
        parts.append(f"<section><h2><code>GET {e(path)}</code></h2><p><b>{e(op['summary'])}</b>. "
                     f"{e(op['description'])}</p>")
        if op["parameters"]:
            rows = "".join(
                f"<tr><td><code>{e(p['name'])}</code></td><td>{e(p['in'])}</td>"
                f"<td>{e(p['schema'].get('format') or p['schema']['type'])}</td>"
                f"<td>{e(str(p['schema'].get('default', '')))}</td><td>{e(p['description'])}</td></tr>"
                for p in op["parameters"])
            parts.append("<table><tr><th>parameter</th><th>in</th><th>type</th><th>default</th><th>meaning</th>"
                         f"</tr>{rows}</table>")
        answers = "".join(f"<li><code>{e(code)}</code> {e(r['description'])}</li>" for code, r in op["responses"].items())
        parts.append(f"<ul>{answers}</ul></section>")
    style = ("body{font-family:sans-serif;max-width:70rem;margin:2rem auto;padding:0 1rem}table{border-collapse:collapse}"
             "td,th{border:1px solid #ccc;padding:.25rem .5rem;text-align:left;vertical-align:top}")
    return (f"<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>AlphaKraken REST API</title>"
            f"<style>{style}</style></head><body>{''.join(parts)}</body></html>")
