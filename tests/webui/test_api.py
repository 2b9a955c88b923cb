"""The JSON API over HTTP (Flask test client), on SQLite and PostgreSQL.

A full case (deploy with forms → start → claim → complete → history → audit verify), tokens
(401, revocation, rate limiting), scoping (404 for another enterprise), role gates (403),
conflicts (409), field errors (422), and hostile input (XXE, 50 MB, malformed JSON, wrong
content types, unknown fields, deep nesting), all answered as JSON in zh or en.
"""
from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

import engine
from engine.campaign import bootstrap
from webui import auth_tokens, create_app

API = "/api/v1"
DATA = Path(__file__).resolve().parents[1] / "data"
ENT_A = "91220881MA00000000"  # the `people` fixture's enterprise A
CORPUS_XXE = Path(__file__).resolve().parents[3] / "shared/corpus/camunda/platform/negative/testXxeParsingIsDisabled.bpmn20.xml"
XXE_BPMN = b"""<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE foo [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="d" targetNamespace="x">
  <bpmn:process id="xxe" isExecutable="true"><bpmn:startEvent id="s" name="&xxe;"/></bpmn:process>
</bpmn:definitions>"""


def read_forms() -> dict[str, dict[str, Any]]:
    return bootstrap.read_forms(DATA / "forms")


START_DATA = {"case_title": "后厨燃气报警器失效", "hazard_level": "general", "deadline": "2025-03-10", "spawn": False}


@pytest.fixture
def app(database: str, tmp_path: Path) -> Flask:
    return create_app({"TESTING": True, "ENGINE_CONFIGURED": True, "DATA_DIR": str(tmp_path / "web"),
                       "SECRET_KEY": "test-secret-key"})


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


def bearer(app: Flask, username: str, lang: str | None = None) -> dict[str, str]:
    """Headers with a token minted directly (only admin and officer_a have passwords)."""
    headers = {"Authorization": f"Bearer {auth_tokens.init_app(app).issue(username).token}"}
    if lang:
        headers["Accept-Language"] = lang
    return headers


def call(client: FlaskClient, method: str, path: str, **kwargs: Any) -> tuple[int, Any, Any]:
    """(status, JSON body or raw bytes, headers) of one request; the response is closed."""
    with client.open(API + path, method=method, **kwargs) as response:
        body = response.get_json(silent=True) if response.is_json else response.get_data()
        return response.status_code, body, response.headers


def login(client: FlaskClient, username: str, password: str = "password-123") -> dict[str, str]:
    status, body, _ = call(client, "POST", "/auth/token", json={"username": username, "password": password})
    assert status == 200, body
    assert body["token_type"] == "Bearer" and body["expires_at"].endswith("+00:00")
    return {"Authorization": f"Bearer {body['token']}"}


def start_case(client: FlaskClient, headers: dict[str, str], **data: Any) -> dict[str, Any]:
    status, body, _ = call(client, "POST", "/processes/review/instances", json={"data": {**START_DATA, **data}},
                           headers=headers)
    assert status == 201, body
    return body


def assert_error(body: Any, code: str) -> None:
    assert isinstance(body, dict) and set(body) == {"error", "message", "details"}, body
    assert body["error"] == code, body


# --- a whole case over HTTP ------------------------------------------------------------------

