"""`/api/v1` task endpoints: the inbox and what a user does to one task.

The routes are attached to `webui.api.v1_base.bp`; `webui.api.v1` imports this module before it is registered.
"""
from __future__ import annotations

from flask import Response

import engine
from webui.api import v1_base as _v1
from webui.api.common import (
    PAGING_PARAMS,
    actor,
    check_query,
    doc,
    int_field,
    json_body,
    json_response,
    object_field,
    page_response,
    paging,
    query_bool,
    query_choice,
    query_str,
    string_field,
)
from webui.api.submissions import multipart_schema, submission
from webui.api.v1_base import COMPLETE_BODY, DELEGATE_BODY, EMPTY_BODY, TASK_SCOPES, TASK_STATUSES, UUID_RE

bp_routes = _v1.blueprint  # not named `bp`: the blueprint is registered once, by webui.api.v1

# --- tasks -----------------------------------------------------------------------------------

TASK_FILTERS = [
    ("scope", "string", "mine (default), candidate, done, started, all (leaders, admins, auditors)"),
    ("status", "string", "open, done, cancelled (scopes started, all and done)"),
    ("process_key", "string", "process key"), ("enterprise_code", "string", "enterprise credit code"),
    ("hazard_level", "string", "general or major"), ("overdue", "boolean", "past due"),
    ("text", "string", "words in task name or case title"),
]


def _task_id(task_id: str) -> str:
    if not UUID_RE.match(task_id):
        raise engine.NotFound(f"任务不存在：{task_id[:64]}", f"No such task: {task_id[:64]}", {"id": task_id[:64]})
    return task_id.lower()


@bp_routes.get("/tasks")
@doc(summary="The inbox: tasks by scope", paged=True, tag="tasks", query=TASK_FILTERS)
def tasks() -> Response:
    """Tasks of one scope, filtered and paged."""
    check_query([name for name, _, _ in TASK_FILTERS] + list(PAGING_PARAMS))
    limit, offset = paging()
    page = engine.list_tasks(
        actor(), scope=query_choice("scope", TASK_SCOPES, "mine") or "mine",
        status=query_choice("status", TASK_STATUSES), process_key=query_str("process_key"),
        enterprise_code=query_str("enterprise_code"), hazard_level=query_str("hazard_level"),
        overdue=query_bool("overdue"), text=query_str("text"), limit=limit, offset=offset)
    return page_response(page)


@bp_routes.get("/tasks/<task_id>")
@doc(summary="One task the caller may see", tag="tasks")
def task(task_id: str) -> Response:
    """One task (404 when the caller may not see it)."""
    check_query(())
    return json_response(engine.get_task(actor(), _task_id(task_id)))


@bp_routes.post("/tasks/<task_id>/claim")
@doc(summary="Claim an unassigned task of one's role", body=EMPTY_BODY, tag="tasks",
     responses={200: "claimed", 403: "not a candidate", 409: "claimed by someone else or no longer open"})
def claim(task_id: str) -> Response:
    """Take the task; the body may be empty."""
    check_query(())
    json_body((), optional=True)
    return json_response(engine.claim(actor(), _task_id(task_id)))


@bp_routes.post("/tasks/<task_id>/unclaim")
@doc(summary="Release a claimed task back to its role's pool", body=EMPTY_BODY, tag="tasks",
     responses={200: "released", 403: "not the assignee", 409: "no longer open"})
def unclaim(task_id: str) -> Response:
    """Give the task back; the body may be empty."""
    check_query(())
    json_body((), optional=True)
    task_id = _task_id(task_id)
    engine.unclaim(actor(), task_id)
    return json_response(engine.get_task(actor(), task_id))


FORM_PARTS = {"data": {"type": "string", "description": "the form data: a JSON object"}}
COMPLETE_PARTS = multipart_schema({**FORM_PARTS, "expected_version": {"type": "integer", "minimum": 0},
                                   "comment": {"type": "string", "maxLength": 2000}})
FILE_ERRORS = ("field errors: details list {field, message_zh, message_en}; a refused file adds {file, reason}; "
               "an attachment id that is not this case's is an error of its field")


