"""Admin: search every case; one case with its path on the diagram, the data at each step, and actions."""
from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

import engine
from engine.runtime import case_path, search_cases
from webui.pages import common, diagram_steps
from webui.pages.admin_common import ADMIN_READERS, actor, arg_date, arg_int, offset, query_args, roles_required
from webui.pages.auth import error_page
from webui.pages.cases import element_names

bp = Blueprint("admin_cases", __name__)

STATUSES = ("running", "suspended", "error", "completed", "terminated")
ACTIONS = {"suspend": engine.suspend_instance, "resume": engine.resume_instance,
           "terminate": engine.terminate_instance, "retry": engine.retry_instance}


def _filters() -> dict[str, Any]:
    args = request.args
    return {"process_key": args.get("process") or None, "version": arg_int("version"),
            "status": args.get("status") if args.get("status") in STATUSES else None,
            "enterprise_code": args.get("enterprise") or None, "step": args.get("step") or None,
            "since": arg_date("from"), "until": arg_date("to", end=True)}


@bp.get("/admin/cases")
@roles_required(*ADMIN_READERS)
def index() -> ResponseReturnValue:
    try:
        page = search_cases(actor(), limit=50, offset=offset(), **_filters())
    except engine.NotFound as err:  # an unknown enterprise code in the filter
        common.flash_error(err)
        page = engine.Page((), 0, 50, 0)
    processes = sorted({p.key: p.name for p in engine.list_processes()}.items())
    return render_template("pages/admin_cases.html", section="cases", page=page, args=query_args(),
                           processes=processes, statuses=STATUSES)


@bp.get("/admin/cases/<int:instance_id>")
@roles_required(*ADMIN_READERS)
def show(instance_id: int) -> ResponseReturnValue:
    try:
        case = engine.get_instance(actor(), instance_id)
        history = engine.instance_history(actor(), instance_id)
        path = case_path(actor(), instance_id)
    except engine.NotFound as err:
        return error_page(404, common.error_text(err))
    process = engine.get_process(case.process_key, case.process_version)
    newer = engine.get_process(case.process_key).version > case.process_version
    names = element_names(engine.get_bpmn(case.process_key, case.process_version))
    steps = diagram_steps.case_steps(history, case, names)
    return render_template("pages/admin_case.html", section="cases", case=case, history=history, path=path,
                           process=process, newer=newer, can_act=actor().has("admin"), steps=steps, step_names=names)


def _done_message(name: str) -> str:
    return {"suspend": _("The case is suspended."), "resume": _("The case runs again."),
            "terminate": _("The case is terminated."), "retry": _("The failed step was run again.")}[name]


@bp.post("/admin/cases/<int:instance_id>/<any(suspend, resume, terminate, retry):name>")
@roles_required("admin")
def act(instance_id: int, name: str) -> ResponseReturnValue:
    reason = request.form.get("reason", "").strip() or None
    try:
        if name == "terminate":
            engine.terminate_instance(actor(), instance_id, reason or "")
        else:
            ACTIONS[name](actor(), instance_id, reason)
        flash(_done_message(name), "success")
    except engine.EngineError as err:
        common.flash_error(err)
    return redirect(url_for(".show", instance_id=instance_id))


@bp.post("/admin/cases/<int:instance_id>/reassign")
@roles_required("admin")
def reassign(instance_id: int) -> ResponseReturnValue:
    form = request.form
    try:
        engine.reassign(actor(), form.get("task_id", ""), form.get("to", "").strip(), form.get("reason", "").strip() or None)
        flash(_("The task was reassigned to %(user)s.", user=form.get("to", "").strip()), "success")
    except engine.EngineError as err:
        common.flash_error(err)
    return redirect(url_for(".show", instance_id=instance_id))
