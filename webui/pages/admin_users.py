"""Admin: users (create, roles with scope, disable, reset password) and enterprises (add, import CSV/Excel)."""
from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

import engine
from engine.campaign import (
    business_days_describe,
    enterprise_import_import_enterprises,
    industry_defaults,
    list_roles,
    set_enterprise_profile,
)
from engine.runtime import get_user, set_user_active, set_user_roles, user_admin_reset_password
from webui.i18n import current_locale
from webui.pages import common
from webui.pages.admin_common import ADMIN_READERS, actor, offset, roles_required
from webui.pages.auth import error_page

bp = Blueprint("admin_users", __name__)


def _choices() -> dict[str, object]:
    return {"roles": [(r.key, common.role_name(r.key)) for r in list_roles()], "industries": common.industries()}


@bp.get("/admin/users")
@roles_required(*ADMIN_READERS)
def index() -> ResponseReturnValue:
    page = engine.list_users(limit=100, offset=offset())
    return render_template("pages/admin_users.html", section="users", page=page, can_act=actor().has("admin"),
                           **_choices())


@bp.post("/admin/users")
@roles_required("admin")
def create() -> ResponseReturnValue:
    form = request.form
    try:
        user = engine.add_user(form.get("username", ""), roles=form.getlist("roles"),
                               display_name=form.get("display_name") or None, enterprise=form.get("enterprise") or None,
                               industries=form.getlist("industries"), password=form.get("password") or None,
                               actor=actor().username, email=form.get("email") or None)
    except engine.EngineError as err:
        common.flash_error(err)
        return redirect(url_for(".index"))
    flash(_("User %(name)s created.", name=user.username), "success")
    return redirect(url_for(".show", username=user.username))


@bp.get("/admin/users/<username>")
@roles_required(*ADMIN_READERS)
def show(username: str) -> ResponseReturnValue:
    try:
        user = get_user(actor(), username)
    except engine.NotFound as err:
        return error_page(404, common.error_text(err))
    return render_template("pages/admin_user.html", section="users", user=user, can_act=actor().has("admin"),
                           new_password=None, **_choices())


@bp.post("/admin/users/<username>/roles")
@roles_required("admin")
def set_roles(username: str) -> ResponseReturnValue:
    form = request.form
    try:
        set_user_roles(actor(), username, roles=form.getlist("roles"), industries=form.getlist("industries"),
                             enterprise=form.get("enterprise") or None)
        flash(_("Roles and scope saved."), "success")
    except engine.EngineError as err:
        common.flash_error(err)
    return redirect(url_for(".show", username=username))


@bp.post("/admin/users/<username>/<any(disable, enable):change>")
@roles_required("admin")
def set_active(username: str, change: str) -> ResponseReturnValue:
    try:
        set_user_active(actor(), username, change == "enable")
        flash(_("User enabled.") if change == "enable" else _("User disabled: they can no longer log in."), "success")
    except engine.EngineError as err:
        common.flash_error(err)
    return redirect(url_for(".show", username=username))


@bp.post("/admin/users/<username>/password")
@roles_required("admin")
def reset_password(username: str) -> ResponseReturnValue:
    try:
        password = user_admin_reset_password(actor(), username)
        user = get_user(actor(), username)
    except engine.EngineError as err:
        common.flash_error(err)
        return redirect(url_for(".show", username=username))
    # Shown once, on this response only: it is never stored in the session or a flash cookie.
    response = render_template("pages/admin_user.html", section="users", user=user, can_act=True,
                               new_password=password, **_choices())
    return response, 200, {"Cache-Control": "no-store"}


@bp.get("/admin/enterprises")
@roles_required(*ADMIN_READERS)
def enterprises() -> ResponseReturnValue:
    page = engine.list_enterprises(limit=200, offset=offset())
    return render_template("pages/admin_enterprises.html", section="enterprises", page=page, result=None,
                           can_act=actor().has("admin"), industries=common.industries(), **_days_choices())


def _days_choices() -> dict[str, Any]:
    """What the business-days fields show: each industry's default and a rule's words in the page's language."""
    english = current_locale() == "en"
    return {"days_name": lambda rule: business_days_describe(rule)[1 if english else 0] if rule else "",
            "industry_days": industry_defaults()}


def _business_days(form: Any) -> str | None:
    """The rule chosen in the form: blank (the industry's), every_day, working_days, or custom weekdays + holidays
    (composed as `days:…`; no weekday ticked is refused by the engine with a clear message)."""
    choice = form.get("business_days") or ""
    if choice != "custom":
        return choice or None
    days = ",".join(d for d in form.getlist("open_weekday") if d in "1234567" and len(d) == 1)
    return f"days:{days}" + (";holidays" if form.get("open_holidays") == "true" else "")


@bp.post("/admin/enterprises")
@roles_required("admin")
def add_enterprise() -> ResponseReturnValue:
    form = request.form
    try:
        ent = engine.add_enterprise(form.get("code", ""), form.get("name", "").strip(), form.get("industry", ""),
                                    actor=actor().username, category=form.get("category") or None,
                                    risk_grade=form.get("risk_grade") or None, township=form.get("township") or None,
                                    address=form.get("address") or None, scale=form.get("scale") or None,
                                    standard_grade=form.get("standard_grade") or None,
                                    benchmark=form.get("benchmark") == "true", business_days=_business_days(form))
        flash(_("Enterprise %(name)s added.", name=ent.name), "success")
    except engine.EngineError as err:
        common.flash_error(err)
    return redirect(url_for(".enterprises"))


@bp.post("/admin/enterprises/<code>/profile")
@roles_required("admin")
def set_profile(code: str) -> ResponseReturnValue:
    form = request.form
    try:
        ent = set_enterprise_profile(code, actor=actor().username, scale=form.get("scale") or None,
                                           standard_grade=form.get("standard_grade") or None,
                                           benchmark=form.get("benchmark") == "true",
                                           business_days=_business_days(form))
        flash(_("%(name)s saved.", name=ent.name), "success")
    except engine.EngineError as err:
        common.flash_error(err)
    return redirect(url_for(".enterprises"))


@bp.post("/admin/enterprises/import")
@roles_required("admin")
def import_enterprises() -> ResponseReturnValue:
    file = request.files.get("file")
    if file is None or not file.filename:
        flash(_("Choose a CSV or Excel file."), "error")
        return redirect(url_for(".enterprises"))
    try:
        result = enterprise_import_import_enterprises(actor(), file.filename, file.read())
    except engine.EngineError as err:
        common.flash_error(err)
        return redirect(url_for(".enterprises"))
    if result.created:
        flash(_("%(n)s enterprises imported.", n=result.created), "success")
        return redirect(url_for(".enterprises"))
    page = engine.list_enterprises(limit=200)
    return render_template("pages/admin_enterprises.html", section="enterprises", page=page, result=result,
                           can_act=True, industries=common.industries(), filename=file.filename,
                           **_days_choices()), 422
