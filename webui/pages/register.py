"""The hazard register (隐患清单) with filters, the major hazard list (重大事故隐患清单), CSV/xlsx export."""
from __future__ import annotations

import importlib.util
import io
from collections.abc import Iterable
from typing import Any

from flask import Blueprint, Response, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from engine.campaign import SUPERVISION, HazardRow, enterprise_names, hazard_register
from webui import session_auth
from webui.pages import common
from webui.pages.auth import error_page
from webui.pages.register_labels import CLOSED_BY_LABELS, SPOT_CHECK_LABELS
from webui.session_auth import login_required

bp = Blueprint("register", __name__)

XLSX_AVAILABLE = importlib.util.find_spec("openpyxl") is not None  # optional: CSV works without it
PAGE_SIZE = 100
EXPORT_LIMIT = 5000
STATUSES = ("running", "completed", "terminated", "suspended", "error")
COLUMNS = (  # (key, label); the major list adds the five fixes
    ("id", _l("No.")), ("title", _l("Title")), ("enterprise_name", _l("Enterprise")), ("industry", _l("Industry")),
    ("hazard_level", _l("Level")), ("source", _l("Source")), ("status", _l("Status")), ("current_step", _l("Current step")),
    ("deadline", _l("Rectification deadline")), ("overdue", _l("Overdue")), ("started_at", _l("Reported")),
)
FIVE_FIX_COLUMNS = (
    ("responsible_person", _l("Responsible person")), ("measures", _l("Measures")), ("funds", _l("Funds (yuan)")),
    ("deadline", _l("Rectification deadline")), ("contingency_plan", _l("Contingency plan")),
)
CLOSED_COLUMNS = (("closed_on", _l("Closed on")), ("closed_by", _l("Closed by")), ("spot_check_result", _l("Sample check")))
SUPERVISION_COLUMNS = (  # the major list's 挂牌督办, 报市安委办 and 停产停业整顿 (case data, engine.campaign.register.SUPERVISION)
    ("supervision_listed_on", _l("Listed for supervision on")), ("supervision_listed_by", _l("Listed by")),
    ("supervising_leader", _l("Supervising leader")), ("supervision_deadline", _l("Supervision deadline")),
    ("supervision_closed_on", _l("Delisted on")), ("committee_reported_on", _l("Reported to the committee office on")),
    ("committee_document_no", _l("Report document no.")), ("suspension_decision_no", _l("Suspension decision no.")),
    ("suspension_decided_on", _l("Suspension decided on")), ("suspension_scope", _l("Suspension scope")),
    ("suspension_lifted_on", _l("Suspension lifted on")),
)


def _filters() -> dict[str, Any]:
    args = request.args
    overdue = {"yes": True, "no": False}.get(args.get("overdue", ""))
    level = "major" if args.get("view") == "major" else args.get("level") or None
    return {"enterprise_code": args.get("enterprise") or None, "industry": args.get("industry") or None,
            "hazard_level": level if level in (None, *common.LEVEL_LABELS) else None,
            "status": args.get("status") if args.get("status") in STATUSES else None,
            "source": args.get("source") if args.get("source") in common.SOURCE_LABELS else None, "overdue": overdue}


def _page(limit: int, offset: int = 0) -> Any:
    return hazard_register(session_auth.require_actor(), today=common.today(), limit=limit, offset=offset,
                                    **_filters())


@bp.get("/register")
@login_required
def index() -> ResponseReturnValue:
    major = request.args.get("view") == "major"
    offset = max(0, request.args.get("offset", 0, type=int) or 0)
    args = {k: v for k, v in request.args.items() if k != "offset"}
    return render_template("pages/register.html", page=_page(PAGE_SIZE, offset), major=major, args=args,
                           enterprises=enterprise_names(session_auth.require_actor()),
                           industries=common.industries(), statuses=STATUSES, levels=common.LEVEL_LABELS,
                           sources=common.SOURCE_LABELS, csv_url=url_for("register.export_csv", **args),
                           closed_by_label=lambda v: common.label(CLOSED_BY_LABELS, v),
                           spot_check_label=lambda v: common.label(SPOT_CHECK_LABELS, v),
                           xlsx_url=url_for("register.export_xlsx", **args) if XLSX_AVAILABLE else None)


def _cell(row: HazardRow, key: str) -> Any:
    if key in SUPERVISION:
        return row.supervision.get(key, "")
    value = getattr(row, key)
    if key == "closed_by":
        return common.label(CLOSED_BY_LABELS, value) if value else ""
    if key == "spot_check_result":
        return common.label(SPOT_CHECK_LABELS, value) if value else ""
    if key == "industry":
        return common.industry_name(value)
    if key == "hazard_level":
        return common.label(common.LEVEL_LABELS, value)
    if key == "source":
        return common.label(common.SOURCE_LABELS, value)
    if key == "status":
        return common.label(common.STATUS_LABELS, value)
    if key == "overdue":
        return _("Yes") if value else ""
    if key == "started_at":
        return common.fmt_dt(value)
    if key == "deadline":
        return common.fmt_date(value)
    if key == "enterprise_name":
        return value or row.enterprise_code or ""
    return "" if value is None else value


def _table() -> tuple[list[str], Iterable[list[Any]]]:
    columns = list(COLUMNS)
    if request.args.get("view") == "major":
        columns = [c for c in columns if c[0] != "deadline"] + list(FIVE_FIX_COLUMNS) + list(CLOSED_COLUMNS[:2]) \
            + list(SUPERVISION_COLUMNS)
    else:
        columns += list(CLOSED_COLUMNS)
    rows = _page(EXPORT_LIMIT).items
    return [str(label) for _key, label in columns], ([_cell(r, key) for key, _label in columns] for r in rows)


def _filename(ext: str) -> str:
    stem = "major-hazards" if request.args.get("view") == "major" else "hazard-register"
    return f"{stem}-{common.today().isoformat()}.{ext}"


@bp.get("/register.csv")
@login_required
def export_csv() -> Response:
    header, rows = _table()
    return common.csv_response(_filename("csv"), header, rows)


@bp.get("/register.xlsx")
@login_required
def export_xlsx() -> ResponseReturnValue:
    if not XLSX_AVAILABLE:
        return error_page(501, _("Excel export is not installed on this server; use the CSV export."))
    from openpyxl import Workbook  # only this export needs it
    header, rows = _table()
    book = Workbook()
    sheet = book.active
    sheet.title = _("Major hazards") if request.args.get("view") == "major" else _("Hazard register")
    sheet.append(header)
    for row in rows:
        sheet.append([common.safe_cell(v) for v in row])
    sheet.freeze_panes = "A2"
    buffer = io.BytesIO()
    book.save(buffer)
    return Response(buffer.getvalue(), mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                    headers={"Content-Disposition": f"attachment; filename={_filename('xlsx')}"})
