"""Daily self-checks per enterprise (每日自查情况), a view of the register: done, missed, still open, rate, CSV.

The window is the current month so far unless `?month=YYYY-MM` or `?from=&to=` (ISO dates) say otherwise;
`?sort=missed|rate|enterprise`.
"""
from __future__ import annotations

from datetime import date

from flask import Blueprint, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import pgettext

import engine
from engine.campaign import (
    EnterpriseChecks,
    SelfCheckReport,
    self_check_report,
    self_checks_month_window,
    self_checks_sort_rows,
    self_checks_SORTS,
)
from webui import session_auth
from webui.pages import common
from webui.pages.auth import error_page
from webui.session_auth import login_required

bp = Blueprint("self_checks", __name__)


def csv_header() -> list[str]:
    """The CSV's column headers in the request's language (looked up per request, not lazily as in register.py,
    because "Done" needs a message context)."""
    return [_("Credit code"), _("Enterprise"), _("Industry"), _("Expected"), pgettext("self-check", "Done"),
            _("Missed"), _("Still open"), _("Rate"), _("Last done"), _("Hazards found")]


def percent(rate: float | None) -> str:
    """A 0–1 rate as a whole percentage ('—' when there is none)."""
    return "—" if rate is None else f"{round(rate * 100)}%"


def _window_args() -> dict[str, date | None]:
    """The window the query asks for (ValueError on a malformed date)."""
    args, today = request.args, common.today()
    if args.get("from") or args.get("to"):
        start = date.fromisoformat(args["from"]) if args.get("from") else None
        return {"start": start, "end": date.fromisoformat(args["to"]) if args.get("to") else None}
    if args.get("month"):
        span = self_checks_month_window(date.fromisoformat(args["month"] + "-01"), today)
        return {"start": span.start, "end": span.end}
    return {}


def _report() -> SelfCheckReport | ResponseReturnValue:
    try:
        return self_check_report(session_auth.require_actor(), today=common.today(), **_window_args())
    except ValueError:
        return error_page(400, _("Write dates as YYYY-MM-DD and months as YYYY-MM."))
    except engine.BadRequest as err:
        return error_page(400, common.error_text(err))


def _sort() -> str:
    return request.args.get("sort") if request.args.get("sort") in self_checks_SORTS else "missed"


@bp.get("/register/self-checks")
@login_required
def index() -> ResponseReturnValue:
    report = _report()
    if not isinstance(report, SelfCheckReport):
        return report
    args, sort = {k: v for k, v in request.args.items() if k in ("month", "from", "to")}, _sort()
    return render_template("pages/self_checks.html", report=report, rows=self_checks_sort_rows(report.rows, sort),
                           sort=sort, args=args, percent=percent,
                           csv_url=url_for("self_checks.export_csv", sort=sort, **args),
                           month=report.window.start.strftime("%Y-%m"))


def _cells(row: EnterpriseChecks) -> list[str]:
    return [row.enterprise_code, row.enterprise_name, common.industry_name(row.industry), str(row.expected),
            str(row.done), str(row.missed), str(row.open), percent(row.rate),
            row.last_done.isoformat() if row.last_done else "", str(row.hazards_opened)]


@bp.get("/register/self-checks.csv")
@login_required
def export_csv() -> ResponseReturnValue:
    report = _report()
    if not isinstance(report, SelfCheckReport):
        return report
    name = f"self-checks-{report.window.start.isoformat()}-{report.window.end.isoformat()}.csv"
    return common.csv_response(name, csv_header(), (_cells(r) for r in self_checks_sort_rows(report.rows, _sort())))
