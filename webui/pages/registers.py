"""Registers (台账) for every duty: the list of registers, one register (items or per enterprise), CSV/xlsx
exports, and an enterprise's duties across every register (/my-enterprise for enterprise users).

Query arguments: `year`, `quarter`, `month`, `industry`, `township`, `enterprise`, `state`, `overdue=1`, `type`
(the register's variant), `risk` (risk grades, comma-separated: `red,orange`), `settled=1` (the period is when items
were settled), `sort`, `view=items|enterprises`, `offset`. The dashboard's tiles link here with these.
"""
from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from typing import Any

from flask import Blueprint, Response, redirect, render_template, request, stream_with_context, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

import engine
from engine.campaign import (
    ENTERPRISE_SORTS,
    ROW_SORTS,
    EnterpriseCounts,
    RegisterKind,
    RegisterRow,
    RegistersFilters,
    enterprise_counts,
    enterprise_names,
    enterprise_overview,
    for_register,
    get_kind,
    iter_rows,
    registers_counts,
    registers_MAX_EXPORT,
    registers_overview,
    registers_RISK_GRADES,
    registers_rows,
    registers_STATES,
    townships,
)
from webui import session_auth
from webui.pages import common
from webui.pages.auth import error_page
from webui.pages.register_labels import (
    COUNT_LABELS,
    STATE_BADGES,
    STATE_LABELS,
    STATE_TITLE,
    field_title,
    field_value,
    kind_description,
    kind_name,
    variant_choices,
)
from webui.session_auth import login_required

bp = Blueprint("registers", __name__)

PAGE_SIZE = 50
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
ARG_NAMES = ("year", "quarter", "month", "industry", "township", "enterprise", "state", "overdue", "type", "risk",
             "settled", "sort", "view")


def _int(name: str) -> int | None:
    value = request.args.get(name, "")
    return int(value) if value.isdigit() and len(value) <= 4 else None


def _filters(*, with_kind_filters: bool = True) -> RegistersFilters:
    args = request.args
    state = args.get("state") if args.get("state") in registers_STATES else None
    extra = {"state": state, "overdue_only": args.get("overdue") == "1", "variant": args.get("type") or None}
    risk = tuple(g for g in (args.get("risk") or "").split(",") if g in registers_RISK_GRADES)
    return RegistersFilters(year=_int("year"), quarter=_int("quarter"), month=_int("month"),
                             industry=args.get("industry") or None, township=args.get("township") or None,
                             enterprise_code=args.get("enterprise") or None, risk_grades=risk,
                             settled=args.get("settled") == "1", **(extra if with_kind_filters else {}))


def _args() -> dict[str, str]:
    return {k: v for k, v in request.args.items() if k in ARG_NAMES and v}


def _view() -> str:
    return "enterprises" if request.args.get("view") == "enterprises" else "items"


def _sort(view: str) -> str:
    allowed = ENTERPRISE_SORTS if view == "enterprises" else ROW_SORTS
    return request.args.get("sort") if request.args.get("sort") in allowed else allowed[0]


def _choices(actor: engine.Actor) -> dict[str, Any]:
    """What the filter form offers: years, industries, townships and enterprises within the actor's scope."""
    year = common.today().year
    return {"years": list(range(year + 1, 2023, -1)), "industries": common.industries(),
            "townships": townships(actor), "enterprises": enterprise_names(actor)}


def _engine_error(err: engine.EngineError) -> ResponseReturnValue:
    return error_page(err.status, common.error_text(err))


@bp.get("/registers")
@login_required
def index() -> ResponseReturnValue:
    actor = session_auth.require_actor()
    try:
        kinds = registers_overview(actor, _filters(with_kind_filters=False), today=common.today())
    except engine.EngineError as err:
        return _engine_error(err)
    return render_template("pages/registers.html", kinds=kinds, args=_args(), choices=_choices(actor),
                           kind_name=kind_name, kind_description=kind_description, count_labels=COUNT_LABELS)


@bp.get("/registers/<kind>")
@login_required
def show(kind: str) -> ResponseReturnValue:
    actor, view = session_auth.require_actor(), _view()
    offset = max(0, request.args.get("offset", 0, type=int) or 0)
    try:
        spec, filters = get_kind(kind), _filters()
        totals = registers_counts(actor, kind, filters, today=common.today())
        fetch = enterprise_counts if view == "enterprises" else registers_rows
        page = fetch(actor, kind, filters, sort=_sort(view), limit=PAGE_SIZE, offset=offset, today=common.today())
    except engine.EngineError as err:
        return _engine_error(err)
    args = _args()
    return render_template("pages/register_kind.html", spec=spec, kind_name=kind_name, totals=totals, page=page,
                           view=view, sort=_sort(view), args=args, pager_args={**args, "kind": kind},
                           choices=_choices(actor), variants=variant_choices(spec), state_labels=STATE_LABELS,
                           state_badges=STATE_BADGES, count_labels=COUNT_LABELS, field_title=field_title,
                           field_value=field_value, kind_description=kind_description,
                           csv_url=url_for("registers.export_csv", kind=kind, **args),
                           xlsx_url=url_for("registers.export_xlsx", kind=kind, **args),
                           duty=for_register(kind))


