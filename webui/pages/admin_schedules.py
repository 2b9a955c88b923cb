"""Admin: every scheduled start (dispatchers, holiday warnings, campaign-date notices) with pause and resume,
and the yearly campaign dates (安全生产月, 消防宣传月, 5·12, 6·16) with their edit and add forms."""
from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

import engine
from engine.campaign import (
    add_campaign_date,
    campaign_dates_RISK_GRADES,
    delete_campaign_date,
    list_campaign_dates,
    list_scheduled_starts,
    set_job_paused,
    set_process_paused,
    update_campaign_date,
)
from webui.pages import common
from webui.pages.admin_common import ADMIN_READERS, actor, roles_required

bp = Blueprint("admin_schedules", __name__)

RISK_GRADES = campaign_dates_RISK_GRADES


@bp.get("/admin/schedules")
@roles_required(*ADMIN_READERS)
def index() -> ResponseReturnValue:
    return render_template("pages/admin_schedules.html", section="schedules",
                           starts=list_scheduled_starts(actor()),
                           dates=list_campaign_dates(actor()), can_act=actor().has("admin"),
                           industries=common.industries(), risk_grades=RISK_GRADES, grade_names=_grade_names())


def _grade_names() -> dict[str, str]:
    return {grade: common.code_name("risk_grade", grade) for grade in RISK_GRADES}


def _done(action: Any, message: str) -> ResponseReturnValue:
    """Run one engine call; flash its outcome; back to the page."""
    try:
        action()
        flash(message, "success")
    except engine.EngineError as err:
        common.flash_error(err)
    return redirect(url_for(".index"))


@bp.post("/admin/schedules/processes/<key>/<any(pause, resume):verb>")
@roles_required("admin")
def toggle_process(key: str, verb: str) -> ResponseReturnValue:
    paused = verb == "pause"
    return _done(lambda: set_process_paused(actor(), key, paused),
                 _("Schedule of %(key)s paused.", key=key) if paused else _("Schedule of %(key)s resumed.", key=key))


@bp.post("/admin/schedules/jobs/<int:job_id>/<any(pause, resume):verb>")
@roles_required("admin")
def toggle_job(job_id: int, verb: str) -> ResponseReturnValue:
    paused = verb == "pause"
    return _done(lambda: set_job_paused(actor(), job_id, paused),
                 _("Scheduled start %(id)s paused.", id=job_id) if paused else
                 _("Scheduled start %(id)s resumed.", id=job_id))


def _fields() -> dict[str, Any]:
    """The campaign-date form: the target list comes from the box group of the chosen target type."""
    form = request.form
    target_type = form.get("target_type", "all")
    return {"name_zh": form.get("name_zh", ""), "name_en": form.get("name_en", ""), "month": form.get("month", ""),
            "day": form.get("day", ""), "lead_working_days": form.get("lead_working_days", ""),
            "title": form.get("title", ""), "body": form.get("body", ""), "target_type": target_type,
            "target_values": form.getlist(f"target_{target_type}"), "active": form.get("active") == "1"}


@bp.post("/admin/schedules/campaign-dates")
@roles_required("admin")
def add_date() -> ResponseReturnValue:
    key = request.form.get("key", "")
    return _done(lambda: add_campaign_date(actor(), key, _fields()),
                 _("Campaign date %(key)s added; its next notice is queued.", key=key))


@bp.post("/admin/schedules/campaign-dates/<key>")
@roles_required("admin")
def edit_date(key: str) -> ResponseReturnValue:
    return _done(lambda: update_campaign_date(actor(), key, _fields()),
                 _("Campaign date %(key)s saved; its next notice is queued again.", key=key))


@bp.post("/admin/schedules/campaign-dates/<key>/delete")
@roles_required("admin")
def delete_date(key: str) -> ResponseReturnValue:
    return _done(lambda: delete_campaign_date(actor(), key),
                 _("Campaign date %(key)s deleted; its waiting notice is cancelled.", key=key))
