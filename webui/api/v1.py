"""`/api/v1`: the JSON API. Each view parses its input, calls one `engine` function, serializes.

Authentication: `Authorization: Bearer <token>` from `POST /api/v1/auth/token` on every
endpoint except that one and `openapi.json`. Permissions are the engine's (webui.api never
decides who sees a case), plus the role gates the engine leaves to its callers: deploying
processes and forms (process_owner, admin), verifying the audit chain (admin, auditor) and
revoking tokens (admin).
"""
from __future__ import annotations

from flask import Response, current_app, g, request, url_for

import engine
from webui import auth_tokens
from webui.api.common import (
    PAGING_PARAMS,
    actor,
    check_query,
    doc,
    json_body,
    json_response,
    list_response,
    object_field,
    page_response,
    paging,
    query_bool,
    query_datetime,
    query_int,
    query_str,
    require_role,
    string_field,
)
from webui.api.errors import ApiError, bad_request
from webui.api.v1_base import (  # noqa: F401  (re-exported)
    AUDIT_READERS,
    BPMN_BODY,
    COMPLETE_BODY,
    DELEGATE_BODY,
    DEPLOYERS,
    EMPTY_BODY,
    FORM_BODY,
    INSTANCE_ID,
    REVOKE_BODY,
    START_BODY,
    TASK_SCOPES,
    TASK_STATUSES,
    TOKEN_BODY,
    UUID_RE,
    XML_TYPES,
    blueprint as bp,
)

# --- tokens ----------------------------------------------------------------------------------

@bp.post("/auth/token")
@doc(summary="Exchange a username and password for a bearer token (8 hours)", body=TOKEN_BODY, public=True, tag="auth",
     responses={200: "token", 401: "wrong username or password", 429: "too many failed attempts"})
def issue_token() -> Response:
    """Log in: `{"username", "password"}` → `{"token", "token_type", "expires_at"}`."""
    body = json_body(("username", "password"))
    username = string_field(body, "username", required=True, max_length=80) or ""
    password = string_field(body, "password", required=True, max_length=1024) or ""
    service = auth_tokens.tokens()
    address = request.remote_addr or "unknown"
    user_key = username.strip().lower()
    wait = max(service.failures_by_user.blocked(user_key) or 0.0, service.failures_by_address.blocked(address) or 0.0)
    if wait:
        # Logged, not audited: a flood of throttled attempts must not flood the audit chain.
        auth_tokens.log.warning("auth.login_throttled username=%r address=%s", username, address)
        raise ApiError(429, "too_many_requests", "登录失败次数过多，请稍后再试", "Too many failed logins; try again later",
                       {"retry_after": int(wait) + 1}, {"Retry-After": str(int(wait) + 1)})
    try:
        who = engine.authenticate(username, password)
    except engine.NotAuthenticated:
        service.failures_by_user.hit(user_key)
        service.failures_by_address.hit(address)
        auth_tokens.audit_auth_event("auth.login_failed", actor=None, after={"username": username, "address": address})
        raise
    service.failures_by_user.reset(user_key)
    issued = service.issue(who.username)
    auth_tokens.audit_auth_event("auth.token_issued", actor=who.username,
                                 after={"token_id": issued.token_id, "address": address})
    return json_response({"token": issued.token, "token_type": "Bearer", "expires_at": issued.expires_at})


@bp.delete("/auth/token")
@doc(summary="Revoke the caller's own token (log out)", tag="auth", responses={204: "revoked"})
def revoke_own_token() -> Response:
    """Log out: the token in the Authorization header stops working on every server process (audited by the engine)."""
    auth_tokens.tokens().revoke_id(g.token_claims.token_id)
    return Response(status=204)


@bp.post("/auth/revoke")
@doc(summary="Revoke a token, a token id, or every token of a user (admin only; all server processes)", body=REVOKE_BODY,
     tag="auth", responses={200: "revoked", 403: "not an admin"})
def revoke_token() -> Response:
    """Revoke `{"token"}`, `{"token_id"}` or `{"username"}` (all that user's tokens so far)."""
    require_role("admin")
    body = json_body(("token", "token_id", "username"))
    given = {k: string_field(body, k, max_length=4096) for k in ("token", "token_id", "username")}
    given = {k: v for k, v in given.items() if v}
    if len(given) != 1:
        raise bad_request("请只给出 token、token_id 或 username 之一", "Give exactly one of token, token_id or username",
                          {"fields": ["token", "token_id", "username"]})
    service = auth_tokens.tokens()
    (kind, value), = given.items()
    if kind == "token":
        try:
            claims = service.revoke_token(value)
        except auth_tokens.TokenInvalid as err:
            raise ApiError(422, "validation_failed", "令牌无效或已失效", "The token is not a valid live token",
                           {"reason": err.reason}) from err
        revoked = {"token_id": claims.token_id, "username": claims.username}
    elif kind == "token_id":
        service.revoke_id(value)
        revoked = {"token_id": value}
    else:
        service.revoke_user(value)
        revoked = {"username": value}
    return json_response({"revoked": revoked})  # the engine wrote the audit row with the revocation


