"""`/api/v1/processes/{key}/path-tests`: store scenarios, run them against a draft over HTTP, deploy gated by them
(both databases; the scenarios of tests/engine/runtime/test_path_tests.py)."""
from __future__ import annotations

from tests.engine.runtime.test_path_tests import PASSING, draft_without_failing_back, scenario
from tests.webui.test_api import app, assert_error, bearer, call, client  # noqa: F401 - fixtures


def test_scenarios_are_stored_read_and_run_against_a_draft_over_http(app, client, review):
    owner = bearer(app, "owner")
    status, body, _ = call(client, "PUT", "/processes/review/path-tests", json={"scenarios": PASSING}, headers=owner)
    assert status == 200 and [s["name"] for s in body["items"]] == [s["name"] for s in PASSING]
    status, body, _ = call(client, "GET", "/processes/review/path-tests", headers=bearer(app, "auditor"))
    assert status == 200 and body["items"] == PASSING
    status, body, _ = call(client, "POST", "/processes/review/path-tests/run", headers=owner)
    assert status == 200 and body["passed"] is True and len(body["results"]) == 3
    status, body, _ = call(client, "POST", "/processes/review/path-tests/run", headers=owner,
                           json={"bpmn": draft_without_failing_back().decode("utf-8")})
    assert status == 200 and body["passed"] is False
    [failed] = [r for r in body["results"] if not r["passed"]]
    assert (failed["name"], failed["step"], failed["element_id"], failed["ended_at"]) == ("验收不通过退回整改", 3, "rectify", ["end"])


def test_a_failing_path_test_blocks_the_api_deploy_until_overridden_with_a_reason(app, client, review):
    owner = {**bearer(app, "owner"), "Content-Type": "application/xml"}
    call(client, "PUT", "/processes/review/path-tests", json={"scenarios": PASSING}, headers=bearer(app, "owner"))
    status, body, _ = call(client, "POST", "/processes", data=draft_without_failing_back(), headers=owner)
    assert status == 422
    assert_error(body, "path_tests_failed")
    assert [(d["scenario"], d["step"]) for d in body["details"]] == [("验收不通过退回整改", 3)]
    status, body, _ = call(client, "POST", "/processes?override_path_tests=已确认", data=draft_without_failing_back(),
                           headers=owner)
    assert status == 201 and body["version"] == 2
    status, body, _ = call(client, "GET", "/audit?action=process.path_tests.override", headers=bearer(app, "admin"))
    assert status == 200 and [e["after"]["reason"] for e in body["items"]] == ["已确认"]


def test_scenarios_run_with_the_request_and_errors_are_clear(app, client, review):
    owner = bearer(app, "owner")
    status, body, _ = call(client, "POST", "/processes/review/path-tests/run", headers=owner,
                           json={"scenarios": [scenario("错的任务", {"task": "accept", "data": {"result": "pass"}}, end="end")]})
    assert status == 200 and body["results"][0]["step"] == 1
    assert "accept" in body["results"][0]["message_en"]
    status, body, _ = call(client, "POST", "/processes/review/path-tests/run", headers=owner, json={"scenarios": "x"})
    assert status == 400 and body["details"][0]["field"] == "scenarios"
    status, body, _ = call(client, "POST", "/processes/review/path-tests/run", headers=owner, json={"bpmn": "<nope"})
    assert status == 422 and body["error"] == "invalid_definition"
    status, body, _ = call(client, "POST", "/processes/review/path-tests/run", headers=owner, json={"other": 1})
    assert status == 400 and body["error"] == "unknown_fields"
    assert call(client, "POST", "/processes/nothing/path-tests/run", headers=owner)[0] == 404
    assert call(client, "PUT", "/processes/review/path-tests", json={"scenarios": []}, headers=bearer(app, "officer_a"))[0] == 403
    assert call(client, "POST", "/processes/review/path-tests/run", headers=bearer(app, "auditor"))[0] == 403
    assert call(client, "GET", "/processes/review/path-tests", headers=bearer(app, "officer_a"))[0] == 403


def test_the_openapi_document_describes_the_path_test_endpoints(app, client):
    status, body, _ = call(client, "GET", "/openapi.json")
    assert status == 200
    run = body["paths"]["/api/v1/processes/{key}/path-tests/run"]["post"]
    assert "scenarios" in run["requestBody"]["content"]["application/json"]["schema"]["properties"]
    assert {"get", "put"} <= set(body["paths"]["/api/v1/processes/{key}/path-tests"])
    assert any(p["name"] == "override_path_tests" for p in body["paths"]["/api/v1/processes"]["post"]["parameters"])
