"""The process editor: the bpmn-js modeler with our properties, validate and deploy as JSON endpoints.

The page hands the script its data (roles, forms, URLs) in a JSON data block; the script posts the
diagram's XML (`application/xml`, CSRF header) to `validate` and `deploy`, which answer JSON:
`{"problems": [{element_id, line, message}]}` or, after a deployment, `{"key", "version", "created", "redirect"}`;
errors are `{error, message, details}` — a diagram over the body limit too (413, `webui.request_limits`).
"""
from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, jsonify, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

import engine
from engine import register
from webui import request_limits
from webui.i18n import current_locale
from webui.pages import common
from webui.pages.admin_common import MODELERS, actor, json_error, roles_required
from webui.pages.auth import error_page

bp = Blueprint("editor", __name__)


def _problems(details: Any) -> list[dict[str, Any]]:
    english = current_locale() == "en"
    return [{"element_id": p.get("element_id"), "line": p.get("line"),
             "message": p.get("message_en") if english else p.get("message_zh")} for p in details or []]


def _form_title(form: engine.FormView) -> str:
    schema = form.schema
    title = schema.get("x-title-en") if current_locale() == "en" else schema.get("title")
    return str(title or form.key)


def _config(key: str | None, version: int | None) -> dict[str, Any]:
    english = current_locale() == "en"
    return {
        "key": key, "version": version, "locale": current_locale(),
        "bpmnUrl": url_for("admin_processes.download", key=key, version=version, inline=1) if key and version else
        url_for("static", filename="js/editor/blank.bpmn"),
        "validateUrl": url_for(".validate"), "deployUrl": url_for(".deploy"),
        "formUrl": url_for("forms_admin.edit", key="__KEY__"),
        "roles": [{"key": r.key, "name": r.name_en if english else r.name_zh, "name_zh": r.name_zh, "name_en": r.name_en}
                  for r in register.list_roles()],
        "forms": [{"key": f.key, "title": _form_title(f)} for f in engine.list_forms()],
        "tooLarge": request_limits.message(413, english),  # shown if a proxy answers 413 without our JSON
    }


@bp.get("/processes/new")
@roles_required(*MODELERS)
def new() -> ResponseReturnValue:
    return render_template("pages/editor.html", process=None, config=_config(None, None))


@bp.get("/processes/<key>/edit")
@roles_required(*MODELERS)
def edit(key: str) -> ResponseReturnValue:
    try:
        process = engine.get_process(key, request.args.get("version", type=int))
    except engine.NotFound as err:
        return error_page(404, common.error_text(err))
    return render_template("pages/editor.html", process=process, config=_config(key, process.version))


def _xml() -> bytes:
    return request.get_data(cache=False)


@bp.post("/processes/validate")
@roles_required(*MODELERS)
def validate() -> ResponseReturnValue:
    try:
        problems = engine.validate_bpmn(_xml())
    except engine.DefinitionInvalid as err:
        problems = err.details or []
    except engine.EngineError as err:
        return json_error(err)
    return jsonify(ok=not problems, problems=_problems(problems))


@bp.post("/processes/deploy")
@roles_required(*MODELERS)
def deploy() -> ResponseReturnValue:
    try:
        result = engine.deploy(_xml(), actor=actor().username)
    except engine.DefinitionInvalid as err:
        return jsonify(ok=False, message=common.error_text(err), problems=_problems(err.details)), 422
    except engine.EngineError as err:
        return json_error(err)
    p = result.process
    if result.created:
        flash(_("Deployed %(name)s as version %(version)s.", name=p.name, version=p.version), "success")
    else:
        flash(_("%(name)s is unchanged: version %(version)s stays the newest.", name=p.name, version=p.version), "info")
    return jsonify(ok=True, key=p.key, version=p.version, created=result.created,
                   redirect=url_for("admin_processes.index")), 201 if result.created else 200