def test_full_case_over_http(app, client, people):
    owner = bearer(app, "owner")
    for key, schema in read_forms().items():
        status, body, _ = call(client, "PUT", f"/forms/{key}", json=schema, headers=owner)
        assert status == 200, body
        assert (body["key"], body["version"]) == (key, 1)
    bpmn = (DATA / "review.bpmn").read_bytes()
    status, body, headers = call(client, "POST", "/processes", data=bpmn, content_type="application/xml", headers=owner)
    assert status == 201, body
    assert (body["key"], body["version"], body["created"]) == ("review", 1, True)
    assert headers["Location"].endswith("/api/v1/processes/review?version=1")
    status, body, _ = call(client, "POST", "/processes", headers=owner,
                           data={"file": (io.BytesIO(bpmn), "review.bpmn")}, content_type="multipart/form-data")
    assert (status, body["created"], body["version"]) == (200, False, 1)
    status, xml, headers = call(client, "GET", "/processes/review/bpmn", headers=owner)
    assert status == 200 and headers["Content-Type"].startswith("application/xml") and xml == bpmn

    officer = login(client, "officer_a")
    case = start_case(client, officer)
    assert (case["status"], case["enterprise_code"], case["deadline"]) == ("running", ENT_A, "2025-03-10")
    [rectify] = case["open_tasks"]
    assert rectify["element_id"] == "rectify"

    status, body, _ = call(client, "GET", "/tasks?scope=candidate", headers=officer)
    assert status == 200 and [t["id"] for t in body["items"]] == [rectify["id"]]
    status, body, _ = call(client, "POST", f"/tasks/{rectify['id']}/claim", headers=officer)
    assert status == 200 and body["assignee"] == "officer_a", body
    status, body, _ = call(client, "GET", "/tasks?scope=mine", headers=officer)
    assert body["total"] == 1
    status, body, _ = call(client, "POST", f"/tasks/{rectify['id']}/complete", headers=officer,
                           json={"data": {"measures": "更换报警器"}, "expected_version": body["items"][0]["version"]})
    assert status == 200, body
    [accept] = body["open_tasks"]
    assert accept["element_id"] == "accept" and body["instance"]["id"] == case["id"]

    inspector = bearer(app, "inspector_catering")
    status, body, _ = call(client, "POST", f"/tasks/{accept['id']}/complete", headers=inspector,
                           json={"data": {"result": "pass"}})
    assert status == 200, body
    assert body["open_tasks"] == [] and body["instance"]["status"] == "completed"

    admin = login(client, "admin")
    status, body, _ = call(client, "GET", f"/instances/{case['id']}/history", headers=admin)
    assert status == 200
    actions = [h["action"] for h in body["items"]]
    assert actions[0] == "case.start" and actions.count("task.complete") == 2 and "task.claim" in actions
    status, body, _ = call(client, "GET", f"/instances/{case['id']}", headers=admin)
    assert status == 200 and body["data"]["closed_on"] == "2025-03-03"
    status, body, _ = call(client, "GET", "/audit/verify", headers=bearer(app, "auditor"))
    assert status == 200 and body["ok"] is True and body["events"] > 0, body
    status, body, _ = call(client, "GET", "/audit/verify", headers=officer)
    assert status == 403


def test_lists_are_paged_and_filtered(app, client, review, people):
    officer = bearer(app, "officer_a")
    ids = [start_case(client, officer, case_title=f"隐患{i}")["id"] for i in range(3)]
    status, body, _ = call(client, "GET", "/instances?limit=2", headers=officer)
    assert status == 200
    assert (body["total"], body["limit"], body["offset"], body["next_offset"]) == (3, 2, 0, 2)
    assert [i["id"] for i in body["items"]] == ids[::-1][:2]
    status, body, _ = call(client, "GET", "/instances?limit=2&offset=2", headers=officer)
    assert [i["id"] for i in body["items"]] == [ids[0]] and body["next_offset"] is None
    status, body, _ = call(client, "GET", "/instances?text=隐患1&status=running", headers=officer)
    assert [i["id"] for i in body["items"]] == [ids[1]]
    status, body, _ = call(client, "GET", "/instances?text=%27%20OR%201%3D1%20--", headers=officer)
    assert (status, body["total"]) == (200, 0)
    for bad in ("limit=0", "limit=501", "offset=-1", "limit=abc", "overdue=maybe", "started_after=yesterday"):
        status, body, _ = call(client, "GET", f"/instances?{bad}", headers=officer)
        assert status == 400, bad
        assert_error(body, "bad_request")
    status, body, _ = call(client, "GET", "/instances?colour=red", headers=officer)
    assert status == 400 and body["details"]["unknown"] == ["colour"]
    status, body, _ = call(client, "GET", "/processes", headers=officer)
    assert status == 200 and [p["key"] for p in body["items"]] == ["review"] and body["total"] == 1
    status, body, _ = call(client, "GET", "/enterprises", headers=officer)
    assert [e["code"] for e in body["items"]] == [ENT_A]
    status, body, _ = call(client, "GET", "/me", headers=officer)
    assert (body["username"], body["roles"], body["enterprise_code"]) == ("officer_a", ["enterprise_safety_officer"], ENT_A)


