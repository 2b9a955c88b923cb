"""Task bodies with files: `multipart/form-data` as well as JSON for complete, draft and resolve.

The parts are the JSON body's fields as text (`data` holds the form data as a JSON object, `expected_version` a
number, `comment` text) plus one file part per file, named after the form's file field it belongs to
(`-F data='{"measures": "已更换"}' -F evidence=@photo.png`). The engine stores each accepted file with the step
and adds its id to that field; a refused file is a 422 naming it, and nothing is kept.
"""
from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from flask import request

import engine
from webui.api.common import check_names, json_body, parse_json

MULTIPART = "multipart/form-data"
_INTEGER = re.compile(r"^\s*[0-9]{1,12}\s*$")


def multipart_schema(fields: dict[str, Any]) -> dict[str, Any]:
    """The OpenAPI schema of the multipart form of a body with these fields (text parts) plus file parts."""
    return {"type": "object", "properties": fields,
            "additionalProperties": {"type": "string", "format": "binary",
                                     "description": "a file for the form's file field of this name"}}


def submission(fields: Iterable[str], *, optional: bool = False) -> tuple[dict[str, Any], list[engine.Upload]]:
    """(body, files) of a task request: a JSON object, or the same fields as multipart parts with files.

    Raises ApiError: as `json_body`; 400 for unknown or repeated text parts and malformed `data`.
    """
    if (request.mimetype or "") != MULTIPART:
        return json_body(tuple(fields), optional=optional), []
    check_names(request.form, fields, "unknown_fields", ("字段", "Field"))
    body = {name: _text_part(name, text) for name, text in request.form.items()}
    uploads = [engine.Upload(field, upload.filename or "file", upload.mimetype or "", upload.read())
               for field in request.files for upload in request.files.getlist(field)]
    return body, uploads


def _text_part(name: str, text: str) -> Any:
    if name == "data":
        return parse_json(text.encode("utf-8"))
    if name == "expected_version" and _INTEGER.match(text.strip()):
        return int(text)
    return text
