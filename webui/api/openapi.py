"""Build the OpenAPI 3.1 document from the app's registered `/api/v1` routes.

Nothing here is kept by hand per endpoint: paths and methods come from `app.url_map`, path
parameters from the rule's converters, and summaries, bodies, query parameters and responses
from each view's docstring and its `@doc(...)` metadata (webui.api.common.doc).
"""
from __future__ import annotations

import inspect
import re
from typing import Any

from flask import Flask

ENDPOINT_PREFIX = "api_v1."
_PARAM = re.compile(r"<(?:(?P<conv>[a-zA-Z_]+)(?:\((?P<args>[^)]*)\))?:)?(?P<name>[a-zA-Z_][a-zA-Z0-9_]*)>")

ERROR_SCHEMA = {
    "type": "object", "required": ["error", "message", "details"],
    "properties": {"error": {"type": "string"}, "message": {"type": "string"}, "details": {}},
}
PAGE_SCHEMA = {
    "type": "object", "required": ["items", "total", "limit", "offset", "next_offset"],
    "properties": {"items": {"type": "array", "items": {"type": "object"}}, "total": {"type": "integer"},
                   "limit": {"type": "integer"}, "offset": {"type": "integer"},
                   "next_offset": {"type": ["integer", "null"]}},
}
STANDARD_ERRORS = {400: "bad request (malformed JSON, unknown fields or parameters)", 401: "no valid bearer token",
                   404: "not found, or not visible to the caller", 415: "unsupported content type"}
_QUERY_TYPES = {"string": {"type": "string"}, "integer": {"type": "integer", "minimum": 0},
                "boolean": {"type": "boolean"}, "date-time": {"type": "string", "format": "date-time"},
                "date": {"type": "string", "format": "date"}}


def _path_and_params(rule: str) -> tuple[str, list[dict[str, Any]]]:
    params: list[dict[str, Any]] = []

    def replace(match: re.Match[str]) -> str:
        schema: dict[str, Any] = {"type": "string"}
        if match.group("conv") == "int":
            schema = {"type": "integer"}
            for part in (match.group("args") or "").split(","):
                key, _, value = part.partition("=")
                if key.strip() in ("min", "max") and value.strip().isdigit():
                    schema["minimum" if key.strip() == "min" else "maximum"] = int(value)
        params.append({"name": match.group("name"), "in": "path", "required": True, "schema": schema})
        return "{" + match.group("name") + "}"

    return _PARAM.sub(replace, rule), params


def _operation(endpoint: str, method: str, view: Any, path_params: list[dict[str, Any]]) -> dict[str, Any]:
    meta = getattr(view, "_api_doc", {})
    docstring = inspect.getdoc(view) or ""
    op: dict[str, Any] = {
        "operationId": f"{endpoint.removeprefix(ENDPOINT_PREFIX)}_{method.lower()}",
        "summary": meta.get("summary") or docstring.split("\n")[0],
        "description": docstring,
        "tags": [meta.get("tag") or "api"],
    }
    params = list(path_params)
    for name, kind, description in meta.get("query", []):
        params.append({"name": name, "in": "query", "required": False, "description": description,
                       "schema": dict(_QUERY_TYPES.get(kind, {"type": "string"}))})
    if meta.get("paged"):
        params.append({"name": "limit", "in": "query", "required": False,
                       "schema": {"type": "integer", "minimum": 1, "maximum": 500, "default": 50}})
        params.append({"name": "offset", "in": "query", "required": False,
                       "schema": {"type": "integer", "minimum": 0, "default": 0}})
    if params:
        op["parameters"] = params
    body = meta.get("body")
    if body is not None and method in ("POST", "PUT", "PATCH"):
        body_type = meta.get("body_type", "application/json")
        content: dict[str, Any] = {body_type: {"schema": body}}
        if body_type == "application/xml":
            content["multipart/form-data"] = {"schema": {"type": "object", "required": ["file"],
                                                         "properties": {"file": {"type": "string", "format": "binary"}}}}
        if meta.get("multipart"):
            content["multipart/form-data"] = {"schema": meta["multipart"]}
        op["requestBody"] = {"required": body_type != "application/json" or bool(body.get("required")),
                             "content": content}
    responses: dict[str, Any] = {}
    declared = {int(k): v for k, v in meta.get("responses", {}).items()}
    if not any(200 <= code < 300 for code in declared):
        declared[200] = "OK"
    for code, description in sorted(declared.items()):
        if code >= 400:
            responses[str(code)] = {"description": description, "content": {"application/json": {"schema": ERROR_SCHEMA}}}
        elif code == 204:
            responses[str(code)] = {"description": description}
        elif endpoint.endswith("process_bpmn"):
            responses[str(code)] = {"description": description, "content": {"application/xml": {"schema": {"type": "string"}}}}
        else:
            schema = PAGE_SCHEMA if meta.get("paged") else {"type": "object"}
            responses[str(code)] = {"description": description, "content": {"application/json": {"schema": schema}}}
    for code, description in STANDARD_ERRORS.items():
        if code == 401 and meta.get("public"):
            continue
        responses.setdefault(str(code), {"description": description,
                                         "content": {"application/json": {"schema": ERROR_SCHEMA}}})
    op["responses"] = responses
    if meta.get("public"):
        op["security"] = []
    return op


def build(app: Flask) -> dict[str, Any]:
    """The OpenAPI 3.1 document of every route under the api_v1 blueprint."""
    paths: dict[str, dict[str, Any]] = {}
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        if not rule.endpoint.startswith(ENDPOINT_PREFIX):
            continue
        view = app.view_functions[rule.endpoint]
        path, path_params = _path_and_params(rule.rule)
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            paths.setdefault(path, {})[method.lower()] = _operation(rule.endpoint, method, view, path_params)
    return {
        "openapi": "3.1.0",
        "info": {"title": "Safeloop API", "version": "1",
                 "description": "安全闭环 Safeloop JSON API. Errors are {error, message, details}; "
                                "messages follow Accept-Language (en, otherwise zh-CN)."},
        "servers": [{"url": "/"}],
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
            "schemas": {"Error": ERROR_SCHEMA, "Page": PAGE_SCHEMA},
        },
        "security": [{"bearer": []}],
        "paths": paths,
    }