# --- tokens ----------------------------------------------------------------------------------

def test_every_endpoint_but_login_needs_a_token(app, client, review, people):
    for method, path in (("GET", "/me"), ("GET", "/processes"), ("POST", "/processes"), ("GET", "/instances"),
                         ("GET", "/tasks"), ("GET", "/audit/verify"), ("PUT", "/forms/x"), ("GET", "/enterprises")):
        status, body, headers = call(client, method, path)
        assert status == 401, path
        assert_error(body, "unauthenticated")
        assert headers["WWW-Authenticate"].startswith("Bearer")
    for value in ("Bearer", "Bearer not-a-token", "Basic YWRtaW46cGFzc3dvcmQtMTIz", "Bearer " + "x" * 5000):
        status, body, _ = call(client, "GET", "/me", headers={"Authorization": value})
        assert status == 401, value
    other = create_app({"TESTING": True, "ENGINE_CONFIGURED": True, "DATA_DIR": app.config["DATA_DIR"],
                        "SECRET_KEY": "another-key"})
    status, _, _ = call(client, "GET", "/me", headers=bearer(other, "admin"))
    assert status == 401
    assert client.get_cookie("safeloop_session") is None


def test_wrong_password_is_401_and_repeated_failures_are_throttled(app, client, people):
    for _ in range(5):
        status, body, _ = call(client, "POST", "/auth/token", json={"username": "admin", "password": "wrong-password"})
        assert status == 401
        assert_error(body, "unauthenticated")
    status, body, headers = call(client, "POST", "/auth/token", json={"username": "admin", "password": "password-123"})
    assert status == 429 and int(headers["Retry-After"]) > 0
    assert_error(body, "too_many_requests")
    # the address is throttled too: another user from the same address is refused
    status, _, _ = call(client, "POST", "/auth/token", json={"username": "officer_a", "password": "password-123"})
    assert status == 429
    # from another address, officer_a gets in; admin (per user) is still throttled
    other = {"REMOTE_ADDR": "10.0.0.7"}
    status, _, _ = call(client, "POST", "/auth/token", environ_base=other,
                        json={"username": "officer_a", "password": "password-123"})
    assert status == 200
    status, _, _ = call(client, "POST", "/auth/token", environ_base=other,
                        json={"username": "admin", "password": "password-123"})
    assert status == 429
    status, body, _ = call(client, "GET", "/audit/verify", headers=bearer(app, "auditor"))
    assert body["ok"] is True
    assert _system_audit_actions().count("auth.login_failed") == 5
    assert _system_audit_actions().count("auth.token_issued") == 1


def _system_audit_actions() -> list[str]:
    from sqlalchemy import select

    from engine.runtime.db import unit_of_work
    from engine.runtime.models import AuditEvent
    with unit_of_work(write=False) as s:
        return list(s.scalars(select(AuditEvent.action).where(AuditEvent.chain == "system").order_by(AuditEvent.seq)))


def test_admin_revokes_tokens(app, client, people):
    admin = login(client, "admin")
    officer = login(client, "officer_a")
    officer_token = officer["Authorization"].split()[1]
    status, _, _ = call(client, "POST", "/auth/revoke", json={"token": officer_token}, headers=bearer(app, "officer_a2"))
    assert status == 403
    status, body, _ = call(client, "POST", "/auth/revoke", json={"token": officer_token}, headers=admin)
    assert status == 200 and body["revoked"]["username"] == "officer_a"
    status, body, _ = call(client, "GET", "/me", headers=officer)
    assert status == 401 and body["details"]["reason"] == "revoked"
    fresh = login(client, "officer_a")
    assert call(client, "GET", "/me", headers=fresh)[0] == 200
    status, _, _ = call(client, "POST", "/auth/revoke", json={"username": "officer_a"}, headers=admin)
    assert status == 200
    assert call(client, "GET", "/me", headers=fresh)[0] == 401
    status, body, _ = call(client, "POST", "/auth/revoke", json={"token": "x", "username": "y"}, headers=admin)
    assert status == 400
    status, _, _ = call(client, "DELETE", "/auth/token", headers=admin)
    assert status == 204
    assert call(client, "GET", "/me", headers=admin)[0] == 401


