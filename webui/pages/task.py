"""The task page: the form from the task's JSON Schema, save draft, complete, and 转办 / 委派 / 退回."""
from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

import engine
from webui import forms_render, session_auth
from webui.i18n import current_locale
from webui.pages import common, files
from webui.pages.auth import error_page
from webui.session_auth import login_required

bp = Blueprint("task", __name__)

COMMENT_MAX = 2000


def _schema(task: engine.TaskView) -> dict[str, Any]:
    if not task.form_key:
        return {"type": "object", "properties": {}}
    return engine.get_form(task.form_key).schema


def _initial_values(task: engine.TaskView, case: engine.InstanceView, schema: dict[str, Any]) -> dict[str, Any]:
    # The form starts from what the case already knows, then the task's own draft.
    names = set((schema.get("properties") or {}).keys())
    values = {k: v for k, v in case.data.items() if k in names}
    values.update(task.draft or {})
    return values


def _render(task: engine.TaskView, case: engine.InstanceView, schema: dict[str, Any], values: dict[str, Any],
            errors: dict[str, list[str]] | None = None, action_errors: dict[str, str] | None = None,
            status: int = 200, blank_rows: dict[str, int] | None = None,
            typed: dict[str, str] | None = None) -> ResponseReturnValue:
    """The task page; `typed` keeps what the user wrote in a comment or picked as a person when an action failed."""
    actor = session_auth.require_actor()
    fields = forms_render.fields(schema, values, errors, current_locale(), blank_rows=blank_rows, case_data=case.data)
    title = (schema.get("x-title-en") or schema.get("title")) if current_locale() == "en" else schema.get("title")
    actions = engine.task_actions(actor, task.id)
    candidates = engine.handover_candidates(actor, task.id) if actions.reassign or actions.delegate else []
    return render_template("pages/task.html", task=task, case=case, fields=fields, form_title=title,
                           files=files.case_files(case.id), multipart=any(f.kind == "file" for f in fields),
                           mine=task.assignee == actor.username, action_errors=action_errors or {}, add_rows=True,
                           has_errors=bool(errors), processes={p.key: p.name for p in engine.list_processes()},
                           actions=actions, candidates=candidates, typed=typed or {}), status


def _load(task_id: str) -> tuple[engine.TaskView, engine.InstanceView]:
    actor = session_auth.require_actor()
    task = engine.get_task(actor, task_id)
    return task, engine.get_instance(actor, task.instance_id)


@bp.get("/tasks/<task_id>")
@login_required
def show(task_id: str) -> ResponseReturnValue:
    try:
        task, case = _load(task_id)
    except engine.NotFound:
        return error_page(404, _("This task does not exist or is not visible to you."))
    schema = _schema(task)
    return _render(task, case, schema, _initial_values(task, case, schema))


@bp.post("/tasks/<task_id>")
@login_required
def submit(task_id: str) -> ResponseReturnValue:
    actor = session_auth.require_actor()
    try:
        task, case = _load(task_id)
    except engine.NotFound:
        return error_page(404, _("This task does not exist or is not visible to you."))
    schema = _schema(task)
    coerced = forms_render.coerce(schema, request.form, current_locale())
    action = request.form.get("action", "complete")
    add_row = request.form.get(forms_render.ADD_ROW)
    if add_row and task.assignee == actor.username and task.status == "open":
        files.store_uploads(schema, request.files, coerced, instance_id=task.instance_id, task_id=task_id)
    values = {**coerced.data, **{name: request.form.get(name, "") for name in coerced.errors
                                 if name not in coerced.data and "." not in name}}
    if add_row:  # "add a row" in a repeatable group: show the form again with what was typed, complete nothing
        blank = {add_row: coerced.blank_rows.get(add_row, 0) + 1}
        return _render(task, case, schema, values, coerced.errors or None, blank_rows=blank)
    # The chosen files go with the draft or the step: stored in its transaction, nothing kept when it fails.
    uploads = files.uploads(schema, request.files)
    try:
        if action == "save":
            engine.save_draft(actor, task_id, values, uploads=uploads)
            flash(_("Draft saved. Nothing is submitted until you complete the task."), "success")
            return redirect(url_for("task.show", task_id=task_id))
        if action == "resolve":
            engine.resolve(actor, task_id, coerced.data, _comment() or None, uploads=uploads)
            flash(_("The task went back to the person who delegated it."), "success")
            return redirect(url_for("inbox.index"))
        if coerced.errors:  # text that is no number: say so first (the engine checks the rest on the next try)
            raise engine.FormInvalid("表单填写有误，请按提示修改", "The form has errors; please correct the marked fields", [])
        after = engine.complete_task(actor, task_id, coerced.data, expected_version=request.form.get("version", type=int),
                                     comment=_comment() or None, uploads=uploads)
    except engine.FormInvalid as err:
        errors = forms_render.merge_errors(coerced.errors, forms_render.error_map(err.details, current_locale()))
        flash(common.error_text(err), "error")
        return _render(task, case, schema, values, errors, status=422, typed={"comment": _comment()})
    except engine.EngineError as err:
        common.flash_error(err)
        return _render(task, case, schema, values, status=err.status, typed={"comment": _comment()})
    flash(_done_message(task.name, after.status), "success")
    return redirect(url_for("cases.show", instance_id=task.instance_id))


