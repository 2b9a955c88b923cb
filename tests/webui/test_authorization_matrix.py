"""The authorisation table of docs/security.md, cell by cell, over HTTP.

Each row is one action; each column one kind of user (the `people` fixture). The expected status of
every cell is written out below and checked against the live API.
"""
from __future__ import annotations

from typing import Any

import pytest
from test_api import ENT_A, START_DATA, app, bearer, call, client, read_forms  # noqa: F401 - fixtures

ACTORS = ("officer_a", "officer_b", "inspector_catering", "inspector_oil", "chief", "owner", "handler", "auditor", "admin")

# action -> expected HTTP status per actor, in ACTORS order
MATRIX: dict[str, tuple[int, ...]] = {
    "view_case":        (200, 404, 200, 404, 200, 404, 200, 200, 200),
    "complete_task":    (200, 404, 403, 404, 403, 404, 403, 403, 403),
    "start_case":       (201, 201, 201, 201, 201, 201, 201, 403, 201),
    "deploy_process":   (403, 403, 403, 403, 403, 201, 403, 403, 201),
    "save_form":        (403, 403, 403, 403, 403, 200, 403, 403, 200),
    "verify_audit":     (403, 403, 403, 403, 403, 403, 403, 200, 200),
    "suspend_case":     (403, 404, 403, 404, 403, 404, 403, 403, 200),  # a case you cannot see is 404
    "see_reporter":     (0,   0,   0,   0,   0,   0,   1,   0,   0),   # 1 = identity visible, 0 = masked
}


@pytest.fixture
def setting(app, client, people, review):  # noqa: ANN001, F811 - fixtures from test_api
    headers = bearer(app, "officer_a")
    status, case, _ = call(client, "POST", "/processes/review/instances", json={"data": dict(START_DATA)}, headers=headers)
    assert status == 201, case
    return case


def _status(app, client, actor: str, action: str, case: dict[str, Any]) -> int:  # noqa: ANN001
    h = bearer(app, actor)
    if action == "view_case":
        return call(client, "GET", f"/instances/{case['id']}", headers=h)[0]
    if action == "complete_task":  # a fresh case each time, so an earlier completion cannot answer 409
        fresh = call(client, "POST", "/processes/review/instances", json={"data": dict(START_DATA)},
                     headers=bearer(app, "officer_a"))[1]
        task = fresh["open_tasks"][0]["id"]
        return call(client, "POST", f"/tasks/{task}/complete", json={"data": {"measures": "更换报警器"}}, headers=h)[0]
    if action == "start_case":
        data = dict(START_DATA, enterprise_code=ENT_A)
        return call(client, "POST", "/processes/review/instances", json={"data": data}, headers=h)[0]
    if action == "deploy_process":
        bpmn = (read_forms and __import__("test_api").DATA / "review.bpmn").read_bytes()
        changed = bpmn.replace(b'name="\xe6\x95\xb4\xe6\x94\xb9\xe5\xa4\x8d\xe6\xa0\xb8', f'name="{actor}'.encode(), 1)
        return call(client, "POST", "/processes", data=changed, headers={**h, "Content-Type": "application/xml"})[0]
    if action == "save_form":
        schema = {"$schema": "https://json-schema.org/draft/2020-12/schema", "type": "object",
                  "properties": {"x": {"type": "string"}}}
        return call(client, "PUT", "/forms/matrix_form", json=schema, headers=h)[0]
    if action == "verify_audit":
        return call(client, "GET", "/audit/verify", headers=h)[0]
    if action == "suspend_case":
        status = call(client, "POST", f"/instances/{case['id']}/suspend", json={"reason": "核查"}, headers=h)[0]
        if status == 200:
            call(client, "POST", f"/instances/{case['id']}/resume", json={}, headers=h)
        return status
    raise AssertionError(action)


@pytest.mark.parametrize("action", [a for a in MATRIX if a != "see_reporter"])
def test_every_cell_of_the_authorisation_table(app, client, setting, database, action):  # noqa: ANN001, F811
    if database == "postgresql":
        pytest.skip("the matrix runs on SQLite; scoping itself is tested on both databases in tests/engine")
    got = tuple(_status(app, client, actor, action, setting) for actor in ACTORS)
    wrong = {a: (exp, g) for a, exp, g in zip(ACTORS, MATRIX[action], got) if exp != g}
    assert not wrong, f"{action}: actor -> (expected, got) {wrong}"


def test_only_the_designated_role_sees_a_reporters_identity(app, client, people, review, database):  # noqa: ANN001, F811
    if database == "postgresql":
        pytest.skip("the matrix runs on SQLite")
    data = dict(START_DATA, enterprise_code=ENT_A, reporter_name="张三")
    status, case, _ = call(client, "POST", "/processes/review/instances", json={"data": data},
                           headers=bearer(app, "inspector_catering"))
    assert status == 201
    got = []
    for actor in ACTORS:
        status, body, _ = call(client, "GET", f"/instances/{case['id']}", headers=bearer(app, actor))
        got.append(1 if status == 200 and body["data"].get("reporter_name") == "张三" else 0)
    assert tuple(got) == MATRIX["see_reporter"]