# --- authorisation ---------------------------------------------------------------------------

def test_another_enterprises_case_and_task_are_404(app, client, review, people):
    case = start_case(client, bearer(app, "officer_a"))
    task_id = case["open_tasks"][0]["id"]
    other = bearer(app, "officer_b")
    for method, path, kwargs in (("GET", f"/instances/{case['id']}", {}), ("GET", f"/instances/{case['id']}/history", {}),
                                 ("GET", f"/tasks/{task_id}", {}), ("POST", f"/tasks/{task_id}/claim", {}),
                                 ("POST", f"/tasks/{task_id}/complete", {"json": {"data": {"measures": "偷偷完成"}}})):
        status, body, _ = call(client, method, path, headers=other, **kwargs)
        assert status == 404, path
        assert_error(body, "not_found")
    status, body, _ = call(client, "GET", "/instances", headers=other)
    assert body["total"] == 0
    status, body, _ = call(client, "GET", "/instances/999999", headers=bearer(app, "admin"))
    assert status == 404
    status, body, _ = call(client, "GET", "/tasks/not-a-uuid", headers=bearer(app, "admin"))
    assert status == 404
    assert call(client, "GET", "/instances/99999999999999999999", headers=bearer(app, "admin"))[0] == 404


def test_only_process_owners_and_admins_deploy(app, client, people):
    bpmn = (DATA / "review.bpmn").read_bytes()
    for name in ("officer_a", "chief", "auditor", "inspector_catering"):
        status, body, _ = call(client, "POST", "/processes", data=bpmn, content_type="application/xml",
                               headers=bearer(app, name))
        assert status == 403, name
        assert_error(body, "forbidden")
        status, body, _ = call(client, "PUT", "/forms/review_start", json=read_forms()["review_start"],
                               headers=bearer(app, name))
        assert status == 403, name
    status, body, _ = call(client, "GET", "/processes", headers=bearer(app, "admin"))
    assert body["total"] == 0
    assert engine.list_forms() == []


def test_auditor_reads_but_cannot_start_or_complete(app, client, review, people):
    case = start_case(client, bearer(app, "officer_a"))
    auditor = bearer(app, "auditor")
    assert call(client, "GET", f"/instances/{case['id']}", headers=auditor)[0] == 200
    status, body, _ = call(client, "POST", f"/tasks/{case['open_tasks'][0]['id']}/complete", headers=auditor,
                           json={"data": {"measures": "审计员"}})
    assert status == 403
    status, body, _ = call(client, "POST", "/processes/review/instances", headers=auditor, json={"data": START_DATA})
    assert status == 403
    status, body, _ = call(client, "GET", "/tasks?scope=all", headers=bearer(app, "officer_a"))
    assert status == 403


# --- conflicts and field errors --------------------------------------------------------------

def test_double_completion_is_409_and_someone_elses_claim_is_403(app, client, review, people):
    officer = bearer(app, "officer_a")
    task_id = start_case(client, officer)["open_tasks"][0]["id"]
    status, body, _ = call(client, "POST", f"/tasks/{task_id}/claim", headers=officer)
    assert status == 200
    status, body, _ = call(client, "POST", f"/tasks/{task_id}/claim", headers=bearer(app, "officer_a2"))
    assert status == 409
    assert_error(body, "conflict")
    status, body, _ = call(client, "POST", f"/tasks/{task_id}/complete", headers=bearer(app, "officer_a2"),
                           json={"data": {"measures": "抢着办"}})
    assert status == 403
    status, body, _ = call(client, "POST", f"/tasks/{task_id}/complete", headers=officer,
                           json={"data": {"measures": "更换"}, "expected_version": 0})
    assert status == 409 and body["details"]["version"] >= 1
    status, body, _ = call(client, "POST", f"/tasks/{task_id}/complete", headers=officer, json={"data": {"measures": "更换"}})
    assert status == 200
    status, body, _ = call(client, "POST", f"/tasks/{task_id}/complete", headers=officer, json={"data": {"measures": "再次"}})
    assert status == 409
    assert_error(body, "conflict")


