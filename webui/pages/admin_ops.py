"""Admin: incidents (failed jobs, cases in error, failed deliveries) with retry, and the job queue (timers, reminders, escalations)."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

import engine
from engine.runtime import incidents_retry_all, incidents_retry_delivery, incidents_retry_job, list_incidents, list_jobs
from webui.pages import common
from webui.pages.admin_common import ADMIN_READERS, actor, offset, query_args, roles_required

bp = Blueprint("admin_ops", __name__)

JOB_KINDS = ("timer", "reminder", "escalation", "start")
JOB_STATUSES = ("pending", "incident", "done", "cancelled", "paused")


@bp.get("/admin/incidents")
@roles_required(*ADMIN_READERS)
def incidents() -> ResponseReturnValue:
    return render_template("pages/admin_incidents.html", section="incidents", incidents=list_incidents(actor()),
                           can_act=actor().has("admin"))


@bp.post("/admin/incidents/jobs/<int:job_id>/retry")
@roles_required("admin")
def retry_job(job_id: int) -> ResponseReturnValue:
    try:
        incidents_retry_job(actor(), job_id)
        flash(_("Job %(id)s is queued again.", id=job_id), "success")
    except engine.EngineError as err:
        common.flash_error(err)
    return redirect(url_for(".incidents"))


@bp.post("/admin/incidents/deliveries/<int:delivery_id>/retry")
@roles_required("admin")
def retry_delivery(delivery_id: int) -> ResponseReturnValue:
    try:
        incidents_retry_delivery(actor(), delivery_id)
        flash(_("Delivery %(id)s is queued again.", id=delivery_id), "success")
    except engine.EngineError as err:
        common.flash_error(err)
    return redirect(url_for(".incidents"))


@bp.post("/admin/incidents/cases/<int:instance_id>/retry")
@roles_required("admin")
def retry_case(instance_id: int) -> ResponseReturnValue:
    try:
        engine.retry_instance(actor(), instance_id, request.form.get("reason") or None)
        flash(_("Case #%(id)s: the failed step was run again.", id=instance_id), "success")
    except engine.EngineError as err:
        common.flash_error(err)
    return redirect(url_for(".incidents"))


@bp.post("/admin/incidents/retry-all")
@roles_required("admin")
def retry_all() -> ResponseReturnValue:
    try:
        jobs, cases = incidents_retry_all(actor())
        flash(_("Retried %(jobs)s job(s) and %(cases)s case(s).", jobs=jobs, cases=cases), "success")
    except engine.EngineError as err:
        common.flash_error(err)
    return redirect(url_for(".incidents"))


@bp.get("/admin/jobs")
@roles_required(*ADMIN_READERS)
def jobs() -> ResponseReturnValue:
    status = request.args.get("status", "pending")
    kind = request.args.get("kind") or None
    page = list_jobs(actor(), status=status if status in JOB_STATUSES else None,
                           kind=kind if kind in JOB_KINDS else None, limit=100, offset=offset())
    return render_template("pages/admin_jobs.html", section="jobs", page=page, args=query_args(), status=status,
                           kinds=JOB_KINDS, statuses=JOB_STATUSES, now=common.now())
