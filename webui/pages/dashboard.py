"""The campaign dashboard: the plan's targets as tiles (engine.campaign.plan_progress, counted by the registers, each linking
to its register rows), for a year or the campaign to date, plus figures, tables and charts."""
from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, jsonify, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import pgettext

from engine.campaign import (
    CampaignFigures,
    PlanProgress,
    PlanProgressTile,
    RegistersFilters,
    campaign_figures,
    plan_progress_progress,
    plan_progress_YEARS,
)
from webui import session_auth
from webui.pages import common
from webui.pages.self_checks import percent
from webui.session_auth import login_required

bp = Blueprint("dashboard", __name__)

TILE_NAMES = {
    "major_loop": _l("Major hazards in the closed loop"), "major_new": _l("New major hazards"),
    "major_open": _l("Major hazards not yet struck off"), "training": _l("Training coverage"),
    "self_checks": _l("Daily self-checks done"), "inspections": _l("Half-yearly inspections done"),
    "inspections_high_risk": _l("Quarterly inspections of red and orange enterprises"),
    "drills": _l("Evacuation drills held"), "referrals": _l("Referrals answered"),
    "whistleblower": _l("Whistleblower reports handled in time"), "notices": _l("Notices confirmed"),
}
TILE_TARGETS = {
    "major_loop": _l("Target: all of them from 2024 (struck off, or being fixed within the deadline)"),
    "major_new": _l("Target: fewer than the year before, from 2025"),
    "major_open": _l("Target: none overdue; none left by the end of 2026"),
    "training": _l("Target: everyone the year requires trained and passed (all by the end of 2026)"),
    "self_checks": _l("Target: every enterprise, every day"),
    "inspections": _l("Target: every enterprise each half year"),
    "inspections_high_risk": _l("Target: every red and orange enterprise each quarter"),
    "drills": _l("Target: yearly, half-yearly for high-risk trades"),
    "referrals": _l("Target: feedback on every referral"),
    "whistleblower": _l("Target: every report handled within its time"),
    "notices": _l("Target: every enterprise confirms"),
}
STATE_WORDS = {"done": _l("done"), "open": _l("within the deadline"), "overdue": _l("overdue"),
               "missed": _l("not done")}
STRUCK_OFF = _l("struck off")
LATE = _l("of them handled late")
SMALL_VENUES = _l("Small venues")
PEOPLE_WORDS = {"enrolled": _l("people enrolled"), "trained": _l("people trained"), "passed": _l("people passed")}
YEAR_CHOICES = (*plan_progress_YEARS, None)


def _year() -> int | None:
    value = request.args.get("year", "")
    return int(value) if value.isdigit() and int(value) in plan_progress_YEARS else None


def register_url(kind: str, f: RegistersFilters, state: str | None = None) -> str:
    """The register page showing exactly the rows a figure counts."""
    args = {"year": f.year, "quarter": f.quarter, "month": f.month, "type": f.variant, "state": state or f.state,
            "risk": ",".join(f.risk_grades) or None, "settled": "1" if f.settled else None}
    return url_for("registers.show", kind=kind, **{k: v for k, v in args.items() if v is not None})


def _percent(t: PlanProgressTile) -> str:
    return "—" if t.percent is None else f"{t.percent}%"


def _states(t: PlanProgressTile) -> list[dict[str, Any]]:
    """The figures under a tile, each linking to its rows (training: to the people)."""
    if t.people is not None:
        url = url_for("staff.coverage", year=t.filters.year) if t.filters.year else url_for("staff.coverage")
        people = {"enrolled": t.people.enrolled, "trained": t.people.trained, "passed": t.people.passed}
        return [{"state": k, "label": str(PEOPLE_WORDS[k]), "count": n, "url": url} for k, n in people.items()]
    c = t.counts
    states = {"done": c.done, "open": c.open, "overdue": c.overdue, "missed": c.missed}
    found = [{"state": k, "label": str(STRUCK_OFF if k == "done" and t.register == "hazards" else STATE_WORDS[k]),
              "count": n, "url": register_url(t.register, t.filters, k)} for k, n in states.items() if n]
    if c.late:
        found.append({"state": "late", "label": str(LATE), "count": c.late,
                      "url": register_url(t.register, t.filters, "done")})
    return found


def _pending_text(t: PlanProgressTile) -> str | None:
    if not t.pending:
        return None
    if t.people is not None:
        return _("%(n)s people not yet passed while the year runs", n=t.pending)
    return _("%(n)s still within the deadline are not counted yet", n=t.pending)