def test_field_errors_are_422_and_change_nothing(app, client, review, people):
    officer = bearer(app, "officer_a", lang="en")
    status, body, _ = call(client, "POST", "/processes/review/instances", headers=officer,
                           json={"data": {"hazard_level": "huge", "extra": 1}})
    assert status == 422
    assert_error(body, "invalid_form_data")
    assert {e["field"] for e in body["details"]} == {"case_title", "hazard_level", "extra"}
    case = start_case(client, officer)
    task_id = case["open_tasks"][0]["id"]
    status, body, _ = call(client, "POST", f"/tasks/{task_id}/complete", headers=officer,
                           json={"data": {"measures": "x", "done_on": "31/02/2025"}})
    assert status == 422
    assert {e["field"] for e in body["details"]} == {"measures", "done_on"}
    status, body, _ = call(client, "GET", f"/tasks/{task_id}", headers=officer)
    assert body["status"] == "open"
    status, body, _ = call(client, "PUT", "/forms/broken", json={"type": "object", "properties": {"a": {"type": 12}}},
                           headers=bearer(app, "owner"))
    assert status == 422
    assert_error(body, "validation_failed")


def test_delegate_and_unclaim(app, client, review, people):
    officer = bearer(app, "officer_a")
    task_id = start_case(client, officer)["open_tasks"][0]["id"]
    assert call(client, "POST", f"/tasks/{task_id}/claim", headers=officer)[0] == 200
    status, body, _ = call(client, "POST", f"/tasks/{task_id}/unclaim", headers=officer)
    assert status == 200 and body["assignee"] is None
    call(client, "POST", f"/tasks/{task_id}/claim", headers=officer)
    status, body, _ = call(client, "POST", f"/tasks/{task_id}/delegate", headers=officer, json={"to": "officer_a2"})
    assert status == 400
    status, body, _ = call(client, "POST", f"/tasks/{task_id}/delegate", headers=officer,
                           json={"to": "officer_a2", "comment": "请协助"})
    assert status == 200 and (body["assignee"], body["owner"]) == ("officer_a2", "officer_a")


def test_send_back_resolve_and_draft(app, client, review, people):
    officer = bearer(app, "officer_a")
    task_id = start_case(client, officer)["open_tasks"][0]["id"]
    status, body, _ = call(client, "PUT", f"/tasks/{task_id}/draft", headers=officer, json={"data": {"measures": "草稿"}})
    assert status == 200 and body["draft"] == {"measures": "草稿"}
    call(client, "POST", f"/tasks/{task_id}/claim", headers=officer)
    call(client, "POST", f"/tasks/{task_id}/delegate", headers=officer, json={"to": "officer_a2", "comment": "请协助"})
    status, body, _ = call(client, "POST", f"/tasks/{task_id}/resolve", headers=bearer(app, "officer_a2"),
                           json={"data": {"measures": "核实完毕"}, "comment": "已核实"})
    assert status == 200 and (body["assignee"], body["owner"]) == ("officer_a", None)
    status, body, _ = call(client, "POST", f"/tasks/{task_id}/complete", headers=officer, json={"data": {"measures": "核实完毕"}})
    accept = body["open_tasks"][0]["id"]
    inspector = bearer(app, "inspector_catering")
    status, body, _ = call(client, "POST", f"/tasks/{accept}/send-back", headers=inspector, json={"comment": "  "})
    assert status == 400
    status, body, _ = call(client, "POST", f"/tasks/{accept}/send-back", headers=inspector, json={})
    assert status == 400
    status, body, _ = call(client, "POST", f"/tasks/{accept}/send-back", headers=inspector, json={"comment": "照片不清晰"})
    assert status == 200 and body["open_tasks"][0]["element_id"] == "rectify"


