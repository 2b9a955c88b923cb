"""`/api/v1` administration endpoints: case transitions (admin) and the audit trail (admin, auditor).

The routes are attached to `webui.api.v1_base.bp`; `webui.api.v1` imports this module before it is registered.
"""
from __future__ import annotations

from flask import Response

import engine
from engine.campaign import list_scheduled_starts, set_job_paused, set_process_paused
from engine.runtime import list_audit
from webui.api import v1_base as _v1
from webui.api.common import (
    PAGING_PARAMS,
    actor,
    check_query,
    doc,
    json_body,
    json_response,
    page_response,
    paging,
    query_datetime,
    query_int,
    query_str,
    require_role,
    string_field,
)
from webui.api.v1_base import AUDIT_READERS, INSTANCE_ID

bp_routes = _v1.blueprint  # not named `bp`: the blueprint is registered once, by webui.api.v1

REASON_BODY = {"type": "object", "additionalProperties": False,
               "properties": {"reason": {"type": ["string", "null"], "maxLength": 2000}}}


_TRANSITIONS = {"suspend": engine.suspend_instance, "resume": engine.resume_instance,
                "terminate": engine.terminate_instance, "retry": engine.retry_instance}


def _transition(name: str, instance_id: int) -> Response:
    check_query(())
    body = json_body(("reason",), optional=True)
    reason = string_field(body, "reason", max_length=2000)
    if name == "terminate" and reason is None:
        reason = ""  # the engine refuses an empty reason with a 400
    return json_response(_TRANSITIONS[name](actor(), instance_id, reason))


@bp_routes.post(f"/instances/{INSTANCE_ID}/suspend")
@doc(summary="Suspend a running case (admin)", body=REASON_BODY, tag="instances",
     responses={200: "suspended", 403: "not an admin", 409: "not running"})
def suspend(instance_id: int) -> Response:
    """`{"reason"?}` → the case, suspended."""
    return _transition("suspend", instance_id)


@bp_routes.post(f"/instances/{INSTANCE_ID}/resume")
@doc(summary="Resume a suspended case (admin)", body=REASON_BODY, tag="instances",
     responses={200: "running again", 403: "not an admin", 409: "not suspended"})
def resume(instance_id: int) -> Response:
    """`{"reason"?}` → the case, running."""
    return _transition("resume", instance_id)


@bp_routes.post(f"/instances/{INSTANCE_ID}/terminate")
@doc(summary="Terminate a case (admin); a reason is required", body=REASON_BODY, tag="instances",
     responses={200: "terminated", 400: "no reason", 403: "not an admin", 409: "already ended"})
def terminate(instance_id: int) -> Response:
    """`{"reason"}` → the case, terminated."""
    return _transition("terminate", instance_id)


@bp_routes.post(f"/instances/{INSTANCE_ID}/retry")
@doc(summary="Retry a case stopped by an error (admin)", body=REASON_BODY, tag="instances",
     responses={200: "retried", 403: "not an admin", 409: "not in error"})
def retry(instance_id: int) -> Response:
    """`{"reason"?}` → the case after the retry."""
    return _transition("retry", instance_id)


# --- audit -----------------------------------------------------------------------------------

AUDIT_FILTERS = (("actor", "string", "who acted (exact username)"), ("action", "string", "action prefix, e.g. task."),
                 ("instance_id", "integer", "one case"), ("since", "date-time", "from (ISO 8601)"),
                 ("until", "date-time", "before (ISO 8601)"))


@bp_routes.get("/audit")
@doc(summary="The audit trail, newest first (admin, auditor)", paged=True, tag="audit", query=AUDIT_FILTERS,
     responses={403: "not an admin or auditor"})
def audit_events() -> Response:
    """Filtered, paged audit events; the trail is append-only and hash-chained."""
    check_query([name for name, _, _ in AUDIT_FILTERS] + list(PAGING_PARAMS))
    require_role(*AUDIT_READERS)
    limit, offset = paging()
    return page_response(list_audit(
        actor(), actor_name=query_str("actor"), action=query_str("action"),
        instance_id=query_int("instance_id", None, maximum=2147483647), since=query_datetime("since"),
        until=query_datetime("until"), limit=limit, offset=offset))


@bp_routes.get("/audit/verify")
@doc(summary="Recompute every audit hash chain (admin, auditor)", tag="audit",
     responses={200: "{ok, chains, events, first_bad_id, chain, reason}", 403: "not an admin or auditor"})
def audit_verify() -> Response:
    """Whether the audit trail is intact; names the first bad row otherwise."""
    check_query(())
    require_role(*AUDIT_READERS)
    return json_response(engine.verify_audit())


# --- schedules -------------------------------------------------------------------------------

@bp_routes.get("/schedules")
@doc(summary="Every scheduled start: dispatchers, holiday warnings, campaign-date notices (admin, auditor)",
     tag="schedules", responses={200: "[{kind, process_key, job_id, title, next_run, target, status, …}]",
                                 403: "not an admin or auditor"})
def schedules() -> Response:
    """What will start when, for whom, and whether it is paused (soonest first)."""
    check_query(())
    require_role(*AUDIT_READERS)
    return json_response({"items": list_scheduled_starts(actor())})


@bp_routes.post("/schedules/processes/<key>/<any(pause, resume):verb>")
@doc(summary="Pause or resume a process's scheduled starts (admin)", tag="schedules",
     responses={200: "{changed}", 403: "not an admin", 404: "no such process", 409: "nothing to pause or resume"})
def schedule_process(key: str, verb: str) -> Response:
    """Pausing holds every waiting start of the process; resuming lets them fire (missed periods are skipped)."""
    check_query(())
    return json_response({"changed": set_process_paused(actor(), key, verb == "pause")})


@bp_routes.post("/schedules/jobs/<int:job_id>/<any(pause, resume):verb>")
@doc(summary="Pause or resume one scheduled notice (admin)", tag="schedules",
     responses={200: "{job_id, status}", 403: "not an admin", 404: "no such scheduled start",
                409: "not pending / paused"})
def schedule_job(job_id: int, verb: str) -> Response:
    """One holiday warning or campaign-date notice, held or released."""
    check_query(())
    paused = verb == "pause"
    return json_response({"job_id": set_job_paused(actor(), job_id, paused),
                          "status": "paused" if paused else "pending"})
