"""`/api/v1/registers`: the registers (台账) of every duty — the kinds with their totals, and one register's items
or per-enterprise counts. Scoped by the engine (`engine.campaign.registers`, `engine/runtime/access.py`).

The routes are attached to `webui.api.v1_base.bp`; `webui.api.v1` imports this module before it is registered.
"""
from __future__ import annotations

from typing import Any

from flask import Response

from engine.campaign import (
    ENTERPRISE_SORTS,
    ROW_SORTS,
    EnterpriseCounts,
    RegisterKind,
    RegistersCounts,
    RegistersFilters,
    enterprise_counts,
    for_register,
    get_kind,
    registers_counts,
    registers_MAX_LIMIT,
    registers_overview,
    registers_rows,
    registers_STATES,
    responsibilities_listing,
)
from webui.api import v1_base as _v1
from webui.api.common import (
    PAGING_PARAMS,
    actor,
    check_query,
    doc,
    json_response,
    list_response,
    paging,
    query_bool,
    query_choice,
    query_int,
    query_str,
)

bp_routes = _v1.blueprint  # not named `bp`: the blueprint is registered once, by webui.api.v1

PERIOD_FILTERS = [
    ("year", "integer", "2000–2100; the period an item is due in (or, for hazards, referrals, notices and reports, "
                        "when it arose)"),
    ("quarter", "integer", "1–4, with year"), ("month", "integer", "1–12, with year (not with quarter)"),
    ("industry", "string", "industry key"), ("township", "string", "the enterprise's township"),
    ("enterprise_code", "string", "credit code"),
]
KIND_FILTERS = [
    *PERIOD_FILTERS,
    ("view", "string", "items (default): one row per case; enterprises: due/open/overdue/done/missed per enterprise"),
    ("state", "string", "open, overdue, done or missed"), ("overdue", "boolean", "overdue items only"),
    ("type", "string", "the register's type field (inspection_type, drill_interval, hazard_level, trigger, "
                       "screening_result)"),
    ("sort", "string", "items: due (default), recent, enterprise; enterprises: overdue (default), missed, due, "
                       "enterprise"),
    ("limit", "integer", f"1–{registers_MAX_LIMIT}, default 50"), ("offset", "integer", "default 0"),
]


def _counts(c: RegistersCounts) -> dict[str, Any]:
    return {"due": c.due, "open": c.open, "overdue": c.overdue, "done": c.done, "missed": c.missed,
            "done_rate": None if c.done_rate is None else round(c.done_rate, 4)}


def _kind(k: RegisterKind) -> dict[str, Any]:
    return {"id": k.key, "key": k.key, "name_zh": k.name_zh, "name_en": k.name_en, "processes": list(k.processes),
            "type_field": k.variant, "fields": list(k.fields)}


def _period_filters() -> dict[str, Any]:
    return {"year": query_int("year", None, minimum=2000, maximum=2100), "quarter": query_int("quarter", None, minimum=1,
                                                                                               maximum=4),
            "month": query_int("month", None, minimum=1, maximum=12), "industry": query_str("industry"),
            "township": query_str("township"), "enterprise_code": query_str("enterprise_code")}


def _enterprise_item(r: EnterpriseCounts) -> dict[str, Any]:
    return {"id": r.enterprise_code, "enterprise_code": r.enterprise_code, "enterprise_name": r.enterprise_name,
            "industry": r.industry, "township": r.township, "scale": r.scale, "standard_grade": r.standard_grade,
            "benchmark": r.benchmark, "counts": _counts(r.counts)}


@bp_routes.get("/registers")
@doc(summary="The registers (台账) the caller may open, each with its totals", paged=True, tag="registers",
     query=PERIOD_FILTERS)
def register_kinds() -> Response:
    """Every register kind: key, Chinese and English name, and due / open / overdue / done / missed counts."""
    check_query([name for name, _, _ in PERIOD_FILTERS] + list(PAGING_PARAMS))
    limit, offset = paging()
    found = registers_overview(actor(), RegistersFilters(**_period_filters()))
    return list_response([{**_kind(k.kind), "counts": _counts(k.counts)} for k in found], limit, offset)


@bp_routes.get("/registers/<kind>")
@doc(summary="One register: its items (or per-enterprise counts), its totals and paging", tag="registers",
     query=KIND_FILTERS, responses={200: "the register's page", 404: "no such register, or not one the caller may "
                                                                     "open"})
def register_page(kind: str) -> Response:
    """`{"kind", "responsibility", "counts", "items", "total", "limit", "offset", "next_offset"}`; an item links to
    `/instances/{id}`. `responsibility` (权责清单, item 2): the section, its leader in charge and chief, the duty
    and the people and roles responsible (`engine.campaign.responsibilities`), or null."""
    check_query([name for name, _, _ in KIND_FILTERS])
    spec = get_kind(kind)
    view = query_choice("view", ("items", "enterprises"), "items")
    sorts = ENTERPRISE_SORTS if view == "enterprises" else ROW_SORTS
    sort = query_choice("sort", sorts, sorts[0]) or sorts[0]
    limit = query_int("limit", 50, minimum=1, maximum=registers_MAX_LIMIT) or 50
    offset = query_int("offset", 0, minimum=0, maximum=1_000_000_000) or 0
    state = query_choice("state", registers_STATES)
    filters = RegistersFilters(**_period_filters(), state=state, overdue_only=bool(query_bool("overdue")),
                                variant=query_str("type"))
    who = actor()
    totals = registers_counts(who, kind, filters)
    if view == "enterprises":
        page = enterprise_counts(who, kind, filters, sort=sort, limit=limit, offset=offset)
        items = [_enterprise_item(r) for r in page.items]
    else:
        page = registers_rows(who, kind, filters, sort=sort, limit=limit, offset=offset)
        items = list(page.items)
    return json_response({"kind": _kind(spec), "responsibility": for_register(spec.key),
                          "view": view, "counts": _counts(totals), "items": items,
                          "total": page.total, "limit": page.limit, "offset": page.offset,
                          "next_offset": page.next_offset})




@bp_routes.get("/responsibilities")
@doc(summary="The responsibility list (权责清单): sections, their duties, leaders in charge and people responsible",
     tag="registers", responses={200: "the list", 403: "an enterprise user"})
def responsibility_list() -> Response:
    """`{"items": [{"key", "name_zh", "name_en", "leader", "chief", "duties": [{"duty", "people", "roles"}]}]}`
    (bureau staff only; a person is `{"username", "display_name", "has_account"}`)."""
    check_query([])
    return json_response({"items": responsibilities_listing(actor())})