def test_admin_case_transitions(app, client, review, people):
    case = start_case(client, bearer(app, "officer_a"))
    path = f"/instances/{case['id']}"
    assert call(client, "POST", f"{path}/suspend", headers=bearer(app, "chief"))[0] == 403
    admin = bearer(app, "admin")
    status, body, _ = call(client, "POST", f"{path}/suspend", headers=admin, json={"reason": "核查中"})
    assert status == 200 and body["status"] == "suspended"
    status, body, _ = call(client, "POST", f"/tasks/{case['open_tasks'][0]['id']}/complete", headers=bearer(app, "officer_a"),
                           json={"data": {"measures": "更换"}})
    assert status == 409
    assert call(client, "POST", f"{path}/resume", headers=admin)[1]["status"] == "running"
    assert call(client, "POST", f"{path}/terminate", headers=admin)[0] == 400
    status, body, _ = call(client, "POST", f"{path}/terminate", headers=admin, json={"reason": "重复上报"})
    assert status == 200 and body["status"] == "terminated"
    status, body, _ = call(client, "GET", f"{path}/history", headers=admin)
    assert [h["action"] for h in body["items"] if h["action"] in ("case.suspend", "case.resume", "case.terminate")] == [
        "case.suspend", "case.resume", "case.terminate"]


# --- errors are JSON, in the caller's language -----------------------------------------------

def test_errors_are_json_in_chinese_or_english(app, client, review, people):
    zh = bearer(app, "admin", lang="zh-CN,zh;q=0.9,en;q=0.5")
    en = bearer(app, "admin", lang="en-US,en;q=0.9")
    status, body, _ = call(client, "GET", "/instances/424242", headers=zh)
    assert status == 404 and body["message"] == "事项不存在：424242"
    status, body, _ = call(client, "GET", "/instances/424242", headers=en)
    assert status == 404 and body["message"] == "No such case: 424242"
    status, body, _ = call(client, "GET", "/no/such/thing", headers=en)
    assert status == 404 and body["message"] == "No such resource"
    assert_error(body, "not_found")
    status, body, _ = call(client, "GET", "/no/such/thing")
    assert status == 404 and body["message"] == "没有这个资源"
    status, body, headers = call(client, "DELETE", "/processes", headers=en)
    assert status == 405 and "POST" in headers["Allow"]
    assert_error(body, "method_not_allowed")
    status, body, _ = call(client, "GET", "/audit/verify", headers=bearer(app, "officer_a", lang="en"))
    assert status == 403 and body["message"].startswith("Requires role")


def test_unexpected_errors_are_json_500_without_a_traceback(app, client, people, monkeypatch):
    def boom(*_: Any, **__: Any) -> None:
        raise RuntimeError("secret internals")
    monkeypatch.setattr(engine, "list_processes", boom)
    status, body, _ = call(client, "GET", "/processes", headers=bearer(app, "admin"))
    assert status == 500
    assert_error(body, "internal_error")
    assert "secret" not in json.dumps(body)


# --- hostile input ---------------------------------------------------------------------------

@pytest.mark.parametrize("source", ["inline", "corpus"])
def test_xxe_bpmn_is_refused_with_422(app, client, people, source):
    if source == "corpus" and not CORPUS_XXE.exists():
        pytest.skip(f"{CORPUS_XXE} not present")
    bpmn = XXE_BPMN if source == "inline" else CORPUS_XXE.read_bytes()
    status, body, _ = call(client, "POST", "/processes", data=bpmn, content_type="application/xml",
                           headers=bearer(app, "owner", lang="en"))
    assert status == 422
    assert_error(body, "invalid_definition")
    assert body["details"][0]["line"] == 2 and "DOCTYPE" in body["details"][0]["message_en"]
    assert "root:" not in json.dumps(body)
    assert engine.list_processes() == []


