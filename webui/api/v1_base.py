"""The `/api/v1` blueprint itself, its path checks and authentication, and what its route modules share (role
tuples, path converters, request-body schemas). `webui.api.v1` and each `v1_*` module attach routes to `blueprint`;
`webui.api.v1` imports them all before the blueprint is registered, and none of them imports another."""
from __future__ import annotations

import re
from typing import Any

from flask import Blueprint, current_app, request
from werkzeug.exceptions import RequestEntityTooLarge

import engine
from webui.api import errors
from webui.api.common import authenticate_request

blueprint = Blueprint("api_v1", __name__, url_prefix="/api/v1")
errors.install(blueprint)

DEPLOYERS = ("process_owner", "admin")
AUDIT_READERS = ("admin", "auditor")
XML_TYPES = ("application/xml", "text/xml", "application/bpmn+xml")
TASK_SCOPES = ("mine", "candidate", "done", "started", "all", "cc")
TASK_STATUSES = ("open", "done", "completed", "cancelled")
UUID_RE = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
INSTANCE_ID = "<int(min=1, max=2147483647):instance_id>"

# Schemas of the request bodies (also published in openapi.json).
TOKEN_BODY = {"type": "object", "additionalProperties": False, "required": ["username", "password"],
              "properties": {"username": {"type": "string", "maxLength": 80}, "password": {"type": "string", "maxLength": 1024}}}
REVOKE_BODY = {"type": "object", "additionalProperties": False, "minProperties": 1, "maxProperties": 1,
               "properties": {"token": {"type": "string"}, "token_id": {"type": "string"}, "username": {"type": "string"}}}
START_BODY = {"type": "object", "additionalProperties": False,
              "properties": {"data": {"type": "object"}, "business_key": {"type": ["string", "null"], "maxLength": 200}}}
COMPLETE_BODY = {"type": "object", "additionalProperties": False,
                 "properties": {"data": {"type": "object"}, "expected_version": {"type": ["integer", "null"], "minimum": 0},
                                "comment": {"type": ["string", "null"], "maxLength": 2000}}}
DELEGATE_BODY = {"type": "object", "additionalProperties": False, "required": ["to", "comment"],
                 "properties": {"to": {"type": "string", "maxLength": 80}, "comment": {"type": "string", "maxLength": 2000}}}
EMPTY_BODY = {"type": "object", "additionalProperties": False, "properties": {}}
FORM_BODY = {"type": "object", "description": "A JSON Schema (draft 2020-12) whose top-level type is object"}
BPMN_BODY = {"type": "string", "format": "binary", "description": "BPMN 2.0 XML"}


@blueprint.url_value_preprocessor
def _check_path_values(endpoint: str | None, values: dict[str, Any] | None) -> None:
    # A path segment the database could not even compare (NUL, over-long) names nothing: 404.
    for value in (values or {}).values():
        if isinstance(value, str) and (len(value) > 200 or "\x00" in value):
            raise engine.NotFound("没有这个资源", "No such resource", None)


@blueprint.before_request
def _before() -> None:
    limit = current_app.config.get("MAX_CONTENT_LENGTH")
    if limit is not None and request.content_length is not None and request.content_length > limit:
        raise RequestEntityTooLarge()
    view = current_app.view_functions.get(request.endpoint or "")
    if view is not None and getattr(view, "_api_doc", {}).get("public"):
        return
    authenticate_request()
