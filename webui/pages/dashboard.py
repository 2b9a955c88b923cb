"""The campaign dashboard: progress against the campaign's goals, as figures, tables and charts."""
from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, jsonify, render_template
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import pgettext

from engine import dashboard
from webui import session_auth
from webui.pages import common
from webui.pages.self_checks import percent
from webui.session_auth import login_required

bp = Blueprint("dashboard", __name__)

def _figures() -> dashboard.CampaignFigures:
    return dashboard.campaign_figures(session_auth.require_actor(), today=common.today())


def _coverage_rows(figures: dashboard.CampaignFigures) -> list[dict[str, Any]]:
    return [{"industry": common.industry_name(c.industry) or _("Unknown"), "year": c.year, "trained": c.trained,
             "enrolled": c.enrolled, "percent": round(100 * c.trained / c.enrolled) if c.enrolled else None}
            for c in figures.training]


@bp.get("/dashboard")
@login_required
def index() -> ResponseReturnValue:
    figures = _figures()
    overdue = [(common.industry_name(k) or _("Unknown"), n) for k, n in figures.overdue_by_industry]
    return render_template("pages/dashboard.html", f=figures, overdue=overdue, coverage=_coverage_rows(figures),
                           loop_percent=percent(figures.loop_share), percent=percent,
                           show_receipts=session_auth.require_actor().enterprise_id is None)


def _self_checks(f: dashboard.CampaignFigures) -> dict[str, Any]:
    checks = f.self_check
    return {"labels": [pgettext("self-check", "Done"), _("Missed"), _("Still open")],
            "values": [checks.done, checks.missed, checks.open], "label": _("Daily self-checks this month"),
            "from": checks.window.start.isoformat(), "to": checks.window.end.isoformat(),
            "expected": checks.expected, "done": checks.done, "missed": checks.missed, "open": checks.open,
            "rate": checks.rate, "missed_heavy": checks.missed_heavy}


def _receipts(f: dashboard.CampaignFigures) -> dict[str, Any]:
    return {"confirmed": f.notices_confirmed, "total": f.notices_sent, "overdue": f.notices_overdue,
            "notices": [{"id": n.notice_id, "title": n.title, "published_at": n.published_at.isoformat()
                         if n.published_at else None, "confirmed": n.confirmed, "pending": n.pending,
                         "overdue": n.overdue, "total": n.total} for n in f.notice_receipts]}


@bp.get("/dashboard/data.json")
@login_required
def data() -> Response:
    """The chart series, labelled in the page's language (read by static/js/pages/dashboard.js)."""
    f = _figures()
    coverage = _coverage_rows(f)
    return jsonify({
        "loop": {"labels": [_("In the closed loop"), _("Not yet in the loop")],
                 "values": [f.major_in_loop, f.major_total - f.major_in_loop]},
        "new_major": {"labels": [str(year) for year, _n in f.new_major_by_year],
                      "values": [n for _year, n in f.new_major_by_year], "label": _("New major hazards")},
        "open_major": {"labels": [_("Open, on time"), _("Open, overdue"), _("Closed")],
                       "values": [f.major_open - f.major_open_overdue, f.major_open_overdue, f.major_closed]},
        "overdue": {"labels": [common.industry_name(k) or _("Unknown") for k, _n in f.overdue_by_industry],
                    "values": [n for _k, n in f.overdue_by_industry], "label": _("Overdue hazard cases")},
        "training": {"labels": [f"{c['industry']} {c['year']}" for c in coverage],
                     "values": [c["percent"] for c in coverage], "label": _("Training coverage (%)")},
        "self_checks": _self_checks(f),
        "notices": _receipts(f),
    })