@bp_routes.post("/tasks/<task_id>/complete")
@doc(summary="Complete a task with its form data (JSON, or multipart with files)", body=COMPLETE_BODY, tag="tasks",
     multipart=COMPLETE_PARTS,
     responses={200: "completed: the case and its new open tasks", 403: "someone else's task, or not a candidate",
                409: "completed or changed meanwhile (or expected_version is stale)", 413: "body over the limit",
                422: FILE_ERRORS})
def complete(task_id: str) -> Response:
    """`{"data": {...}, "expected_version"?, "comment"?}` (or those as multipart parts, with files) → the case."""
    check_query(())
    body, uploads = submission(("data", "expected_version", "comment"), optional=True)
    case = engine.complete_task(actor(), _task_id(task_id), object_field(body, "data"),
                                expected_version=int_field(body, "expected_version"),
                                comment=string_field(body, "comment", max_length=2000), uploads=uploads)
    return json_response({"instance": case, "open_tasks": case.open_tasks})


@bp_routes.post("/tasks/<task_id>/delegate")
@doc(summary="Delegate (委派) a task to a user, with a comment; it returns when resolved", body=DELEGATE_BODY,
     tag="tasks", responses={200: "delegated", 400: "comment missing", 403: "not the worker", 404: "no such user"})
def delegate(task_id: str) -> Response:
    """`{"to": username, "comment": ...}` → the task, now assigned to `to` and owned by the caller."""
    check_query(())
    body = json_body(("to", "comment"))
    return json_response(engine.delegate(actor(), _task_id(task_id), string_field(body, "to", required=True, max_length=80) or "",
                                         string_field(body, "comment", required=True, max_length=2000)))


RESOLVE_BODY = {"type": "object", "additionalProperties": False,
                "properties": {"data": {"type": "object"}, "comment": {"type": ["string", "null"], "maxLength": 2000}}}
COMMENT_BODY = {"type": "object", "additionalProperties": False, "required": ["comment"],
                "properties": {"comment": {"type": "string", "maxLength": 2000}}}
DRAFT_BODY = {"type": "object", "additionalProperties": False, "required": ["data"],
              "properties": {"data": {"type": "object"}}}
@bp_routes.post("/tasks/<task_id>/resolve")
@doc(summary="Return a delegated task to its owner, with draft data", body=RESOLVE_BODY, tag="tasks",
     multipart=multipart_schema({**FORM_PARTS, "comment": {"type": "string", "maxLength": 2000}}),
     responses={200: "returned to the owner", 403: "not delegated to the caller"})
def resolve(task_id: str) -> Response:
    """`{"data"?, "comment"?}` (or multipart, with files) → the task, assigned back to the delegator."""
    check_query(())
    body, uploads = submission(("data", "comment"), optional=True)
    return json_response(engine.resolve(actor(), _task_id(task_id), object_field(body, "data"),
                                        string_field(body, "comment", max_length=2000), uploads=uploads))


@bp_routes.post("/tasks/<task_id>/send-back")
@doc(summary="Send a task back (退回) to the previous step, with a reason", body=COMMENT_BODY, tag="tasks",
     responses={200: "the case with its reopened task", 400: "no reason given", 409: "no path back"})
def send_back(task_id: str) -> Response:
    """`{"comment"}` → the case; the previous step reopens for whoever did it."""
    check_query(())
    body = json_body(("comment",))
    case = engine.send_back(actor(), _task_id(task_id), string_field(body, "comment", required=True, max_length=2000))
    return json_response({"instance": case, "open_tasks": case.open_tasks})


@bp_routes.put("/tasks/<task_id>/draft")
@doc(summary="Keep unfinished form data on a task (not validated; files checked and stored)", body=DRAFT_BODY,
     tag="tasks", multipart=multipart_schema(FORM_PARTS),
     responses={200: "saved", 403: "not the worker", 413: "body over the limit",
                422: "not saved: " + FILE_ERRORS})
def save_draft(task_id: str) -> Response:
    """`{"data": {...}}` (or a multipart `data` part, with files) → the task with its draft."""
    check_query(())
    body, uploads = submission(("data",))
    return json_response(engine.save_draft(actor(), _task_id(task_id), object_field(body, "data"), uploads=uploads))
