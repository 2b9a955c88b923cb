"""`/api/v1` for path tests: a process's stored scenarios, and running them against a draft without deploying it.

`GET/PUT /processes/{key}/path-tests` read and replace the scenarios (engine.runtime.path_tests, shape documented there);
`POST /processes/{key}/path-tests/run` plays them (or the scenarios sent) against the BPMN sent (or the newest
version) on a scratch database and answers each scenario's result: passed, or the step where it diverged.
The routes are attached to `webui.api.v1_base.bp`; `webui.api.v1` imports this module before it is registered.
"""
from __future__ import annotations

from typing import Any

from flask import Response

import engine
from webui.api import v1_base as _v1
from webui.api.common import check_query, doc, json_body, json_response, require_role, string_field

bp_routes = _v1.blueprint
READERS = (*_v1.DEPLOYERS, "auditor")
SCENARIO = {"type": "object", "required": ["name", "expect"], "properties": {
    "name": {"type": "string", "maxLength": 200},
    "start": {"type": "object", "description": "start data, checked against the start form"},
    "steps": {"type": "array", "maxItems": 100, "items": {"oneOf": [
        {"type": "object", "required": ["task"], "properties": {"task": {"type": "string"}, "data": {"type": "object"}}},
        {"type": "object", "required": ["wait"], "properties": {"wait": {"type": "string", "description": "ISO 8601, e.g. P3D"}}}]}},
    "expect": {"oneOf": [{"type": "object", "required": ["end"], "properties": {"end": {"type": "string"}}},
                         {"type": "object", "required": ["task"], "properties": {"task": {"type": "string"}}}]}}}
SAVE_BODY = {"type": "object", "additionalProperties": False, "required": ["scenarios"],
             "properties": {"scenarios": {"type": "array", "maxItems": 50, "items": SCENARIO}}}
RUN_BODY = {"type": "object", "additionalProperties": False, "properties": {
    "bpmn": {"type": "string", "description": "the draft's BPMN XML (default: the newest deployed version)"},
    "scenarios": {"type": "array", "maxItems": 50, "items": SCENARIO,
                  "description": "scenarios to run (default: the stored ones)"}}}


def _stored(key: str) -> dict[str, Any]:
    return {"key": key, "items": [s.as_json() for s in engine.list_path_tests(key)]}


@bp_routes.get("/processes/<key>/path-tests")
@doc(summary="A process's path tests (at most 50)", tag="path tests", responses={403: "not a process owner, admin or auditor"})
def path_tests(key: str) -> Response:
    """`{"key", "items": [{name, start, steps, expect}]}` in their order."""
    check_query(())
    require_role(*READERS)
    return json_response(_stored(key))


@bp_routes.put("/processes/<key>/path-tests")
@doc(summary="Replace a process's path tests (audited)", body=SAVE_BODY, tag="path tests",
     responses={200: "saved", 403: "not a process owner or admin", 400: "a scenario is malformed (details name it)"})
def save_path_tests(key: str) -> Response:
    """Store the scenarios run at every deploy of the process; bad input changes nothing."""
    check_query(())
    who = require_role(*_v1.DEPLOYERS)
    engine.save_path_tests(who, key, json_body(("scenarios",)).get("scenarios"))
    return json_response(_stored(key))


def _result(r: engine.ScenarioResult) -> dict[str, Any]:
    return {"name": r.name, "passed": r.passed, "step": r.step, "element_id": r.element_id,
            "message_zh": r.message_zh, "message_en": r.message_en, "path": list(r.path),
            "open_tasks": list(r.open_tasks), "ended_at": list(r.ended_at)}


@bp_routes.post("/processes/<key>/path-tests/run")
@doc(summary="Run path tests against a draft on a scratch database (nothing is deployed or stored)", body=RUN_BODY,
     tag="path tests", responses={200: "every scenario's result: passed, or the step where it diverged",
                                  403: "not a process owner or admin", 404: "no BPMN sent and the process was never deployed",
                                  400: "a scenario is malformed, or the BPMN is another process's",
                                  422: "the draft would not deploy (details list its problems)"})
def run_path_tests(key: str) -> Response:
    """`{"key", "passed", "results": [{name, passed, step, element_id, message_zh, message_en, path, open_tasks,
    ended_at}]}`: step 0 is the start, 1..n the steps, n + 1 the expected end or task."""
    check_query(())
    require_role(*_v1.DEPLOYERS)
    body = json_body(("bpmn", "scenarios"), optional=True)
    bpmn = string_field(body, "bpmn", max_length=5 * 1024 * 1024)
    report = engine.run_path_tests(key, bpmn=bpmn.encode("utf-8") if bpmn is not None else None,
                                   scenarios=body.get("scenarios"))
    return json_response({"key": report.process_key, "passed": report.passed,
                          "results": [_result(r) for r in report.results]})
