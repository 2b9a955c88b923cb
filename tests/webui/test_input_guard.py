"""Bad input, pages and API alike, on SQLite and PostgreSQL: NUL characters in forms and query strings (422 before
any view runs), BPMN in other encodings (decoded, or 422), and the server answering while a hostile script runs."""
from __future__ import annotations

import pytest

import engine
from tests.webui.pages_support import get, log_in_as, post, start_review


@pytest.fixture
def accept_task(people, review) -> engine.TaskView:
    case = start_review(people["officer_a"])
    engine.complete_task(people["officer_a"], case.open_tasks[0].id, {"measures": "更换报警器"})
    task = engine.get_instance(people["chief"], case.id).open_tasks[0]
    return engine.claim(people["inspector_catering"], task.id)


@pytest.mark.parametrize("action", ["save", "complete"])
def test_a_nul_in_a_page_form_field_is_refused_and_nothing_is_stored(client, people, accept_task, action):
    log_in_as(client, "inspector_catering")
    response = post(client, f"/tasks/{accept_task.id}", {"action": action, "result": "pass", "opinion": "a\x00b",
                                                         "version": str(accept_task.version)})
    assert response.status_code == 422 and "NUL" in response.get_data(as_text=True)
    task = engine.get_task(people["inspector_catering"], accept_task.id)
    assert task.status == "open" and not (task.draft or {}).get("opinion")


def test_a_nul_in_a_page_query_string_is_refused(client, people, accept_task):
    log_in_as(client, "inspector_catering")
    assert get(client, "/inbox?q=a%00b").status_code == 422


def test_a_nul_in_an_api_query_string_answers_json(client, people):
    response = client.get("/api/v1/instances?text=a%00b")
    assert response.status_code == 422 and response.get_json()["error"] == "invalid_text"


def test_a_multipart_part_without_a_name_is_no_server_error(app, client, people):
    from webui import auth_tokens
    body = (b"--b\r\nContent-Disposition: form-data\r\n\r\nvalue\r\n"
            b"--b\r\nContent-Disposition: form-data; name=\"data\"\r\n\r\n{}\r\n--b--\r\n")
    token = auth_tokens.init_app(app).issue("officer_a").token
    response = client.put("/api/v1/tasks/0/draft", data=body, content_type="multipart/form-data; boundary=b",
                          headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 400 and response.get_json()["error"] == "unknown_fields"


def _review_text() -> str:
    from tests.conftest import DATA
    return (DATA / "review.bpmn").read_text(encoding="utf-8")


def test_bpmn_in_utf16_deploys_through_the_api_and_a_utf16_dtd_is_refused(app, client, people, review):
    from tests.webui.test_api import bearer, call
    owner = {**bearer(app, "owner", lang="en"), "Content-Type": "application/xml"}
    text = _review_text().replace('encoding="UTF-8"', 'encoding="UTF-16"').replace("整改复核（测试）", "整改复核 UTF-16")
    status, body, _ = call(client, "POST", "/processes", data=text.encode("utf-16"), headers=owner)
    assert status == 201 and body["version"] == 2, body
    hostile = '<?xml version="1.0" encoding="UTF-16"?><!DOCTYPE d [<!ENTITY x SYSTEM "file:///etc/passwd">]><d>&x;</d>'
    status, body, _ = call(client, "POST", "/processes", data=hostile.encode("utf-16"), headers=owner)
    assert status == 422 and body["error"] == "invalid_definition"
    status, body, _ = call(client, "POST", "/processes", data=b'<?xml version="1.0" encoding="x-nope"?><d/>',
                           headers=owner)
    assert status == 422


def test_bpmn_in_latin1_is_validated_and_deployed_from_the_editor_page(client, people, review):
    from tests.webui.pages_support import CSRF
    log_in_as(client, "owner")
    text = _review_text().replace('encoding="UTF-8"', 'encoding="ISO-8859-1"').replace("（测试）", "（café）")
    latin1 = text.encode("latin-1", errors="xmlcharrefreplace")  # Chinese as &#NNNNN; references
    headers = {"Content-Type": "application/xml", "X-CSRFToken": CSRF}
    validated = client.post("/processes/validate", data=latin1, headers=headers)
    assert validated.status_code == 200 and validated.get_json()["ok"] is True, validated.get_json()
    deployed = client.post("/processes/deploy", data=latin1, headers=headers)
    assert deployed.status_code == 201, deployed.get_json()
    assert "café" in engine.get_bpmn("review", 2)
    utf16_dtd = '<?xml version="1.0"?><!DOCTYPE d><d/>'.encode("utf-16")
    refused = client.post("/processes/deploy", data=utf16_dtd, headers=headers)
    assert refused.status_code == 422


def test_the_server_keeps_answering_while_a_hostile_script_runs(app, client, people, review):
    import threading
    import time

    from tests.engine.runtime.test_sandbox_pool import _bpmn
    from tests.webui.test_api import bearer
    engine.deploy(_bpmn("script", "x = ((10**1000)**1000)**10", 950), actor="owner")
    headers = bearer(app, "officer_a")
    client.get("/api/v1/me", headers=headers)
    outcome: list[str] = []
    worker = threading.Thread(target=lambda: outcome.append(
        engine.start_instance(people["officer_a"], "hostile_950", {}).status))
    worker.start()
    latencies = []
    while worker.is_alive():
        started = time.perf_counter()
        assert client.get("/api/v1/me", headers=headers).status_code == 200
        latencies.append(time.perf_counter() - started)
    worker.join()
    latencies.sort()
    assert outcome == ["error"] and len(latencies) >= 10
    assert latencies[int(len(latencies) * 0.95)] < 0.1, latencies[-5:]