# --- who am I --------------------------------------------------------------------------------

@bp.get("/me")
@doc(summary="The caller: username, roles, enterprise, industries", tag="users")
def me() -> Response:
    """The acting identity of the token."""
    check_query(())
    return json_response(actor())


@bp.get("/enterprises")
@doc(summary="Enterprises the caller may see (an enterprise user: only its own)", paged=True, tag="users",
     query=[("industry", "string", "industry key")])
def enterprises() -> Response:
    """Enterprises, by code."""
    check_query(("industry", *PAGING_PARAMS))
    limit, offset = paging()
    return page_response(engine.list_enterprises(actor(), industry=query_str("industry"), limit=limit, offset=offset))


# --- processes and forms ---------------------------------------------------------------------

@bp.get("/processes")
@doc(summary="Deployed processes (newest version of each, or every version)", paged=True, tag="processes",
     query=[("all_versions", "boolean", "every version, not only the newest")])
def processes() -> Response:
    """Deployed process versions with their running case counts."""
    check_query(("all_versions", *PAGING_PARAMS))
    limit, offset = paging()
    return list_response(engine.list_processes(all_versions=bool(query_bool("all_versions"))), limit, offset)


def _bpmn_upload() -> bytes:
    mimetype = request.mimetype or ""
    if mimetype in XML_TYPES:
        return request.get_data(cache=False)
    if mimetype == "multipart/form-data":
        unknown = sorted(str(name) for name in set(request.files) | set(request.form) if name != "file")
        if unknown:
            raise ApiError(400, "unknown_fields", f"未知字段：{', '.join(unknown)}", f"Unknown field(s): {', '.join(unknown)}",
                           {"unknown": unknown, "allowed": ["file"]})
        upload = request.files.get("file")
        if upload is None:
            raise bad_request("缺少文件字段 file", "Missing the multipart field 'file'", {"field": "file"})
        return upload.read()
    raise ApiError(415, "unsupported_media_type", "请以 application/xml 或 multipart/form-data（字段 file）上传 BPMN",
                   "Send BPMN as application/xml or multipart/form-data (field 'file')", {"content_type": mimetype or None})


@bp.post("/processes")
@doc(summary="Deploy a BPMN diagram (application/xml, or multipart field `file`)", body=BPMN_BODY,
     body_type="application/xml", tag="processes",
     query=[("override_path_tests", "string", "a reason to deploy although path tests fail (audited)")],
     responses={201: "deployed as a new version", 200: "unchanged: the newest version already has these bytes",
                403: "not a process owner or admin", 413: "too large", 415: "wrong content type",
                422: "refused; details list {element_id, line, message_zh, message_en} (error path_tests_failed: "
                     "also {scenario, step} of each failing path test)"})
def deploy_process() -> Response:
    """Validate and deploy a diagram; 422 lists every problem with its element id and line. The process's stored
    path tests run first: a failing one refuses the deploy unless `override_path_tests` gives a reason."""
    check_query(("override_path_tests",))
    who = require_role(*DEPLOYERS)
    bpmn = _bpmn_upload()
    if not bpmn.strip():
        raise ApiError(422, "invalid_definition", "BPMN 内容为空", "The BPMN body is empty",
                       [{"element_id": None, "line": None, "message_zh": "内容为空", "message_en": "empty body"}])
    result = engine.deploy(bpmn, actor=who.username, override_reason=query_str("override_path_tests", max_length=500))
    process = result.process
    location = url_for(".process", key=process.key, version=process.version)
    return json_response({"key": process.key, "version": process.version, "created": result.created, "process": process},
                         201 if result.created else 200, {"Location": location})


@bp.get("/processes/<key>")
@doc(summary="One process version (the newest unless `version` is given)", tag="processes",
     query=[("version", "integer", "version number")])
def process(key: str) -> Response:
    """One deployed process version."""
    check_query(("version",))
    return json_response(engine.get_process(key, query_int("version", None, minimum=1)))


@bp.get("/processes/<key>/bpmn")
@doc(summary="The BPMN XML of a process version", tag="processes", query=[("version", "integer", "version number")],
     responses={200: "application/xml"})
def process_bpmn(key: str) -> Response:
    """The diagram as deployed (application/xml)."""
    check_query(("version",))
    xml = engine.get_bpmn(key, query_int("version", None, minimum=1))
    response = Response(xml, mimetype="application/xml")
    response.headers["Content-Disposition"] = "attachment; filename=process.bpmn"
    return response