def test_invalid_diagram_lists_element_errors(app, client, people):
    bpmn = (DATA / "review.bpmn").read_bytes()  # its forms are not deployed: the refs are unknown
    status, body, _ = call(client, "POST", "/processes", data=bpmn, content_type="application/xml",
                           headers=bearer(app, "owner"))
    assert status == 422
    assert_error(body, "invalid_definition")
    assert body["details"] and all({"element_id", "line", "message_zh", "message_en"} <= set(p) for p in body["details"])
    status, body, _ = call(client, "POST", "/processes", data=b"<not-xml", content_type="application/xml",
                           headers=bearer(app, "owner"))
    assert status == 422


def test_a_50_mb_body_is_413(app, client, people):
    big = b"<" + b"x" * (50 * 1024 * 1024)
    status, body, _ = call(client, "POST", "/processes", data=big, content_type="application/xml",
                           headers=bearer(app, "owner"))
    assert status == 413
    assert_error(body, "too_large")
    status, body, _ = call(client, "POST", "/processes", data=b"<" + b"x" * (6 * 1024 * 1024),
                           content_type="application/xml", headers=bearer(app, "owner"))
    assert status == 413  # under the HTTP cap, over the engine's BPMN cap
    assert_error(body, "too_large")
    status, body, _ = call(client, "PUT", "/forms/big", data=b'{"a": "' + b"x" * (2 * 1024 * 1024) + b'"}',
                           content_type="application/json", headers=bearer(app, "owner"))
    assert status == 413


def test_malformed_json_wrong_types_unknown_fields_and_deep_nesting(app, client, review, people):
    officer = bearer(app, "officer_a", lang="en")
    path = "/processes/review/instances"
    status, body, _ = call(client, "POST", path, data=b'{"data": {', content_type="application/json", headers=officer)
    assert status == 400
    assert_error(body, "malformed_json")
    status, body, _ = call(client, "POST", path, data=b'{"data": NaN}', content_type="application/json", headers=officer)
    assert status == 400
    status, body, _ = call(client, "POST", path, data=b"\xff\xfe", content_type="application/json", headers=officer)
    assert status == 400
    status, body, _ = call(client, "POST", path, data=json.dumps({"data": START_DATA}), content_type="text/plain",
                           headers=officer)
    assert status == 415
    assert_error(body, "unsupported_media_type")
    status, body, _ = call(client, "POST", path, json={"data": START_DATA, "admin": True}, headers=officer)
    assert status == 400 and body["details"]["unknown"] == ["admin"]
    assert_error(body, "unknown_fields")
    status, body, _ = call(client, "POST", path, json=[1, 2], headers=officer)
    assert status == 400
    status, body, _ = call(client, "POST", path, json={"data": "not an object"}, headers=officer)
    assert status == 400
    deep: Any = "x"
    for _ in range(40):
        deep = {"a": deep}
    status, body, _ = call(client, "POST", path, json={"data": deep}, headers=officer)
    assert status == 400 and body["details"]["max_depth"] == 32
    very_deep = b'{"data": ' + b"[" * 100_000 + b"]" * 100_000 + b"}"
    status, body, _ = call(client, "POST", path, data=very_deep, content_type="application/json", headers=officer)
    assert status == 400
    status, body, _ = call(client, "POST", "/processes", data=b"<x/>", content_type="application/json",
                           headers=bearer(app, "owner"))
    assert status == 415
    status, body, _ = call(client, "POST", "/auth/token", data="username=admin&password=password-123",
                           content_type="application/x-www-form-urlencoded")
    assert status == 415
    for raw in (b'{"data": {"case_title": "a\\u0000b"}}', b'{"data": {"case_title": "\\ud800"}}',
                b'{"data": {"\\u0000": "x"}}'):
        status, body, _ = call(client, "POST", path, data=raw, content_type="application/json", headers=officer)
        assert status == 422 and body["error"] == "invalid_text", raw
    for raw in (b'{"data": {"case_title": "x", "n": 1e400}}', b'{"data": {"n": -1e400}}',
                b'{"data": {"n": ' + b"9" * 5000 + b'}}'):
        status, body, _ = call(client, "POST", path, data=raw, content_type="application/json", headers=officer)
        assert status == 422 and body["error"] == "out_of_range", raw[:40]
    status, body, _ = call(client, "POST", "/auth/token", json={"username": "ad\x00min", "password": "password-123"})
    assert status == 422
    assert call(client, "GET", "/processes/a%00b/bpmn", headers=officer)[0] == 404
    status, body, _ = call(client, "GET", "/instances?text=a%00b", headers=officer)
    assert status == 422 and body["error"] == "invalid_text"
    assert engine.list_instances(people["admin"]).total == 0