@bp.get("/my-enterprise")
@login_required
def my_enterprise() -> ResponseReturnValue:
    actor = session_auth.require_actor()
    if actor.enterprise_id is None:
        return redirect(url_for("registers.index"))
    return _overview_page(actor, None)


@bp.get("/registers/enterprises/<code>")
@login_required
def enterprise(code: str) -> ResponseReturnValue:
    return _overview_page(session_auth.require_actor(), code)


def _overview_page(actor: engine.Actor, code: str | None) -> ResponseReturnValue:
    try:
        found = enterprise_overview(actor, code, today=common.today())
    except engine.EngineError as err:
        return _engine_error(err)
    return render_template("pages/my_enterprise.html", o=found, own=code is None, kind_name=kind_name,
                           state_labels=STATE_LABELS, state_badges=STATE_BADGES, count_labels=COUNT_LABELS)


# ------------------------------------------------------------------ exports
def _item_header(spec: RegisterKind) -> list[str]:
    return [_("No."), _("Title"), _("Enterprise"), _("Credit code"), _("Industry"), _("Township"),
            str(STATE_TITLE), _("Current step"), _("Deadline"), _("Started"), _("Ended"),
            *(field_title(name) for name in spec.fields)]


def _item_cells(spec: RegisterKind, r: RegisterRow) -> list[Any]:
    return [r.id, r.title or "", r.enterprise_name or "", r.enterprise_code or "", common.industry_name(r.industry),
            r.township or "", str(STATE_LABELS[r.state]), r.current_step or "", common.fmt_date(r.deadline),
            common.fmt_dt(r.started_at), common.fmt_dt(r.ended_at),
            *(field_value(name, r.fields.get(name)) for name in spec.fields)]


def _enterprise_header() -> list[str]:
    return [_("Enterprise"), _("Credit code"), _("Industry"), _("Township"),
            *(str(COUNT_LABELS[k]) for k in ("due", "open", "overdue", "done", "missed")), _("Rate")]


def _enterprise_cells(r: EnterpriseCounts) -> list[Any]:
    c = r.counts
    rate = "" if c.done_rate is None else f"{round(c.done_rate * 100)}%"
    return [r.enterprise_name or _("No enterprise"), r.enterprise_code or "", common.industry_name(r.industry),
            r.township or "", c.due, c.open, c.overdue, c.done, c.missed, rate]


def _table(kind: str) -> tuple[list[str], Iterable[list[Any]]]:
    """Header and rows of the export (the view on screen, every page, at most 100,000 rows)."""
    actor, spec, filters, view = session_auth.require_actor(), get_kind(kind), _filters(), _view()
    if view == "enterprises":
        page = enterprise_counts(actor, kind, filters, sort=_sort(view), limit=registers_MAX_EXPORT,
                                           max_limit=registers_MAX_EXPORT, today=common.today())
        return _enterprise_header(), (_enterprise_cells(r) for r in page.items)
    found = iter_rows(actor, kind, filters, sort=_sort(view), today=common.today())
    return _item_header(spec), (_item_cells(spec, r) for r in found)


def _filename(kind: str, ext: str) -> str:
    suffix = "-by-enterprise" if _view() == "enterprises" else ""
    return f"register-{kind}{suffix}-{common.today().isoformat()}.{ext}"


def _csv_lines(header: list[str], rows: Iterable[list[Any]]) -> Iterator[str]:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    yield "\ufeff" + buffer.getvalue()  # a BOM: Excel on Chinese Windows reads UTF-8 only so
    for row in rows:
        buffer.seek(0)
        buffer.truncate()
        writer.writerow([common.safe_cell(v) for v in row])
        yield buffer.getvalue()


@bp.get("/registers/<kind>.csv")
@login_required
def export_csv(kind: str) -> ResponseReturnValue:
    try:
        header, rows = _table(kind)
        first = list(_take(rows, 1))  # a refused filter fails here, as a page, not mid-stream
    except engine.EngineError as err:
        return _engine_error(err)
    lines = _csv_lines(header, _chain(first, rows))
    return Response(stream_with_context(lines), mimetype="text/csv",
                    headers={"Content-Disposition": f"attachment; filename={_filename(kind, 'csv')}"})


def _take(rows: Iterable[list[Any]], n: int) -> Iterator[list[Any]]:
    for i, row in enumerate(rows):
        yield row
        if i + 1 >= n:
            return


def _chain(first: list[list[Any]], rest: Iterable[list[Any]]) -> Iterator[list[Any]]:
    yield from first
    yield from rest


@bp.get("/registers/<kind>.xlsx")
@login_required
def export_xlsx(kind: str) -> ResponseReturnValue:
    from openpyxl import Workbook  # only this export needs it
    try:
        header, rows = _table(kind)
        book = Workbook(write_only=True)  # rows stream into the file; no cell objects kept
        sheet = book.create_sheet(kind_name(get_kind(kind))[:31])
        sheet.freeze_panes = "A2"
        sheet.append(header)
        for row in rows:
            sheet.append([common.safe_cell(v) for v in row])
    except engine.EngineError as err:
        return _engine_error(err)
    buffer = io.BytesIO()
    book.save(buffer)
    return Response(buffer.getvalue(), mimetype=XLSX_TYPE,
                    headers={"Content-Disposition": f"attachment; filename={_filename(kind, 'xlsx')}"})