@bp.get("/forms")
@doc(summary="Forms (newest version of each)", paged=True, tag="forms")
def forms() -> Response:
    """Every form key with its newest schema."""
    check_query(PAGING_PARAMS)
    limit, offset = paging()
    return list_response(engine.list_forms(), limit, offset)


@bp.get("/forms/<key>")
@doc(summary="One form's JSON Schema (the newest unless `version` is given)", tag="forms",
     query=[("version", "integer", "version number")])
def form(key: str) -> Response:
    """One form version."""
    check_query(("version",))
    return json_response(engine.get_form(key, query_int("version", None, minimum=1)))


@bp.put("/forms/<key>")
@doc(summary="Create or update a form: the body is a JSON Schema (a changed schema is a new version)", body=FORM_BODY,
     tag="forms", responses={200: "saved", 403: "not a process owner or admin", 422: "not a usable JSON Schema"})
def put_form(key: str) -> Response:
    """Save a form; the schema must be a valid draft 2020-12 JSON Schema of type object."""
    check_query(())
    who = require_role(*DEPLOYERS)
    schema = json_body()
    return json_response(engine.save_form(key, schema, actor=who.username))


# --- cases -----------------------------------------------------------------------------------

@bp.post("/processes/<key>/instances")
@doc(summary="Start a case on the newest version; data is checked against the start form", body=START_BODY,
     tag="instances", responses={201: "started", 404: "no such process", 422: "field errors"})
def start_instance(key: str) -> Response:
    """`{"data": {...}, "business_key": ...}` → 201 with the case and its open tasks."""
    check_query(())
    body = json_body(("data", "business_key"), optional=True)
    case = engine.start_instance(actor(), key, object_field(body, "data"),
                                 business_key=string_field(body, "business_key", max_length=200))
    return json_response(case, 201, {"Location": url_for(".instance", instance_id=case.id)})


INSTANCE_FILTERS = [
    ("process_key", "string", "process key"), ("status", "string", "running, completed, terminated, suspended, error"),
    ("enterprise_code", "string", "enterprise credit code"), ("industry", "string", "industry key"),
    ("hazard_level", "string", "general or major"), ("source", "string", "where the case came from"),
    ("overdue", "boolean", "deadline passed and still running"), ("text", "string", "words in title or business key"),
    ("started_after", "date-time", "ISO 8601"), ("started_before", "date-time", "ISO 8601"),
    ("parent_id", "integer", "cases started by this case"),
]


@bp.get("/instances")
@doc(summary="Cases the caller may see, newest first", paged=True, tag="instances", query=INSTANCE_FILTERS)
def instances() -> Response:
    """Filtered, paged cases (another enterprise's cases never appear)."""
    check_query([name for name, _, _ in INSTANCE_FILTERS] + list(PAGING_PARAMS))
    limit, offset = paging()
    overdue = query_bool("overdue")
    page = engine.list_instances(
        actor(), process_key=query_str("process_key"), status=query_str("status"),
        enterprise_code=query_str("enterprise_code"), industry=query_str("industry"),
        hazard_level=query_str("hazard_level"), source=query_str("source"), overdue=overdue,
        text=query_str("text"), started_after=query_datetime("started_after"),
        started_before=query_datetime("started_before"), parent_id=query_int("parent_id", None, maximum=2147483647),
        limit=limit, offset=offset, today=engine.get_clock().now().date() if overdue is not None else None)
    return page_response(page)


@bp.get(f"/instances/{INSTANCE_ID}")
@doc(summary="One case with its data and open tasks (404 when the caller may not see it)", tag="instances")
def instance(instance_id: int) -> Response:
    """One case; confidential fields only for the designated role."""
    check_query(())
    return json_response(engine.get_instance(actor(), instance_id))


@bp.get(f"/instances/{INSTANCE_ID}/history")
@doc(summary="The case's audit trail, oldest first", paged=True, tag="instances")
def instance_history(instance_id: int) -> Response:
    """Every recorded step of the case (confidential values masked for most roles)."""
    check_query(PAGING_PARAMS)
    limit, offset = paging()
    return list_response(engine.instance_history(actor(), instance_id), limit, offset)


# --- the description of all of the above -------------------------------------------------------

@bp.get("/openapi.json")
@doc(summary="This API, described as OpenAPI 3.1 (generated from the registered routes)", public=True, tag="meta")
def openapi_document() -> Response:
    """The OpenAPI document."""
    from webui.api import openapi
    return json_response(openapi.build(current_app))


from webui.api import v1_admin, v1_path_tests, v1_registers, v1_staff, v1_statistics, v1_tasks, v1_what_if  # noqa: E402,F401 - attach their routes to bp before registration
