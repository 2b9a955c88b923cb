"""A notice's read receipts (通知公告已读回执): confirmed / pending / overdue per enterprise, and a CSV export.

Bureau-side users only (engine.notices.coverage refuses enterprise users). The labels are kept here in both
languages rather than in the message catalogue.
"""
from __future__ import annotations

import csv
import io

from flask import Blueprint, Response, render_template, url_for
from flask.typing import ResponseReturnValue

import engine
from engine import notices
from webui import session_auth
from webui.i18n import current_locale
from webui.pages import common
from webui.pages.auth import error_page
from webui.session_auth import login_required

bp = Blueprint("notices", __name__)

TEXT = {
    "zh": {"title": "通知回执", "intro": "每家目标企业一个已读确认案件；逾期未确认的已提醒并升级到业务科室。",
           "total": "目标企业", "confirmed": "已确认", "pending": "待确认", "overdue": "已逾期", "rate": "确认率",
           "code": "统一社会信用代码", "enterprise": "企业", "industry": "行业", "state": "状态", "due": "确认期限",
           "confirmed_at": "确认时间", "confirmed_by": "确认人", "case": "案件", "csv": "导出 CSV",
           "none": "此通知尚未发布，或没有目标企业。", "notice": "通知案件", "forbidden": "只有局内人员可以查看通知回执。",
           "missing": "此通知不存在或您无权查看。"},
    "en": {"title": "Notice receipts", "intro": "One read-confirmation case per target enterprise; overdue ones have "
           "been reminded and escalated to the inspectors.", "total": "Target enterprises", "confirmed": "Confirmed",
           "pending": "Pending", "overdue": "Overdue", "rate": "Confirmed share", "code": "Credit code",
           "enterprise": "Enterprise", "industry": "Industry", "state": "State", "due": "Due",
           "confirmed_at": "Confirmed at", "confirmed_by": "Confirmed by", "case": "Case", "csv": "Export CSV",
           "none": "This notice is not published yet, or it has no target enterprises.", "notice": "Notice case",
           "forbidden": "Only bureau staff may see notice receipts.",
           "missing": "This notice does not exist or is not visible to you."},
}
CSV_COLUMNS = ("code", "enterprise", "industry", "state", "due", "confirmed_at", "confirmed_by", "case")


def _text() -> dict[str, str]:
    return TEXT["en" if current_locale() == "en" else "zh"]


def _coverage(notice_id: int) -> notices.Coverage | ResponseReturnValue:
    try:
        return notices.coverage(session_auth.require_actor(), notice_id)
    except engine.Forbidden:
        return error_page(403, _text()["forbidden"])
    except engine.NotFound:
        return error_page(404, _text()["missing"])


def _cells(row: notices.AckRow) -> list[str]:
    text = _text()
    return [row.enterprise_code or "", row.enterprise_name or "", common.industry_name(row.industry) or "",
            text[row.state], common.fmt_dt(row.due_at) if row.due_at else "",
            common.fmt_dt(row.confirmed_at) if row.confirmed_at else "", row.confirmed_by or "", str(row.case_id)]


@bp.get("/notices/<int:notice_id>")
@login_required
def show(notice_id: int) -> ResponseReturnValue:
    cover = _coverage(notice_id)
    if not isinstance(cover, notices.Coverage):
        return cover
    return render_template("pages/notices_coverage.html", cover=cover, t=_text(),
                           rows=[(r, _cells(r)) for r in cover.rows],
                           csv_url=url_for("notices.export_csv", notice_id=notice_id))


@bp.get("/notices/<int:notice_id>.csv")
@login_required
def export_csv(notice_id: int) -> ResponseReturnValue:
    cover = _coverage(notice_id)
    if not isinstance(cover, notices.Coverage):
        return cover
    text = _text()
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([text[c] for c in CSV_COLUMNS])
    for row in cover.rows:  # a cell starting with = + - @ would run as a spreadsheet formula: neutralise it
        writer.writerow(["'" + v if v[:1] in ("=", "+", "-", "@", "\t", "\r") else v for v in _cells(row)])
    return Response("\ufeff" + buffer.getvalue(), mimetype="text/csv",
                    headers={"Content-Disposition": f"attachment; filename=notice-{notice_id}-receipts.csv"})