def _tile(t: PlanProgressTile) -> dict[str, Any]:
    url = _states(t)[0]["url"] if t.people is not None else register_url(t.register, t.filters)
    return {"key": t.key, "name": str(TILE_NAMES[t.key]), "target": str(TILE_TARGETS[t.key]), "met": t.met,
            "value": _percent(t) if t.denominator is not None else str(t.numerator),
            "numerator": t.numerator, "denominator": t.denominator, "rate": t.rate, "pending": t.pending,
            "previous": t.previous, "url": url, "pending_text": _pending_text(t),
            "previous_url": register_url(t.register, t.previous_filters) if t.previous_filters else None,
            "states": _states(t)}


def _progress() -> PlanProgress:
    return plan_progress_progress(session_auth.require_actor(), _year(), today=common.today())


def _figures() -> CampaignFigures:
    return campaign_figures(session_auth.require_actor(), today=common.today())


def _line_name(line: str) -> str:
    return str(SMALL_VENUES) if line == "small_venue" else (common.industry_name(line) or _("Unknown"))


def _coverage_rows(figures: CampaignFigures) -> list[dict[str, Any]]:
    """People passed ÷ required per industry (small venues on their own line) and year, rounded down."""
    return [{"industry": _line_name(c.line), "year": c.year, "passed": c.passed, "required": c.required,
             "percent": None if c.rate is None else int(c.rate * 100),
             "url": url_for("staff.coverage", year=c.year, industry=c.line)}
            for c in figures.training]


@bp.get("/dashboard")
@login_required
def index() -> ResponseReturnValue:
    figures, progress = _figures(), _progress()
    overdue = [(common.industry_name(k) or _("Unknown"), n,
                url_for("registers.show", kind="hazards", industry=k, state="overdue") if k else None)
               for k, n in figures.overdue_by_industry]
    return render_template("pages/dashboard.html", f=figures, p=progress, tiles=[_tile(t) for t in progress.tiles],
                           years=YEAR_CHOICES, overdue=overdue, coverage=_coverage_rows(figures), percent=percent,
                           show_receipts=session_auth.require_actor().enterprise_id is None)


def _self_checks(f: CampaignFigures) -> dict[str, Any]:
    checks = f.self_check
    return {"labels": [pgettext("self-check", "Done"), _("Missed"), _("Still open")],
            "values": [checks.done, checks.missed, checks.open], "label": _("Daily self-checks this month"),
            "from": checks.window.start.isoformat(), "to": checks.window.end.isoformat(),
            "expected": checks.expected, "done": checks.done, "missed": checks.missed, "open": checks.open,
            "rate": checks.rate, "missed_heavy": checks.missed_heavy}


def _receipts(f: CampaignFigures) -> dict[str, Any]:
    return {"confirmed": f.notices_confirmed, "total": f.notices_sent, "overdue": f.notices_overdue,
            "notices": [{"id": n.notice_id, "title": n.title, "published_at": n.published_at.isoformat()
                         if n.published_at else None, "confirmed": n.confirmed, "pending": n.pending,
                         "overdue": n.overdue, "total": n.total} for n in f.notice_receipts]}


@bp.get("/dashboard/data.json")
@login_required
def data() -> Response:
    """The chart series, labelled in the page's language (read by static/js/pages/dashboard.js)."""
    f, p = _figures(), _progress()
    coverage = _coverage_rows(f)
    loop, major = p.tile("major_loop"), p.tile("major_open").counts
    rates = [t for t in p.tiles if t.denominator]  # 0 / 0 has no rate: left out of the chart
    return jsonify({
        "year": p.year, "today": p.today.isoformat(), "tiles": [_tile(t) for t in p.tiles],
        "plan": {"labels": [str(TILE_NAMES[t.key]) for t in rates],
                 "values": [t.percent for t in rates],
                 "label": _("Share of the target reached (%)")},
        "loop": {"labels": [_("In the closed loop"), _("Not yet in the loop")],
                 "values": [loop.numerator, (loop.denominator or 0) - loop.numerator]},
        "new_major": {"labels": [str(year) for year, _n in p.new_major_by_year],
                      "values": [n for _year, n in p.new_major_by_year], "label": _("New major hazards")},
        "open_major": {"labels": [_("Open, on time"), _("Open, overdue"), _("Closed")],
                       "values": [major.open, major.overdue, major.done]},
        "overdue": {"labels": [common.industry_name(k) or _("Unknown") for k, _n in f.overdue_by_industry],
                    "values": [n for _k, n in f.overdue_by_industry], "label": _("Overdue hazard cases")},
        "training": {"labels": [f"{c['industry']} {c['year']}" for c in coverage],
                     "values": [c["percent"] for c in coverage], "label": _("Training coverage (%)")},
        "self_checks": _self_checks(f),
        "notices": _receipts(f),
    })
