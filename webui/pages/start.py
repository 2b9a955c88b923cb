"""Start a case (发起): the processes with a start form, and the start form itself."""
from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

import engine
from engine.campaign import enterprise_names
from webui import forms_render, session_auth
from webui.i18n import current_locale
from webui.pages import common
from webui.pages.auth import error_page
from webui.session_auth import login_required

bp = Blueprint("start", __name__)

# Processes started by their parent case, by a timer or by the public form, not by hand.
NOT_BY_HAND = frozenset({"whistleblower_intake", "training_enrolment"})


def _startable() -> list[engine.ProcessVersion]:
    """The processes this user may start by hand (who may start comes from each diagram)."""
    return [p for p in engine.startable_processes(session_auth.require_actor()) if p.start_form
            and p.key not in NOT_BY_HAND and not p.key.endswith("_dispatch")]


@bp.get("/start")
@login_required
def index() -> ResponseReturnValue:
    return render_template("pages/start_list.html", processes=_startable())


def _process(key: str) -> tuple[engine.ProcessVersion, dict[str, Any]] | None:
    try:
        process = engine.get_process(key)
    except engine.NotFound:
        return None
    if not process.start_form or key in NOT_BY_HAND:
        return None
    return process, engine.get_form(process.start_form).schema


def _refused(key: str) -> ResponseReturnValue | None:
    """The error page when the diagram does not let this user start the process."""
    if engine.may_start(session_auth.require_actor(), key):
        return None
    return error_page(403, _("Your roles may not start this process. The processes you may start are listed under "
                             "“New case”."))


def _initial(schema: dict[str, Any]) -> dict[str, Any]:
    actor = session_auth.require_actor()
    names = (schema.get("properties") or {}).keys()
    values: dict[str, Any] = {}
    if "enterprise_code" in names and actor.enterprise_code:
        values["enterprise_code"] = actor.enterprise_code
    if "found_by" in names:
        values["found_by"] = actor.display_name or actor.username
    if "found_at" in names:
        values["found_at"] = common.today().isoformat()
    if "source" in names:
        values["source"] = "self_check" if actor.enterprise_code else "inspection"
    return values


def _render(process: engine.ProcessVersion, schema: dict[str, Any], values: dict[str, Any],
            errors: dict[str, list[str]] | None = None, status: int = 200) -> ResponseReturnValue:
    # No case exists yet to link evidence files to: photos are added at the first task instead.
    fields = forms_render.fields(schema, values, errors, current_locale(), skip_files=True)
    enterprises = enterprise_names(session_auth.require_actor())
    return render_template("pages/start.html", process=process, fields=fields, enterprises=enterprises,
                           has_errors=bool(errors)), status


@bp.get("/start/<key>")
@login_required
def form(key: str) -> ResponseReturnValue:
    found = _process(key)
    if found is None:
        return error_page(404, _("There is no such process to start."))
    process, schema = found
    return _refused(key) or _render(process, schema, _initial(schema))


@bp.post("/start/<key>")
@login_required
def submit(key: str) -> ResponseReturnValue:
    found = _process(key)
    if found is None:
        return error_page(404, _("There is no such process to start."))
    refused = _refused(key)
    if refused is not None:
        return refused
    process, schema = found
    coerced = forms_render.coerce(schema, request.form, current_locale(), skip_files=True)
    values = {**coerced.data, **{k: request.form.get(k, "") for k in coerced.errors}}
    try:
        if coerced.errors:
            raise engine.FormInvalid("表单填写有误，请按提示修改", "The form has errors; please correct the marked fields", [])
        case = engine.start_instance(session_auth.require_actor(), key, coerced.data)
    except engine.FormInvalid as err:
        flash(common.error_text(err), "error")
        errors = forms_render.merge_errors(coerced.errors, forms_render.error_map(err.details, current_locale()))
        return _render(process, schema, values, errors, status=422)
    except engine.EngineError as err:
        common.flash_error(err)
        return _render(process, schema, values, status=err.status)
    flash(_("Case started: “%(title)s”.", title=case.title or process.name), "success")
    return redirect(url_for("cases.show", instance_id=case.id))
