"""`/api/v1/processes/<key>/statistics`: where a process's cases wait, per step and per flow (engine.runtime.step_statistics).

The routes are attached to `webui.api.v1_base.bp`; `webui.api.v1` imports this module before it is registered.
"""
from __future__ import annotations

from datetime import date

from flask import Response

from engine.runtime import (
    MAX_SLOWEST,
    STATISTICS_DEFAULT_DAYS,
    StepStatisticsFilters,
    step_statistics_process_statistics,
)
from webui.api import v1_base as _v1
from webui.api.common import actor, check_query, doc, json_response, query_int, query_str
from webui.api.errors import bad_request
from webui.statistics_payload import statistics_json

bp_routes = _v1.blueprint  # not named `bp`: the blueprint is registered once, by webui.api.v1

FILTERS = [
    ("version", "integer", "one version of the process (default: all versions; the newest diagram is described)"),
    ("from", "date", f"first day counted, YYYY-MM-DD (China time; default: {STATISTICS_DEFAULT_DAYS} days before `to`); "
                     "tasks are counted by the day they were created"),
    ("to", "date", "last day counted, YYYY-MM-DD (default: today); at most 5 years after `from`"),
    ("industry", "string", "industry key of the cases"), ("township", "string", "township of the cases' enterprises"),
    ("enterprise", "string", "credit code of the cases' enterprise (an enterprise user: only its own)"),
    ("slowest", "integer", f"cases listed per step as its slowest, 1–{MAX_SLOWEST} (default 10)"),
]


def _date(name: str) -> date | None:
    raw = query_str(name, max_length=10)
    if raw is None:
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError as err:
        raise bad_request(f"参数 {name} 必须是日期 YYYY-MM-DD", f"Parameter {name} must be a date YYYY-MM-DD",
                          {"parameter": name}) from err


@bp_routes.get("/processes/<key>/statistics")
@doc(summary="Where cases wait: per step (keyed by element id) counts, waits, late share; per flow how often taken",
     tag="processes", query=FILTERS,
     responses={200: "the statistics", 400: "a bad period, industry or parameter",
                403: "the caller's roles do not include process statistics",
                404: "no such process, version or enterprise (another enterprise's, for an enterprise user)"})
def process_statistics(key: str) -> Response:
    """`{"key", "name", "version", "diagram_version", "versions", "from", "to", "filters", "enterprise_scope",
    "steps": {element id: {"name", "tasks", "completed", "open", "claim_wait", "completion_wait", "late",
    "with_due", "overdue_share", "reminders", "escalations", "send_backs", "slowest"}}, "flows": {flow id: {"source",
    "target", "name", "count"}}, "unmatched"}`. Waits are `{"count", "median_seconds", "p90_seconds"}` (as
    percentile_cont) from a task's creation to its first claim and to its completion; `overdue_share` is late ÷
    tasks with a due time. Flow counts are inferred from consecutive steps (docs/process-owner-guide.md)."""
    check_query([name for name, _, _ in FILTERS])
    filters = StepStatisticsFilters(version=query_int("version", None, minimum=1, maximum=100_000), date_from=_date("from"),
                            date_to=_date("to"), industry=query_str("industry", max_length=40),
                            township=query_str("township", max_length=100),
                            enterprise_code=query_str("enterprise", max_length=18),
                            slowest=query_int("slowest", 10, minimum=1, maximum=MAX_SLOWEST) or 10)
    result = step_statistics_process_statistics(actor(), key, filters)
    return json_response(statistics_json(result, lambda i: f"/api/v1/instances/{i}"))
