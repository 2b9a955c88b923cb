"""`/api/v1` for the staff register and training coverage in people, and accidents per year and level.

`GET/POST /enterprises/{code}/people`, `PUT /people/{id}`: an enterprise's staff register (scoped as its cases are:
another enterprise's register is 404; administrators and the enterprise's principal and safety officer change it).
`GET /registers/training/coverage?year=`: people required, enrolled, trained and passed per industry, by post, the
small venues apart, and a page of the people. `GET /registers/accidents/levels?year=`: records per level.
The routes are attached to `webui.api.v1_base.bp`; `webui.api.v1` imports this module before it is registered.
"""
from __future__ import annotations

from typing import Any

from flask import Response

import engine
from engine.campaign import (
    CoverageLine,
    TrainingCoverageFigures,
    staff_add_person,
    staff_list_people,
    staff_POSTS,
    training_coverage_coverage,
    training_coverage_people,
    update_person,
    yearly_counts,
)
from engine.runtime import CHINA_TZ
from webui.api import v1_base as _v1
from webui.api.common import actor, check_query, doc, json_body, json_response, query_int, query_str

bp_routes = _v1.blueprint
PERSON_BODY = {"type": "object", "required": ["name", "post"], "properties": {
    "name": {"type": "string"}, "post": {"type": "string", "enum": list(staff_POSTS)}, "phone": {"type": "string"},
    "active": {"type": "boolean"}}}


def _figures(f: TrainingCoverageFigures) -> dict[str, Any]:
    return {"required": f.required, "enrolled": f.enrolled, "trained": f.trained, "passed": f.passed,
            "rate": None if f.rate is None else round(f.rate, 4)}


def _line(line: CoverageLine) -> dict[str, Any]:
    return {"id": line.key, "key": line.key, **_figures(line.figures),
            "by_post": {post: _figures(f) for post, f in line.by_post.items()}}


@bp_routes.get("/enterprises/<code>/people")
@doc(summary="An enterprise's staff register (people and posts)", tag="staff",
     responses={404: "no such enterprise, or not one the caller may see"})
def list_people(code: str) -> Response:
    """`{"items": [{id, enterprise_code, name, post, phone, active}]}`, people who left included."""
    check_query([])
    return json_response({"items": staff_list_people(actor(), code, include_inactive=True)})


@bp_routes.post("/enterprises/<code>/people")
@doc(summary="Add a person to an enterprise's staff register", tag="staff", body=PERSON_BODY,
     responses={201: "the person", 403: "not an administrator or the enterprise's own principal or safety officer",
                422: "a bad name, post or phone"})
def add_person(code: str) -> Response:
    body = json_body(("name", "post", "phone"))
    person = staff_add_person(actor(), code, str(body.get("name") or ""), str(body.get("post") or ""),
                              body.get("phone"))
    return json_response(person, 201)


@bp_routes.put("/people/<int:person_id>")
@doc(summary="Change a person of a staff register, or mark them as gone (active: false)", tag="staff",
     body=PERSON_BODY, responses={404: "no such person, or not the caller's to change"})
def change_person(person_id: int) -> Response:
    body = json_body(("name", "post", "phone", "active"))
    return json_response(update_person(actor(), person_id, name=str(body.get("name") or ""),
                                              post=str(body.get("post") or ""), phone=body.get("phone"),
                                              active=body.get("active") is not False))


@bp_routes.get("/registers/training/coverage")
@doc(summary="Training coverage in people for a year: per industry, by post, small venues apart", tag="registers",
     query=[("year", "integer", "the training year (default: this year)"), ("industry", "string",
            "people of one line only (an industry key or small_venue)"), ("limit", "integer", "1–200, default 50"),
            ("offset", "integer", "default 0")])
def training_people() -> Response:
    """`{"year", "industries": [...], "total", "small_venues", "small_venues_all", "small_venues_covered",
    "without_principal", "items": [people], "total_people", "limit", "offset"}`."""
    check_query(["year", "industry", "limit", "offset"])
    this_year = engine.get_clock().now().astimezone(CHINA_TZ).year
    year = query_int("year", this_year, minimum=2000, maximum=2100) or this_year
    who = actor()
    c = training_coverage_coverage(who, year)
    page = training_coverage_people(who, year, industry=query_str("industry"),
                                    limit=query_int("limit", 50, minimum=1, maximum=200) or 50,
                                    offset=query_int("offset", 0, minimum=0, maximum=1_000_000) or 0)
    return json_response({"year": year, "industries": [_line(line) for line in c.industries], "total": _line(c.total),
                          "small_venues": _line(c.small_venues), "small_venues_all": c.small_venues_all,
                          "small_venues_covered": c.small_venues_covered, "without_principal": c.without_principal,
                          "items": page.items, "total_people": page.total, "limit": page.limit, "offset": page.offset,
                          "next_offset": page.next_offset})


@bp_routes.get("/registers/accidents/levels")
@doc(summary="Accidents and near misses per level for one or more years", tag="registers",
     query=[("year", "integer", "a year (default: 2024, 2025 and 2026)"), ("industry", "string", "industry key"),
            ("enterprise_code", "string", "credit code")])
def accident_levels() -> Response:
    """`{"items": [{"year", "by_level": {general, larger, major, especially_major, near_miss}, "accidents",
    "serious"}]}`; serious = major + especially major (the goal: none)."""
    check_query(["year", "industry", "enterprise_code"])
    year = query_int("year", None, minimum=2000, maximum=2100)
    years = (year,) if year else (2024, 2025, 2026)
    found = yearly_counts(actor(), years, industry=query_str("industry"),
                                    enterprise_code=query_str("enterprise_code"))
    return json_response({"items": [{"id": y.year, "year": y.year, "by_level": y.by_level, "accidents": y.accidents,
                                     "serious": y.serious} for y in found]})
