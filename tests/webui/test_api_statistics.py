"""`GET /api/v1/processes/{key}/statistics`: steps and flows keyed by id, filters, errors and who may read them
(both databases; the figures are those of tests/engine/runtime/test_step_statistics.py's history)."""
from __future__ import annotations

import pytest

from tests.conftest import ENT_A, ENT_B
from tests.engine.runtime.test_step_statistics import HOUR, history  # noqa: F401 - fixture
from tests.webui.test_api import app, bearer, call, client  # noqa: F401 - fixtures


def test_steps_and_flows_are_keyed_by_element_id(app, client, history):
    status, body, _ = call(client, "GET", "/processes/review/statistics", headers=bearer(app, "chief"))
    assert status == 200, body
    assert list(body["steps"]) == ["rectify", "accept"] and body["key"] == "review" and body["version"] is None
    rectify = body["steps"]["rectify"]
    assert (rectify["name"], rectify["tasks"], rectify["completed"], rectify["open"]) == ("整改", 4, 2, 2)
    assert rectify["claim_wait"]["count"] == 3 and rectify["claim_wait"]["median_seconds"] == HOUR
    assert rectify["completion_wait"]["median_seconds"] == 3 * HOUR and rectify["overdue_share"] == 0.5
    assert body["steps"]["accept"]["send_backs"] == 1
    slowest = rectify["slowest"][0]
    assert slowest["instance_id"] == history["two"] and slowest["url"] == f"/api/v1/instances/{history['two']}"
    assert {k: v["count"] for k, v in body["flows"].items()}["f_fail"] == 1
    assert body["flows"]["f_pass"] == {"id": "f_pass", "source": "gw", "target": "close", "name": "", "count": 1}
    assert body["unmatched"] == 1


def test_filters_narrow_the_tasks_counted(app, client, history):
    headers = bearer(app, "auditor")
    for query, tasks in (("industry=refined_oil", 1), (f"enterprise={ENT_A}", 3), ("version=1&slowest=1", 4),
                         ("from=2025-03-09&to=2025-03-09", 0), ("township=nowhere", 0)):
        status, body, _ = call(client, "GET", f"/processes/review/statistics?{query}", headers=headers)
        assert status == 200 and body["steps"]["rectify"]["tasks"] == tasks, query
    status, body, _ = call(client, "GET", "/processes/review/statistics?from=2025-01-01&to=2025-03-31", headers=headers)
    assert (body["from"], body["to"]) == ("2025-01-01", "2025-03-31")


def test_an_enterprise_token_counts_its_own_cases_only(app, client, history):
    headers = bearer(app, "officer_b")
    status, body, _ = call(client, "GET", "/processes/review/statistics", headers=headers)
    assert status == 200 and body["enterprise_scope"] == ENT_B and body["steps"]["rectify"]["tasks"] == 1
    status, body, _ = call(client, "GET", f"/processes/review/statistics?enterprise={ENT_A}", headers=headers)
    assert status == 404 and body["error"] == "not_found"


@pytest.mark.parametrize("query, status_code", [
    ("from=2025-13-01", 400), ("from=2025-03-02&to=2025-03-01", 400), ("from=2010-01-01&to=2025-03-01", 400),
    ("industry=nope", 400), ("slowest=0", 400), ("slowest=51", 400), ("colour=red", 400), ("version=0", 400),
    ("version=7", 404), ("enterprise=91000000000000000X", 404),
])
def test_bad_parameters_are_json_errors(app, client, history, query, status_code):
    status, body, _ = call(client, "GET", f"/processes/review/statistics?{query}", headers=bearer(app, "owner"))
    assert status == status_code and set(body) == {"error", "message", "details"}, (query, body)


def test_roles_without_statistics_are_refused_and_unknown_processes_not_found(app, client, history):
    assert call(client, "GET", "/processes/review/statistics")[0] == 401
    status, body, _ = call(client, "GET", "/processes/review/statistics", headers=bearer(app, "inspector_catering"))
    assert status == 403 and body["error"] == "forbidden"
    assert call(client, "GET", "/processes/nope/statistics", headers=bearer(app, "owner"))[0] == 404


def test_the_openapi_document_lists_the_statistics(app, client):
    status, body, _ = call(client, "GET", "/openapi.json")
    op = body["paths"]["/api/v1/processes/{key}/statistics"]["get"]
    params = {p["name"]: p for p in op["parameters"]}
    assert {"key", "version", "from", "to", "industry", "township", "enterprise", "slowest"} <= set(params)
    assert params["from"]["schema"] == {"type": "string", "format": "date"}
    assert {"200", "400", "403", "404"} <= set(op["responses"])
