"""Forms: list every form, edit its JSON Schema with validation and a live preview (htmx), save a new version."""
from __future__ import annotations

import json
from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

import engine
from engine.runtime import check_schema
from webui import forms_render
from webui.i18n import current_locale
from webui.pages import common
from webui.pages.admin_common import MODELERS, PROCESS_READERS, actor, roles_required

bp = Blueprint("forms_admin", __name__)

NEW_FORM = {"$schema": "https://json-schema.org/draft/2020-12/schema", "type": "object", "title": "新表单",
            "x-title-en": "New form", "properties": {"note": {"type": "string", "title": "说明", "x-title-en": "Note"}},
            "required": [], "additionalProperties": False}


@bp.get("/admin/forms")
@roles_required(*PROCESS_READERS)
def index() -> ResponseReturnValue:
    return render_template("pages/forms_list.html", section="forms", forms=engine.list_forms(),
                           can_edit=actor().has(*MODELERS))


def _parse(key: str, text: str) -> tuple[dict[str, Any] | None, list[str]]:
    """The schema from the editor's text, or the problems (JSON syntax, then JSON Schema)."""
    try:
        schema = json.loads(text)
    except json.JSONDecodeError as err:
        return None, [_("JSON syntax error at line %(line)s, column %(col)s: %(msg)s", line=err.lineno, col=err.colno,
                        msg=err.msg)]
    try:
        check_schema(key, schema)
    except engine.ValidationFailed as err:
        return None, [common.error_text(err)]
    return schema, []


def _editor(key: str, text: str, problems: list[str], is_new: bool, status: int = 200) -> ResponseReturnValue:
    schema, _problems = _parse(key, text) if not problems else (None, problems)
    preview = forms_render.fields(schema, locale=current_locale()) if schema else []
    return render_template("pages/forms_edit.html", section="forms", key=key, text=text, problems=problems,
                           preview=preview, is_new=is_new, can_edit=actor().has(*MODELERS)), status


@bp.get("/admin/forms/<key>")
@roles_required(*PROCESS_READERS)
def edit(key: str) -> ResponseReturnValue:
    try:
        form = engine.get_form(key)
        text, is_new = json.dumps(form.schema, ensure_ascii=False, indent=2), False
    except engine.NotFound:
        if not actor().has(*MODELERS):
            return redirect(url_for(".index"))
        text, is_new = json.dumps(NEW_FORM, ensure_ascii=False, indent=2), True
    return _editor(key, text, [], is_new)


@bp.post("/admin/forms/<key>/preview")
@roles_required(*PROCESS_READERS)
def preview(key: str) -> ResponseReturnValue:
    schema, problems = _parse(key, request.form.get("schema", ""))
    fields = forms_render.fields(schema, locale=current_locale()) if schema else []
    return render_template("pages/forms_preview.html", preview=fields, problems=problems)


@bp.post("/admin/forms/<key>")
@roles_required(*MODELERS)
def save(key: str) -> ResponseReturnValue:
    text = request.form.get("schema", "")
    schema, problems = _parse(key, text)
    if schema is None:
        return _editor(key, text, problems, is_new=False, status=422)
    try:
        form = engine.save_form(key, schema, actor=actor().username)
    except engine.EngineError as err:
        return _editor(key, text, [common.error_text(err)], is_new=False, status=err.status)
    flash(_("Form %(key)s saved as version %(v)s.", key=key, v=form.version), "success")
    return redirect(url_for(".edit", key=key))
