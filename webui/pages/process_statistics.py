"""流程统计 · Process statistics: where a process's cases wait, as a heat map on its diagram, a table, the slowest
cases per step and a CSV export (engine.runtime.step_statistics decides who may read what).

Query arguments (the same as the API's): `version`, `from`, `to` (YYYY-MM-DD), `industry`, `township`, `enterprise`.
"""
from __future__ import annotations

from datetime import date
from typing import Any

from flask import Blueprint, Response, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

import engine
from engine.campaign import enterprise_names, townships
from engine.runtime import StepStatistics, StepStatisticsFilters, readable_by, step_statistics_process_statistics
from webui import session_auth
from webui.pages import common
from webui.pages.auth import error_page
from webui.session_auth import login_required
from webui.statistics_payload import statistics_json

bp = Blueprint("process_statistics", __name__)

ARG_NAMES = ("version", "from", "to", "industry", "township", "enterprise")
METRICS = ("median", "p90", "overdue")


def duration(seconds: float | None) -> str:
    """A wait in words: minutes under two hours, hours under two days, else days."""
    if seconds is None:
        return "—"
    if seconds < 7200:
        return _("%(n)s min", n=round(seconds / 60))
    if seconds < 172800:
        return _("%(n)s h", n=f"{seconds / 3600:.1f}")
    return _("%(n)s d", n=f"{seconds / 86400:.1f}")


def share(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.0f}%"


def _day(name: str) -> date | None:
    try:
        return date.fromisoformat(request.args.get(name, ""))
    except ValueError:
        return None


def _filters() -> StepStatisticsFilters:
    version = request.args.get("version", "")
    return StepStatisticsFilters(version=int(version) if version.isdigit() and len(version) <= 6 else None,
                         date_from=_day("from"), date_to=_day("to"), industry=request.args.get("industry") or None,
                         township=request.args.get("township") or None,
                         enterprise_code=request.args.get("enterprise") or None)


def _args() -> dict[str, str]:
    return {k: v for k, v in request.args.items() if k in ARG_NAMES and v}


def _overlay(payload: dict[str, Any]) -> dict[str, Any]:
    """The page's data for the diagram: per step the three measures and their labels, per flow its count."""
    steps = {}
    for key, s in payload["steps"].items():
        wait = s["completion_wait"]
        steps[key] = {"name": s["name"], "tasks": s["tasks"],
                      "values": {"median": wait["median_seconds"], "p90": wait["p90_seconds"],
                                 "overdue": s["overdue_share"]},
                      "labels": {"median": duration(wait["median_seconds"]), "p90": duration(wait["p90_seconds"]),
                                 "overdue": share(s["overdue_share"])}}
    return {"steps": steps, "flows": {k: f["count"] for k, f in payload["flows"].items()},
            "texts": {"tasks": _("%(n)s tasks"), "none": _("no tasks")}}


@bp.get("/statistics")
@login_required
def index() -> ResponseReturnValue:
    actor = session_auth.require_actor()
    if not readable_by(actor):
        return error_page(403, _("Your role does not allow this page."))
    return render_template("pages/statistics_index.html", processes=engine.list_processes())


def _choices(actor: engine.Actor) -> dict[str, Any]:
    return {"industries": common.industries(), "townships": townships(actor),
            "enterprises": enterprise_names(actor)}


@bp.get("/processes/<key>/statistics")
@login_required
def show(key: str) -> ResponseReturnValue:
    actor = session_auth.require_actor()
    try:
        result = step_statistics_process_statistics(actor, key, _filters())
    except engine.EngineError as err:
        return error_page(err.status, common.error_text(err))
    payload = statistics_json(result, lambda i: url_for("cases.show", instance_id=i))
    metric = request.args.get("colour") if request.args.get("colour") in METRICS else "median"
    return render_template("pages/process_statistics.html", result=result, overlay=_overlay(payload), args=_args(),
                           choices=_choices(actor), metric=metric, duration=duration, share=share,
                           csv_url=url_for(".export_csv", key=key, **_args()))


@bp.get("/processes/<key>/statistics/v<int:version>.bpmn")
@login_required
def diagram(key: str, version: int) -> ResponseReturnValue:
    """The diagram the heat map is drawn on, for every reader of the statistics (not only process owners)."""
    if not readable_by(session_auth.require_actor()):
        return error_page(403, _("Your role does not allow this page."))
    try:
        xml = engine.get_bpmn(key, version)
    except engine.NotFound as err:
        return error_page(404, common.error_text(err))
    return Response(xml, mimetype="application/xml")


def csv_header() -> list[str]:
    return [_("Step"), _("Element id"), _("Tasks"), _("Completed"), _("Open"), _("Tasks claimed"),
            _("Median wait to claim (h)"), _("P90 wait to claim (h)"), _("Median time to complete (h)"),
            _("P90 time to complete (h)"), _("Overdue share (%)"), _("Reminders"), _("Escalations"), _("Send-backs")]


def _hours(seconds: float | None) -> str:
    return "" if seconds is None else f"{seconds / 3600:.2f}"


def _row(s: StepStatistics) -> list[Any]:
    return [s.name, s.element_id, s.tasks, s.completed, s.open, s.claim.count, _hours(s.claim.median),
            _hours(s.claim.p90), _hours(s.done.median), _hours(s.done.p90),
            "" if s.overdue_share is None else f"{s.overdue_share * 100:.1f}", s.reminders, s.escalations,
            s.send_backs]


@bp.get("/processes/<key>/statistics.csv")
@login_required
def export_csv(key: str) -> ResponseReturnValue:
    actor = session_auth.require_actor()
    try:
        result = step_statistics_process_statistics(actor, key, _filters())
    except engine.EngineError as err:
        return error_page(err.status, common.error_text(err))
    name = f"statistics-{key}-{result.date_from.isoformat()}-{result.date_to.isoformat()}.csv"
    return common.csv_response(name, csv_header(), (_row(s) for s in result.steps))
