"""The process editor: the bpmn-js modeler with our properties, validate and deploy as JSON endpoints.

The page hands the script its data (roles, forms, URLs) in a JSON data block; the script posts the
diagram's XML (`application/xml`, CSRF header) to `validate` and `deploy`, which answer JSON:
`{"problems": [{element_id, line, message}]}` or, after a deployment, `{"key", "version", "created", "redirect"}`;
errors are `{error, message, details}` — a diagram over the body limit too (413, `webui.request_limits`).
A deploy refused by failing path tests answers `path_tests_failed: true`; `?override_reason=` deploys anyway.
The path-test panel (static/js/editor/path-tests.js) reads, saves and runs the process's scenarios as JSON.
The what-if panel (static/js/editor/what-if.js) posts the draft with the months to replay and shows the side-by-side
figures of `engine.campaign.what_if` (labels and notes in the page's language).
"""
from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, jsonify, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

import engine
from engine.campaign import list_roles, what_if_compare, what_if_DEFAULT_MONTHS
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
        "pathTestsUrl": url_for(".path_tests", key="__KEY__"), "pathTestsRunUrl": url_for(".run_path_tests", key="__KEY__"),
        "whatIfUrl": url_for(".run_what_if", key="__KEY__"),
        "formUrl": url_for("forms_admin.edit", key="__KEY__"),
        "roles": [{"key": r.key, "name": r.name_en if english else r.name_zh, "name_zh": r.name_zh, "name_en": r.name_en}
                  for r in list_roles()],
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
    reason = request.args.get("override_reason", "").strip() or None
    try:
        result = engine.deploy(_xml(), actor=actor().username, override_reason=reason)
    except engine.DefinitionInvalid as err:
        return jsonify(ok=False, message=common.error_text(err), problems=_problems(err.details),
                       path_tests_failed=isinstance(err, engine.PathTestsFailed)), 422
    except engine.EngineError as err:
        return json_error(err)
    p = result.process
    if result.created:
        flash(_("Deployed %(name)s as version %(version)s.", name=p.name, version=p.version), "success")
    else:
        flash(_("%(name)s is unchanged: version %(version)s stays the newest.", name=p.name, version=p.version), "info")
    return jsonify(ok=True, key=p.key, version=p.version, created=result.created,
                   redirect=url_for("admin_processes.index")), 201 if result.created else 200


@bp.get("/processes/<key>/path-tests.json")
@roles_required(*MODELERS)
def path_tests(key: str) -> ResponseReturnValue:
    try:
        return jsonify(items=[s.as_json() for s in engine.list_path_tests(key)])
    except engine.EngineError as err:
        return json_error(err)


def _json_object() -> dict[str, Any]:
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise engine.BadRequest("请求体必须是 JSON 对象", "The request body must be a JSON object")
    return body


@bp.post("/processes/<key>/path-tests.json")
@roles_required(*MODELERS)
def save_path_tests(key: str) -> ResponseReturnValue:
    try:
        saved = engine.save_path_tests(actor(), key, _json_object().get("scenarios"))
    except engine.EngineError as err:
        return json_error(err)
    return jsonify(ok=True, items=[s.as_json() for s in saved],
                   message=_("Saved %(n)s path test(s): they run at every deploy.", n=len(saved)))


def _result(r: engine.ScenarioResult) -> dict[str, Any]:
    english = current_locale() == "en"
    where = (f"step {r.step}" if r.step else "the start") if english else (f"第 {r.step} 步" if r.step else "开始")
    return {"name": r.name, "passed": r.passed, "step": r.step, "element_id": r.element_id, "where": where,
            "message": r.message_en if english else r.message_zh, "path": list(r.path),
            "open_tasks": list(r.open_tasks), "ended_at": list(r.ended_at)}


@bp.post("/processes/<key>/path-tests/run")
@roles_required(*MODELERS)
def run_path_tests(key: str) -> ResponseReturnValue:
    """Run the scenarios sent against the diagram sent (the draft in the modeler); nothing is deployed or stored."""
    try:
        body = _json_object()
        bpmn = body.get("bpmn")
        if not isinstance(bpmn, str) or not bpmn.strip():
            raise engine.BadRequest("缺少流程图", "The diagram is missing", [{"field": "bpmn"}])
        report = engine.run_path_tests(key, bpmn=bpmn.encode("utf-8"), scenarios=body.get("scenarios"))
    except engine.DefinitionInvalid as err:
        return jsonify(ok=False, message=common.error_text(err), problems=_problems(err.details)), 422
    except engine.EngineError as err:
        return json_error(err)
    return jsonify(ok=True, passed=report.passed, results=[_result(r) for r in report.results])


@bp.post("/processes/<key>/what-if.json")
@roles_required(*MODELERS)
def run_what_if(key: str) -> ResponseReturnValue:
    """Replay the chosen months with the deployed version and with the diagram sent (the draft in the modeler)."""
    english = current_locale() == "en"
    try:
        body = _json_object()
        bpmn = body.get("bpmn")
        if not isinstance(bpmn, str) or not bpmn.strip():
            raise engine.BadRequest("缺少流程图", "The diagram is missing", [{"field": "bpmn"}])
        result = what_if_compare(key, bpmn=bpmn.encode("utf-8"), months=body.get("months", what_if_DEFAULT_MONTHS),
                                 seed=body.get("seed", 1)).as_json()
    except engine.DefinitionInvalid as err:
        return jsonify(ok=False, message=common.error_text(err), problems=_problems(err.details)), 422
    except engine.EngineError as err:
        return json_error(err)
    for row in result["measures"]:
        row["label"] = row["label_en"] if english else row["label_zh"]
    result["notes"] = result["notes_en"] if english else result["notes_zh"]
    return jsonify(ok=True, **result)
