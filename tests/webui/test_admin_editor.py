"""The process editor page and its validate / deploy JSON endpoints."""
from __future__ import annotations

import json
import re

import engine
from tests.webui.admin_support import app, client, renamed_review, unknown_lane_review  # noqa: F401
from tests.webui.pages_support import CSRF, get, log_in_as


def _post_xml(client, path, xml: bytes, csrf: str | None = CSRF):
    headers = {"Content-Type": "application/xml"} | ({"X-CSRFToken": csrf} if csrf else {})
    with client.post(path, data=xml, headers=headers) as response:
        return response


def test_editor_page_hands_roles_forms_and_urls_to_the_script(client, people, review):
    log_in_as(client, "owner")
    html = get(client, "/processes/review/edit").get_data(as_text=True)
    config = json.loads(re.search(r'<script type="application/json" id="editor-config">(.*?)</script>', html, re.S).group(1))
    assert config["key"] == "review" and config["bpmnUrl"] == "/processes/review/v1.bpmn?inline=1"
    assert {"key": "bureau_inspector"}.items() <= next(r for r in config["roles"] if r["key"] == "bureau_inspector").items()
    assert "review_accept" in {f["key"] for f in config["forms"]}
    assert "js/editor/editor.js" in html and "modeler.bundle.js" in html
    assert not re.search(r"<script(?![^>]*(src=|type=\"application/json\"))", html), "no inline script code"


def test_editor_is_for_process_owners_and_admins_only(client, people, review):
    for user, status in (("owner", 200), ("admin", 200), ("auditor", 403), ("inspector_catering", 403)):
        log_in_as(client, user)
        assert get(client, "/processes/review/edit").status_code == status
        assert get(client, "/processes/new").status_code == status


def test_validate_returns_problems_with_element_ids_in_the_page_language(client, people, review):
    log_in_as(client, "owner")
    body = _post_xml(client, "/processes/validate", unknown_lane_review()).get_json()
    assert body["ok"] is False
    assert {p["element_id"] for p in body["problems"]} == {"accept"}
    assert "没有可识别的角色" in body["problems"][0]["message"]
    assert _post_xml(client, "/processes/validate", renamed_review()).get_json() == {"ok": True, "problems": []}


def test_validate_reports_broken_xml_as_a_problem(client, people, review):
    log_in_as(client, "owner")
    body = _post_xml(client, "/processes/validate", b"<bpmn:definitions").get_json()
    assert body["ok"] is False and body["problems"][0]["line"] == 1


def test_deploy_creates_a_version_and_flashes_it(client, people, review):
    log_in_as(client, "owner")
    response = _post_xml(client, "/processes/deploy", renamed_review())
    assert response.status_code == 201
    assert response.get_json() == {"ok": True, "key": "review", "version": 2, "created": True, "redirect": "/processes"}
    assert engine.get_process("review").deployed_by == "owner"
    assert "第 2 版" in get(client, "/processes").get_data(as_text=True)


def test_deploy_of_an_invalid_diagram_is_422_and_stores_nothing(client, people, review):
    log_in_as(client, "owner")
    response = _post_xml(client, "/processes/deploy", unknown_lane_review())
    assert response.status_code == 422 and response.get_json()["problems"][0]["element_id"] == "accept"
    assert engine.get_process("review").version == 1


def test_deploy_needs_the_csrf_header_and_a_modeler_role(client, people, review):
    log_in_as(client, "owner")
    assert _post_xml(client, "/processes/deploy", renamed_review(), csrf=None).status_code == 400
    log_in_as(client, "auditor")
    assert _post_xml(client, "/processes/deploy", renamed_review()).status_code == 403
    assert engine.get_process("review").version == 1


def test_a_diagram_over_the_body_limit_is_a_json_413_in_the_page_language(app, client, people, review):
    """The editor's fetch (Accept: application/json) gets {error, message, details}; editor.js shows `message`."""
    app.config["MAX_CONTENT_LENGTH"] = 64 * 1024  # the 25 MB default's code path, with less to send
    log_in_as(client, "owner")
    big = renamed_review() + b"<!--" + b"x" * 70_000 + b"-->"
    headers = {"Content-Type": "application/xml", "X-CSRFToken": CSRF, "Accept": "application/json"}
    for path in ("/processes/deploy", "/processes/validate"):
        with client.post(path, data=big, headers=headers) as response:
            assert response.status_code == 413 and response.get_json() == {
                "error": "too_large", "message": "上传的内容过大（整个请求上限 64 KB），未保存任何内容；请选择较小的文件后重试",
                "details": {"limit": 65536}}
    get(client, "/processes?lang=en")
    with client.post("/processes/deploy", data=big, headers=headers) as response:
        assert response.get_json()["message"].startswith("The upload is too large (at most 64 KB per request)")
    html = get(client, "/processes/review/edit").get_data(as_text=True)
    config = json.loads(re.search(r'<script type="application/json" id="editor-config">(.*?)</script>', html, re.S).group(1))
    assert config["tooLarge"].startswith("The upload is too large")  # for a 413 that is not our JSON (a proxy's)
    assert engine.get_process("review").version == 1
