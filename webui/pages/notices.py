"""A notice's read receipts (通知公告已读回执): confirmed / pending / overdue per enterprise, and a CSV export.

Bureau-side users only (engine.campaign.notices.coverage refuses enterprise users).
"""
from __future__ import annotations

from flask import Blueprint, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import pgettext

import engine
from engine.campaign import AckRow, Coverage, notices_coverage
from webui import session_auth
from webui.pages import common
from webui.pages.auth import error_page
from webui.session_auth import login_required

bp = Blueprint("notices", __name__)

STATES = {"confirmed": _l("Confirmed"), "pending": _l("Pending"), "overdue": _l("Overdue")}  # AckRow.state


def csv_header(kind: str = "notice") -> list[str]:
    """The CSV's column headers in the request's language (looked up per request, not lazily as in register.py,
    because "Due" needs a message context). A study notice (item 21) lists people, not enterprises."""
    who = [_("Username"), _("Person")] if kind == "study" else [_("Credit code"), _("Enterprise")]
    return [*who, _("Industry"), _("State"), pgettext("notice receipt", "Due"),
            _("Confirmed at"), _("Confirmed by"), _("Case")]


def _coverage(notice_id: int) -> Coverage | ResponseReturnValue:
    try:
        return notices_coverage(session_auth.require_actor(), notice_id)
    except engine.Forbidden:
        return error_page(403, _("Only bureau staff may see notice receipts."))
    except engine.NotFound:
        return error_page(404, _("This notice does not exist or is not visible to you."))


def _cells(row: AckRow) -> list[str]:
    who = [row.reader, row.reader_name or row.reader] if row.reader else [row.enterprise_code or "",
                                                                         row.enterprise_name or ""]
    return [*who, common.industry_name(row.industry) or "",
            str(STATES[row.state]), common.fmt_dt(row.due_at) if row.due_at else "",
            common.fmt_dt(row.confirmed_at) if row.confirmed_at else "", common.person(row.confirmed_by) if row.confirmed_by else "", str(row.case_id)]


@bp.get("/notices/<int:notice_id>")
@login_required
def show(notice_id: int) -> ResponseReturnValue:
    cover = _coverage(notice_id)
    if not isinstance(cover, Coverage):
        return cover
    return render_template("pages/notices_coverage.html", cover=cover,
                           rows=[(r, _cells(r)) for r in cover.rows],
                           csv_url=url_for("notices.export_csv", notice_id=notice_id))


@bp.get("/notices/<int:notice_id>.csv")
@login_required
def export_csv(notice_id: int) -> ResponseReturnValue:
    cover = _coverage(notice_id)
    if not isinstance(cover, Coverage):
        return cover
    return common.csv_response(f"notice-{notice_id}-receipts.csv", csv_header(cover.kind),
                               (_cells(r) for r in cover.rows))
