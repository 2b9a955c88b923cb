"""`POST /api/v1/processes/{key}/what-if` over HTTP (both databases; the diagram and draft of
tests/engine/campaign/test_what_if.py): the side-by-side figures, who may run it, clear errors, nothing stored."""
from __future__ import annotations

from tests.engine.campaign.test_what_if import deployed, live_counts, shortened  # noqa: F401 - fixture
from tests.webui.test_api import app, assert_error, bearer, call, client  # noqa: F401 - fixtures


def test_a_draft_is_compared_with_the_deployed_version_over_http(app, client, deployed):
    before = live_counts()
    status, body, _ = call(client, "POST", "/processes/what_if/what-if", headers=bearer(app, "owner"),
                           json={"bpmn": shortened().decode("utf-8"), "months": 1, "seed": 7})
    assert status == 200, body
    assert live_counts() == before
    assert (body["key"], body["months"], body["seed"], body["partial"]) == ("what_if", 1, 7, False)
    assert body["limits"] == {"max_cases": 300, "seconds": 50.0}
    measures = {m["measure"]: m for m in body["measures"]}
    overdue = measures["overdue_tasks"]
    assert overdue["draft"] > overdue["deployed"] and overdue["change"] == "worse"
    assert overdue["label_zh"] == "逾期任务" and overdue["difference"] == overdue["draft"] - overdue["deployed"]
    assert measures["cases_started"]["deployed"] == measures["cases_started"]["draft"] == body["arrivals"]
    assert body["deployed"]["version"] == "v1" and body["basis"]["volume_source"] == "default"
    assert any("估算" in n for n in body["notes_zh"])
    steps = {s["element_id"]: s for s in body["steps"]}
    assert steps["rectify"]["draft_overdue"] > steps["rectify"]["deployed_overdue"]
    status, again, _ = call(client, "POST", "/processes/what_if/what-if", headers=bearer(app, "admin"),
                            json={"bpmn": shortened().decode("utf-8"), "months": 1, "seed": 7})
    assert status == 200 and again == body  # deterministic for a seed


def test_only_owners_and_admins_run_it_and_bad_input_is_clear(app, client, deployed):
    owner = bearer(app, "owner")
    draft = shortened().decode("utf-8")
    url = "/processes/what_if/what-if"
    for who in ("officer_a", "auditor", "chief"):
        status, body, _ = call(client, "POST", url, headers=bearer(app, who), json={"bpmn": draft})
        assert status == 403, who
    status, body, _ = call(client, "POST", url, headers=owner, json={"bpmn": draft, "months": 13})
    assert status == 400 and body["details"][0]["field"] == "months"
    status, body, _ = call(client, "POST", url, headers=owner, json={"bpmn": draft, "seed": "x"})
    assert status == 400 and body["details"][0]["field"] == "seed"
    status, body, _ = call(client, "POST", "/processes/what_if/what-if", headers=owner, json={})
    assert status == 400 and body["details"][0]["field"] == "bpmn"
    status, body, _ = call(client, "POST", "/processes/what_if/what-if", headers=owner, json={"bpmn": "<nope"})
    assert status == 422 and body["error"] == "invalid_definition"
    status, body, _ = call(client, "POST", "/processes/what_if/what-if", headers=owner, json={"other": 1})
    assert_error(body, "unknown_fields")
    assert call(client, "POST", "/processes/what_if/what-if", headers=owner, json={"version": 4})[0] == 404
    assert call(client, "POST", "/processes/nothing/what-if", headers=owner, json={"version": 1})[0] == 404


def test_the_openapi_document_describes_the_what_if_endpoint(app, client):
    status, body, _ = call(client, "GET", "/openapi.json")
    assert status == 200
    run = body["paths"]["/api/v1/processes/{key}/what-if"]["post"]
    properties = run["requestBody"]["content"]["application/json"]["schema"]["properties"]
    assert set(properties) == {"bpmn", "version", "months", "seed"}
    assert "403" in run["responses"]
