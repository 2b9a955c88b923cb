"""`/api/v1` staff register, training coverage in people and accidents per level: shapes, scoping and errors
(both databases; the hand-counted stand of tests/engine/campaign/test_training_coverage.py)."""
from __future__ import annotations

from tests.engine.campaign.test_training_coverage import stand  # noqa: F401 - fixture
from tests.processes.campaign_support import CATERING, OIL
from tests.webui.test_api import app, bearer, call, client  # noqa: F401 - fixtures


def test_the_registers_list_the_accidents_kind_and_coverage_counts_people(app, client, stand):
    status, body, _ = call(client, "GET", "/registers", headers=bearer(app, "chief"))
    assert status == 200 and "accidents" in {k["key"] for k in body["items"]}
    status, body, _ = call(client, "GET", "/registers/training/coverage?year=2025", headers=bearer(app, "chief"))
    assert status == 200
    oil = next(line for line in body["industries"] if line["key"] == "refined_oil")
    assert (oil["required"], oil["enrolled"], oil["trained"], oil["passed"]) == (3, 2, 2, 1)
    assert body["small_venues"]["passed"] == 1 and body["total_people"] == 5  # oil 3, recycling 1, small venue 1
    status, body, _ = call(client, "GET", "/registers/accidents/levels?year=2025", headers=bearer(app, "chief"))
    assert status == 200 and body["items"][0]["serious"] == 0


def test_an_enterprise_reads_and_changes_only_its_own_people(app, client, stand):
    own = bearer(app, "principal_oil")
    status, body, _ = call(client, "GET", f"/enterprises/{OIL}/people", headers=own)
    assert status == 200 and [p["post"] for p in body["items"]][:1] == ["principal"]
    status, person, _ = call(client, "POST", f"/enterprises/{OIL}/people", headers=own,
                             json={"name": "新安全员", "post": "safety_manager", "phone": "13904361009"})
    assert status == 201 and person["enterprise_code"] == OIL
    status, body, _ = call(client, "PUT", f"/people/{person['id']}", headers=own,
                           json={"name": "新安全员", "post": "safety_manager", "active": False})
    assert status == 200 and body["active"] is False
    assert call(client, "GET", f"/enterprises/{CATERING}/people", headers=own)[0] == 404
    assert call(client, "POST", f"/enterprises/{CATERING}/people", headers=own, json={"name": "冒名", "post": "principal"})[0] == 404
    status, body, _ = call(client, "POST", f"/enterprises/{OIL}/people", headers=own, json={"name": "", "post": "boss"})
    assert status == 422 and {d["field"] for d in body["details"]} == {"name", "post"}
    assert call(client, "POST", f"/enterprises/{OIL}/people", headers=bearer(app, "inspector"),
                json={"name": "张三", "post": "principal"})[0] == 403
