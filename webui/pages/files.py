"""Evidence files on task forms: uploads become attachments (ids in the form field); serving them back.

A file field (`x-ui.widget == "file"`, an array of attachment ids) renders as the files already
attached (each kept by a checked box) plus an `<input type=file multiple>` named `<field>__upload`.
"""
from __future__ import annotations

from typing import Any
from urllib.parse import quote

from flask import Blueprint, Response
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from werkzeug.datastructures import FileStorage, MultiDict

import engine
from engine.runtime import AttachmentView, attachments_get, attachments_store, list_for_case
from webui import forms_render, session_auth
from webui.pages import common
from webui.pages.auth import error_page
from webui.session_auth import login_required

bp = Blueprint("files", __name__)

UPLOAD_SUFFIX = "__upload"
INLINE_TYPES = frozenset({"image/jpeg", "image/png", "image/gif", "image/webp"})


def upload_name(field: str) -> str:
    return field + UPLOAD_SUFFIX


def _uploads(files: MultiDict[str, FileStorage], name: str) -> list[FileStorage]:
    return [f for f in files.getlist(upload_name(name)) if f and f.filename]


def uploads(schema: dict[str, Any], files: MultiDict[str, FileStorage]) -> list[engine.Upload]:
    """The files chosen in the form's file fields, for the engine to store with the step (or refuse, by name)."""
    chosen = []
    for name, spec in (schema.get("properties") or {}).items():
        if forms_render.is_file_field(spec):
            chosen += [engine.Upload(name, upload.filename or "file", upload.mimetype or "", upload.read())
                       for upload in _uploads(files, name)]
    return chosen


def store_uploads(schema: dict[str, Any], files: MultiDict[str, FileStorage], coerced: forms_render.Coerced, *,
                  instance_id: int, task_id: str | None) -> None:
    """Store each uploaded file on its own and add its id to its field; a refused file becomes that field's error.

    Only for "add a row", which shows the form again with the chosen files kept; saving and completing hand the
    files to the engine (`uploads`), which stores them in the same transaction as the draft or the step."""
    actor = session_auth.require_actor()
    for name, spec in (schema.get("properties") or {}).items():
        if not forms_render.is_file_field(spec):
            continue
        for upload in _uploads(files, name):
            try:
                view = attachments_store(actor, upload.filename or "file", upload.mimetype or "", upload.read(),
                                         instance_id=instance_id, task_id=task_id)
            except engine.EngineError as err:
                coerced.errors.setdefault(name, []).append(f"{upload.filename}: {common.error_text(err)}")
                continue
            coerced.data.setdefault(name, []).append(view.id)


def case_files(instance_id: int) -> dict[str, AttachmentView]:
    """The case's attachments by id (for showing names and thumbnails)."""
    try:
        return {a.id: a for a in list_for_case(session_auth.require_actor(), instance_id)}
    except engine.NotFound:
        return {}


@bp.get("/attachments/<attachment_id>")
@login_required
def show(attachment_id: str) -> ResponseReturnValue:
    try:
        view, data = attachments_get(session_auth.require_actor(), attachment_id)
    except engine.NotFound:
        return error_page(404, _("This file does not exist or is not visible to you."))
    disposition = "inline" if view.content_type in INLINE_TYPES else "attachment"
    return Response(data, mimetype=view.content_type, headers={
        "Content-Disposition": f"{disposition}; filename*=UTF-8''{quote(view.filename)}",
        "Cache-Control": "private, max-age=3600",
        # An uploaded file is never a document of this site: no scripts, no plugins, no framing.
        "Content-Security-Policy": "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; sandbox",
    })
