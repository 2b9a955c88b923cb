"""The inbox (待办): tabs by scope with counts, filters, due badges; claim and release without JavaScript."""
from __future__ import annotations

from collections.abc import Callable

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

import engine
from engine.campaign import enterprise_names
from webui import session_auth
from webui.pages import common
from webui.session_auth import login_required

bp = Blueprint("inbox", __name__)

PAGE_SIZE = 50
# Tab key → (engine scope, label). "cc": steps copied to me by a `ccTo` task property (抄送).
TABS = {
    "mine": ("mine", _l("To do")),
    "candidate": ("candidate", _l("Available to claim")),
    "done": ("done", _l("Done")),
    "started": ("started", _l("Started by me")),
    "cc": ("cc", _l("Copied to me")),
}


def _filters() -> dict[str, str | None]:
    args = request.args
    return {"process_key": args.get("process") or None, "enterprise_code": args.get("enterprise") or None,
            "hazard_level": args.get("level") if args.get("level") in common.LEVEL_LABELS else None}


def _counts(actor: engine.Actor, filters: dict[str, str | None]) -> dict[str, int | None]:
    counts: dict[str, int | None] = {}
    for tab, (scope, _label) in TABS.items():
        counts[tab] = engine.list_tasks(actor, scope=scope, limit=1, **filters).total if scope else None
    return counts


@bp.get("/inbox")
@login_required
def index() -> ResponseReturnValue:
    actor = session_auth.require_actor()
    tab = request.args.get("tab", "mine")
    if tab not in TABS:
        tab = "mine"
    filters = _filters()
    offset = max(0, request.args.get("offset", 0, type=int) or 0)
    scope = TABS[tab][0]
    page = engine.list_tasks(actor, scope=scope, limit=PAGE_SIZE, offset=offset, **filters) if scope else None
    processes = {p.key: p.name for p in engine.list_processes()}
    return render_template("pages/inbox.html", tab=tab, tabs=TABS, counts=_counts(actor, filters), page=page,
                           filters=filters, processes=processes, enterprises=enterprise_names(actor),
                           levels=common.LEVEL_LABELS)


def _back() -> ResponseReturnValue:
    return redirect(session_auth.safe_next(request.form.get("next")) or url_for("inbox.index"))


def _take_or_give_back(task_id: str, call: Callable[[engine.Actor, str], engine.TaskView],
                       done: Callable[[str], str]) -> ResponseReturnValue:
    """Claim or release a task; flash what happened (or why not); back to where the user was."""
    try:
        task = call(session_auth.require_actor(), task_id)
        flash(done(task.name), "success")
    except engine.EngineError as err:
        common.flash_error(err)
    return _back()


@bp.post("/tasks/<task_id>/claim")
@login_required
def claim(task_id: str) -> ResponseReturnValue:
    return _take_or_give_back(task_id, engine.claim,
                              lambda name: _("You claimed “%(name)s”. It is now in your to-do list.", name=name))


@bp.post("/tasks/<task_id>/release")
@login_required
def release(task_id: str) -> ResponseReturnValue:
    return _take_or_give_back(task_id, engine.unclaim,
                              lambda name: _("You released “%(name)s”; others with the role can claim it.", name=name))