def test_openapi_document_describes_every_route(app, client):
    status, body, _ = call(client, "GET", "/openapi.json")
    assert status == 200 and body["openapi"].startswith("3.1")
    rules = {r.rule for r in app.url_map.iter_rules() if r.endpoint.startswith("api_v1.")}
    assert len(body["paths"]) == len(rules)
    assert "/api/v1/instances/{instance_id}" in body["paths"]
    assert body["paths"]["/api/v1/auth/token"]["post"]["security"] == []
    complete = body["paths"]["/api/v1/tasks/{task_id}/complete"]["post"]
    assert {"200", "401", "403", "409", "422"} <= set(complete["responses"])
    assert {p["name"] for p in body["paths"]["/api/v1/instances"]["get"]["parameters"]} >= {"limit", "offset", "status"}


def test_api_docs_page_is_html_for_people(client):
    with client.get("/api/docs") as response:
        assert response.status_code == 200 and response.mimetype == "text/html"
        page = response.get_data(as_text=True)
    assert "/api/v1/tasks/{task_id}/complete" in page and "<script" not in page


def test_audit_trail_is_listed_for_auditors_only(app, client, people, review):
    start_case(client, bearer(app, "officer_a"))
    status, body, _ = call(client, "GET", "/audit?action=case.&limit=5", headers=bearer(app, "auditor"))
    assert status == 200 and body["total"] >= 1 and body["items"][0]["action"].startswith("case.")
    assert call(client, "GET", "/audit", headers=bearer(app, "officer_a"))[0] == 403
    assert call(client, "GET", "/audit?bogus=1", headers=bearer(app, "admin"))[0] == 400


def test_starting_a_process_the_diagram_does_not_allow_is_403(app, client, review, people):
    xml = (DATA / "review.bpmn").read_text(encoding="utf-8").replace('id="review"', 'id="bureau_only"').replace(
        'isExecutable="true">', 'isExecutable="true" xmlns:camunda="http://camunda.org/schema/1.0/bpmn" '
        'camunda:candidateStarterGroups="bureau_inspector">', 1)
    engine.deploy(xml.encode("utf-8"), actor="owner")
    path = "/processes/bureau_only/instances"
    status, body, _ = call(client, "POST", path, headers=bearer(app, "officer_a"), json={"data": START_DATA})
    assert status == 403 and body["error"] == "forbidden", body
    status, body, _ = call(client, "POST", path, headers=bearer(app, "inspector_catering"),
                           json={"data": {**START_DATA, "enterprise_code": ENT_A}})
    assert status == 201, body
    status, body, _ = call(client, "GET", "/processes", headers=bearer(app, "officer_a"))
    assert [p["start_roles"] for p in body["items"] if p["key"] == "bureau_only"] == [["bureau_inspector"]]


@pytest.mark.parametrize("text", ["' OR '1'='1", "%' OR 1=1 --", "x'; DROP TABLE task; --", "_%\\"])
def test_sql_meta_characters_in_filters_are_plain_text(app, client, review, people, text):
    officer = bearer(app, "officer_a")
    start_case(client, officer)
    for path in ("/instances", "/tasks"):
        query = {"text": text, **({"scope": "all"} if path == "/tasks" else {})}
        status, body, _ = call(client, "GET", path, query_string=query, headers=bearer(app, "admin"))
        assert status == 200 and body["total"] == 0, (path, body)
    status, body, _ = call(client, "GET", "/tasks?scope=candidate", headers=officer)
    assert status == 200 and body["total"] == 1  # the table is still there