def _done_message(name: str, status: str) -> str:
    """What happened to the case after a completion: closed (办结), stopped on an incident, or on to its next step."""
    if status == "completed":
        return _("“%(name)s” is done. The case is closed.", name=name)
    if status == "error":
        return _("“%(name)s” is done, but the case stopped on an error and waits for an administrator.", name=name)
    return _("“%(name)s” is done. The case moves on to its next step.", name=name)


def _comment() -> str:
    return (request.form.get("comment") or "").strip()[:COMMENT_MAX]


def _task_action(task_id: str, name: str) -> ResponseReturnValue:
    actor = session_auth.require_actor()
    try:
        task, case = _load(task_id)
    except engine.NotFound:
        return error_page(404, _("This task does not exist or is not visible to you."))
    comment, target = _comment(), (request.form.get("to") or "").strip()
    typed = {"action": name, "comment": comment, "to": target}
    problems = {}
    if not comment:
        problems[name] = _("Write a comment: the next person needs to know why.")
    elif name != "send_back" and not target:
        problems[name] = _("Choose the person to hand the task to.")
    if problems:
        schema = _schema(task)
        return _render(task, case, schema, _initial_values(task, case, schema), action_errors=problems, status=422,
                       typed=typed)
    try:
        if name == "reassign":
            engine.reassign(actor, task_id, target, comment)
            flash(_("Reassigned to %(user)s.", user=target), "success")
        elif name == "delegate":
            engine.delegate(actor, task_id, target, comment)
            flash(_("Delegated to %(user)s; it comes back to you when they are done.", user=target), "success")
        else:
            engine.send_back(actor, task_id, comment)
            flash(_("Sent back to the previous step."), "success")
    except engine.EngineError as err:
        schema = _schema(task)
        return _render(task, case, schema, _initial_values(task, case, schema),
                       action_errors={name: common.error_text(err)}, status=err.status, typed=typed)
    return redirect(url_for("inbox.index"))


@bp.get("/tasks/<task_id>/handover-candidates")
@login_required
def handover_candidates(task_id: str) -> ResponseReturnValue:
    """The <option>s of the 转办/委派 picker, filtered by name (htmx swaps them into the select)."""
    try:
        people = engine.handover_candidates(session_auth.require_actor(), task_id, request.args.get("q"))
    except engine.NotFound:
        return error_page(404, _("This task does not exist or is not visible to you."))
    except engine.Forbidden as err:
        return error_page(403, common.error_text(err))
    return render_template("pages/_handover_options.html", candidates=people, selected=None)


@bp.post("/tasks/<task_id>/reassign")
@login_required
def reassign(task_id: str) -> ResponseReturnValue:
    return _task_action(task_id, "reassign")


@bp.post("/tasks/<task_id>/delegate")
@login_required
def delegate(task_id: str) -> ResponseReturnValue:
    return _task_action(task_id, "delegate")


@bp.post("/tasks/<task_id>/send-back")
@login_required
def send_back(task_id: str) -> ResponseReturnValue:
    return _task_action(task_id, "send_back")
