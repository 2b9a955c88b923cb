"""The editor's what-if route (`POST /processes/<key>/what-if.json`, the 对比试算 panel): the draft in the modeler
against the deployed version, labels and notes in the page's language; owners and admins only; clear errors."""
from __future__ import annotations

from tests.engine.campaign.test_what_if import BPMN, deployed, live_counts, shortened  # noqa: F401 - fixture
from tests.webui.admin_support import app, client  # noqa: F401 - fixtures
from tests.webui.pages_support import CSRF, log_in_as

URL = "/processes/what_if/what-if.json"


def _post(client, body, csrf: str | None = CSRF):
    headers = {"X-CSRFToken": csrf} if csrf else {}
    with client.post(URL, json=body, headers=headers) as response:
        return response.status_code, response.get_json(silent=True)


def test_the_panel_gets_the_comparison_with_chinese_labels(client, deployed):
    log_in_as(client, "owner")
    before = live_counts()
    status, body = _post(client, {"bpmn": shortened().decode("utf-8"), "months": 1})
    assert status == 200 and body["ok"] is True
    assert live_counts() == before
    rows = {r["measure"]: r for r in body["measures"]}
    assert rows["escalations_per_working_day"]["label"] == "每工作日督办"
    assert rows["overdue_tasks"]["change"] == "worse"
    assert body["notes"][0].startswith("所选期间没有真实事项")  # no history in this database: said so
    assert body["seed"] == 1 and body["basis"]["version"] == 1


def test_errors_are_clear_and_only_modelers_may_run_it(client, deployed):
    log_in_as(client, "auditor")
    assert _post(client, {"bpmn": BPMN})[0] == 403
    log_in_as(client, "owner")
    assert _post(client, {"bpmn": BPMN}, csrf=None)[0] == 400
    status, body = _post(client, {"months": 1})
    assert status == 400 and body["details"][0]["field"] == "bpmn"
    status, body = _post(client, {"bpmn": BPMN, "months": 24})
    assert status == 400 and body["details"][0]["field"] == "months" and "1–12" in body["message"]
    status, body = _post(client, {"bpmn": BPMN.replace('targetRef="end"', 'targetRef="nowhere"')})
    assert status == 422 and body["ok"] is False and body["problems"]
