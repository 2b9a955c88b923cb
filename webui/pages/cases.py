"""The case page: key fields, the timeline from the audit trail, and the diagram with its progress."""
from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import dataclass
from typing import Any

from flask import Blueprint, Response, render_template
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

import engine
from engine.campaign import has_letter
from engine.runtime import linkable_tasks
from webui import session_auth
from webui.pages import common, diagram_steps, files
from webui.pages.auth import error_page
from webui.session_auth import login_required

bp = Blueprint("cases", __name__)

NOT_FOUND = _l("This case does not exist or is not visible to you.")


@dataclass(frozen=True)
class TimelineItem:
    at: Any
    actor: str | None
    action: str
    label: str
    step: str | None
    comment: str | None
    data: dict[str, Any]
    target: str | None


def element_names(bpmn: str) -> dict[str, str]:
    """id → name of every named element of a (stored, already validated) diagram."""
    names = {}
    for element in ET.fromstring(bpmn.encode("utf-8")).iter():
        if element.get("id") and element.get("name"):
            names[element.get("id", "")] = element.get("name", "")
    return names


def _timeline(history: list[engine.HistoryEntry], names: dict[str, str], steps: dict[str, str]) -> list[TimelineItem]:
    for h in history:  # every task's element, from its completion (claims happen before it)
        if isinstance(h.before, dict) and h.before.get("task") and h.task_id:
            steps.setdefault(h.task_id, str(h.before["task"]))
    items = []
    for h in history:
        before = h.before if isinstance(h.before, dict) else {}
        after = h.after if isinstance(h.after, dict) else {}
        element = before.get("task") or steps.get(h.task_id or "")
        step = names.get(element, element) if element else None
        target = {"task.send_back": after.get("to"), "attachment.add": after.get("filename")}.get(h.action)
        if h.action not in ("task.send_back", "attachment.add") and isinstance(after.get("assignee"), str):
            target = common.person(after["assignee"])  # claimed by, handed to: a person, shown by name
        data = after.get("data") if isinstance(after.get("data"), dict) else {}
        items.append(TimelineItem(h.at, h.actor, h.action, common.code_name("action", h.action), step,
                                  after.get("comment") or after.get("reason"), data,
                                  names.get(target, target) if isinstance(target, str) else None))
    return items


def _progress(history: list[engine.HistoryEntry], case: engine.InstanceView) -> tuple[list[str], list[str]]:
    done = []
    for h in history:
        if h.action == "task.complete" and isinstance(h.before, dict) and h.before.get("task"):
            done.append(str(h.before["task"]))
    current = [t.element_id for t in case.open_tasks]
    if case.error_element:
        current.append(case.error_element)
    return sorted(set(done) - set(current)), current


@bp.get("/cases/<int:instance_id>")
@login_required
def show(instance_id: int) -> ResponseReturnValue:
    actor = session_auth.require_actor()
    try:
        case = engine.get_instance(actor, instance_id)
        history = engine.instance_history(actor, instance_id)
    except engine.NotFound:
        return error_page(404, str(NOT_FOUND))
    names = element_names(engine.get_bpmn(case.process_key, case.process_version))
    steps = {t.id: t.element_id for t in case.open_tasks}
    completed, current = _progress(history, case)
    process = engine.get_process(case.process_key, case.process_version)
    return render_template("pages/case.html", case=case, timeline=_timeline(history, names, steps), process=process,
                           completed=completed, current=current, error_ids=[case.error_element] if case.error_element else [],
                           files=files.case_files(case.id), steps=diagram_steps.case_steps(history, case, names),
                           letters=_letters(actor, case), linkable=linkable_tasks(actor, case.id))


def _letters(actor: engine.Actor, case: engine.InstanceView) -> list[tuple[str, str]]:
    """The referral and inquiry letters the case has issued, for bureau staff (kind, number)."""
    if actor.enterprise_id is not None:
        return []
    return [(kind, str(case.data.get(field))) for kind, field in (("referral", "letter_no"), ("inquiry", "inquiry_no"))
            if has_letter(case.data, kind)]


@bp.get("/cases/<int:instance_id>/diagram.bpmn")
@login_required
def diagram(instance_id: int) -> ResponseReturnValue:
    actor = session_auth.require_actor()
    try:
        case = engine.get_instance(actor, instance_id, with_data=False)
    except engine.NotFound:
        return error_page(404, _("This case does not exist or is not visible to you."))
    xml = engine.get_bpmn(case.process_key, case.process_version)
    return Response(xml, mimetype="application/xml", headers={"Cache-Control": "private, max-age=300"})
