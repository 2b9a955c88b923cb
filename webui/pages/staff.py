"""The enterprise staff register (人员台账) and training coverage in people.

`/my-enterprise/people` (an enterprise user's own) and `/registers/enterprises/<code>/people` list an enterprise's
people; administrators and the enterprise's principal and safety officer add, change and import them.
`/registers/training/coverage?year=` counts people required, enrolled, trained and passed per industry, with the
small venues apart, and lists the people (`engine.campaign.training_coverage`).
"""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

import engine
from engine.campaign import (
    enterprise_profiles,
    staff_add_person,
    staff_import_people,
    staff_list_people,
    staff_may_edit,
    staff_POSTS,
    training_coverage_coverage,
    training_coverage_people,
    update_person,
)
from webui import session_auth
from webui.pages import common
from webui.pages.auth import error_page
from webui.session_auth import login_required

bp = Blueprint("staff", __name__)


@bp.app_template_global()
def enterprise_profile(code: str | None) -> engine.EnterpriseView | None:
    """An enterprise's scale, standardisation grade and benchmark flag, for pages that show one enterprise."""
    return enterprise_profiles([code]).get(code) if code else None


def _people_page(code: str | None, *, status: int = 200, result: object = None) -> ResponseReturnValue:
    actor = session_auth.require_actor()
    try:
        people = staff_list_people(actor, code, include_inactive=True)
        ent_code = code or actor.enterprise_code
    except engine.EngineError as err:
        return error_page(err.status, common.error_text(err))
    return render_template("pages/staff.html", people=people, code=ent_code, own=code is None,
                           profile=enterprise_profile(ent_code), can_edit=staff_may_edit(actor),
                           posts=staff_POSTS, result=result), status


@bp.get("/my-enterprise/people")
@login_required
def mine() -> ResponseReturnValue:
    if session_auth.require_actor().enterprise_id is None:
        return redirect(url_for("registers.index"))
    return _people_page(None)


@bp.get("/registers/enterprises/<code>/people")
@login_required
def people(code: str) -> ResponseReturnValue:
    return _people_page(code)


def _back(code: str) -> ResponseReturnValue:
    actor = session_auth.require_actor()
    if actor.enterprise_code == code:
        return redirect(url_for(".mine"))
    return redirect(url_for(".people", code=code))


@bp.post("/registers/enterprises/<code>/people")
@login_required
def add(code: str) -> ResponseReturnValue:
    form = request.form
    try:
        person = staff_add_person(session_auth.require_actor(), code, form.get("name", ""), form.get("post", ""),
                                  form.get("phone") or None)
        flash(_("%(name)s added to the staff register.", name=person.name), "success")
    except engine.NotFound as err:
        return error_page(404, common.error_text(err))
    except engine.EngineError as err:
        common.flash_error(err)
    return _back(code)


@bp.post("/registers/enterprises/<code>/people/<int:person_id>")
@login_required
def change(code: str, person_id: int) -> ResponseReturnValue:
    form = request.form
    try:
        person = update_person(session_auth.require_actor(), person_id, name=form.get("name", ""),
                                     post=form.get("post", ""), phone=form.get("phone") or None,
                                     active=form.get("active") == "true")
        flash(_("%(name)s saved.", name=person.name), "success")
    except engine.NotFound as err:
        return error_page(404, common.error_text(err))
    except engine.EngineError as err:
        common.flash_error(err)
    return _back(code)


@bp.post("/registers/enterprises/<code>/people/import")
@login_required
def import_people(code: str) -> ResponseReturnValue:
    file = request.files.get("file")
    if file is None or not file.filename:
        flash(_("Choose a CSV or Excel file."), "error")
        return _back(code)
    try:
        result = staff_import_people(session_auth.require_actor(), file.filename, file.read(), enterprise_code=code)
    except engine.NotFound as err:
        return error_page(404, common.error_text(err))
    except engine.EngineError as err:
        common.flash_error(err)
        return _back(code)
    if result.created:
        flash(_("%(n)s people imported.", n=result.created), "success")
        return _back(code)
    own = session_auth.require_actor().enterprise_code == code
    return _people_page(None if own else code, status=422, result=result)


@bp.get("/registers/training/coverage")
@login_required
def coverage() -> ResponseReturnValue:
    actor = session_auth.require_actor()
    raw = request.args.get("year", "")
    year = int(raw) if raw.isdigit() and 2000 <= int(raw) <= 2100 else common.today().year
    industry = request.args.get("industry") or None
    offset = int(request.args.get("offset", "0")) if request.args.get("offset", "0").isdigit() else 0
    figures = training_coverage_coverage(actor, year)
    page = training_coverage_people(actor, year, industry=industry, limit=100, offset=offset)
    return render_template("pages/training_coverage.html", c=figures, page=page, year=year, industry=industry,
                           years=list(range(common.today().year + 1, 2023, -1)), posts=staff_POSTS)
