"""Daily self-checks per enterprise (每日自查情况), a view of the register: done, missed, still open, rate, CSV.

The window is the current month so far unless `?month=YYYY-MM` or `?from=&to=` (ISO dates) say otherwise;
`?sort=missed|rate|enterprise`. Labels are kept here in both languages, as on the notice receipts page.
"""
from __future__ import annotations

import csv
import io
from datetime import date

from flask import Blueprint, Response, render_template, request, url_for
from flask.typing import ResponseReturnValue

import engine
from engine import self_checks
from webui import session_auth
from webui.i18n import current_locale
from webui.pages import common
from webui.pages.auth import error_page
from webui.session_auth import login_required

bp = Blueprint("self_checks", __name__)

TEXT = {
    "zh": {"title": "每日自查情况", "tab": "每日自查",
           "intro": "每家企业每天一个自查案件：当日23:59前未完成的记为未按时自查。完成率 = 已完成 ÷（已完成 + 未按时）。",
           "window": "统计期间", "month": "月份", "from": "起", "to": "止", "apply": "查看",
           "expected": "应自查", "done": "已完成", "missed": "未按时", "open": "进行中", "rate": "完成率",
           "heavy": "未按时≥3次的企业", "heavy_badge": "多次未按时自查", "hazards": "自查发现隐患",
           "last_done": "最近完成", "enterprise": "企业", "code": "统一社会信用代码", "industry": "行业",
           "csv": "导出 CSV", "none": "此期间没有自查案件。",
           "invalid": "日期格式应为 YYYY-MM-DD，月份为 YYYY-MM。"},
    "en": {"title": "Daily self-checks", "tab": "Daily self-checks",
           "intro": "Each enterprise gets one self-check case a day; one not done by 23:59 counts as missed. "
                    "Rate = done ÷ (done + missed).",
           "window": "Period", "month": "Month", "from": "From", "to": "To", "apply": "Show",
           "expected": "Expected", "done": "Done", "missed": "Missed", "open": "Still open", "rate": "Rate",
           "heavy": "Enterprises with 3+ missed", "heavy_badge": "Missed 3+ times", "hazards": "Hazards found",
           "last_done": "Last done", "enterprise": "Enterprise", "code": "Credit code", "industry": "Industry",
           "csv": "Export CSV", "none": "No self-check cases in this period.",
           "invalid": "Write dates as YYYY-MM-DD and months as YYYY-MM."},
}
CSV_COLUMNS = ("code", "enterprise", "industry", "expected", "done", "missed", "open", "rate", "last_done", "hazards")


def text() -> dict[str, str]:
    """The labels in the page's language."""
    return TEXT["en" if current_locale() == "en" else "zh"]


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
        span = self_checks.month_window(date.fromisoformat(args["month"] + "-01"), today)
        return {"start": span.start, "end": span.end}
    return {}


def _report() -> self_checks.SelfCheckReport | ResponseReturnValue:
    try:
        return self_checks.self_check_report(session_auth.require_actor(), today=common.today(), **_window_args())
    except ValueError:
        return error_page(400, text()["invalid"])
    except engine.BadRequest as err:
        return error_page(400, common.error_text(err))


def _sort() -> str:
    return request.args.get("sort") if request.args.get("sort") in self_checks.SORTS else "missed"


@bp.get("/register/self-checks")
@login_required
def index() -> ResponseReturnValue:
    report = _report()
    if not isinstance(report, self_checks.SelfCheckReport):
        return report
    args, sort = {k: v for k, v in request.args.items() if k in ("month", "from", "to")}, _sort()
    return render_template("pages/self_checks.html", report=report, rows=self_checks.sort_rows(report.rows, sort),
                           sort=sort, args=args, t=text(), percent=percent,
                           csv_url=url_for("self_checks.export_csv", sort=sort, **args),
                           month=report.window.start.strftime("%Y-%m"))


def _cells(row: self_checks.EnterpriseChecks) -> list[str]:
    return [row.enterprise_code, row.enterprise_name, common.industry_name(row.industry), str(row.expected),
            str(row.done), str(row.missed), str(row.open), percent(row.rate),
            row.last_done.isoformat() if row.last_done else "", str(row.hazards_opened)]


@bp.get("/register/self-checks.csv")
@login_required
def export_csv() -> ResponseReturnValue:
    report = _report()
    if not isinstance(report, self_checks.SelfCheckReport):
        return report
    labels = text()
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([labels[c] for c in CSV_COLUMNS])
    for row in self_checks.sort_rows(report.rows, _sort()):  # neutralise cells a spreadsheet would run as formulas
        writer.writerow(["'" + v if v[:1] in ("=", "+", "-", "@", "\t", "\r") else v for v in _cells(row)])
    name = f"self-checks-{report.window.start.isoformat()}-{report.window.end.isoformat()}.csv"
    # UTF-8 with a BOM, so that Excel on Chinese Windows reads the Chinese correctly.
    return Response("\ufeff" + buffer.getvalue(), mimetype="text/csv",
                    headers={"Content-Disposition": f"attachment; filename={name}"})
