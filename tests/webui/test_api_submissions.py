"""Files over the API: multipart completions and drafts, nothing kept when they fail, and file fields that take
only this case's attachments. On SQLite and PostgreSQL."""
from __future__ import annotations

import io
import json
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

import engine
from engine.runtime import attachments
from tests.conftest import stored_files
from webui import auth_tokens

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
PHOTOS = {"title": "照片", "type": "array", "maxItems": 5, "items": {"type": "string"}, "x-ui": {"widget": "file"}}


@pytest.fixture
def rectify(people, review) -> engine.TaskView:
    """The rectify step, its form given a photo field, claimed by officer_a."""
    schema = engine.get_form("review_rectify").schema
    engine.save_form("review_rectify", {**schema, "properties": {**schema["properties"], "photos": PHOTOS}},
                     actor="owner")
    case = engine.start_instance(people["officer_a"], "review", {"case_title": "附件", "spawn": False})
    return engine.claim(people["officer_a"], case.open_tasks[0].id)


def call(app: Flask, client: FlaskClient, method: str, path: str, **kwargs: Any) -> tuple[int, Any]:
    headers = {"Authorization": f"Bearer {auth_tokens.init_app(app).issue('officer_a').token}",
               "Accept-Language": "en"}
    with client.open("/api/v1" + path, method=method, headers=headers, **kwargs) as response:
        assert response.is_json, response.get_data()[:200]
        return response.status_code, response.get_json()


def parts(data: dict[str, Any] | None = None, *files: tuple[str, bytes], **text: str) -> dict[str, Any]:
    """A multipart body: the form data as JSON text, files for `photos`, other text parts."""
    body: dict[str, Any] = {**text, "photos": [(io.BytesIO(content), name) for name, content in files]}
    if data is not None:
        body["data"] = json.dumps(data, ensure_ascii=False)
    return {"data": body, "content_type": "multipart/form-data"}


def test_a_multipart_completion_stores_its_files_with_the_step(app, client, people, rectify):
    status, body = call(app, client, "POST", f"/tasks/{rectify.id}/complete",
                        **parts({"measures": "已更换"}, ("现场.png", PNG), expected_version=str(rectify.version)))
    assert status == 200, body
    [photo_id] = engine.get_instance(people["chief"], rectify.instance_id).data["photos"]
    view, data = attachments.get(people["chief"], photo_id)
    assert (view.filename, view.task_id, data) == ("现场.png", rectify.id, PNG)


@pytest.mark.parametrize("data,extra,status", [
    ({"measures": "x"}, {}, 422),  # the form refuses the data
    ({"measures": "已更换"}, {"expected_version": "0"}, 409),  # stale
    ({"measures": "已更换"}, {"comment": "x" * 3000}, 400),  # the body itself is wrong
])
def test_a_failed_multipart_completion_keeps_no_row_file_or_audit_row(app, client, people, rectify, data, extra, status):
    before = stored_files()
    code, body = call(app, client, "POST", f"/tasks/{rectify.id}/complete", **parts(data, ("现场.png", PNG), **extra))
    assert code == status, body
    assert stored_files() == before
    assert engine.get_task(people["officer_a"], rectify.id).status == "open"


def test_a_refused_file_is_a_422_naming_it_and_the_good_one_is_not_kept(app, client, people, rectify):
    before = stored_files()
    status, body = call(app, client, "POST", f"/tasks/{rectify.id}/complete",
                        **parts({"measures": "已更换"}, ("现场.png", PNG), ("virus.png", b"MZ not an image")))
    assert status == 422 and body["error"] == "invalid_form_data"
    assert [(d["field"], d["file"], d["reason"]) for d in body["details"]] == [("photos", "virus.png", "bad_request")]
    assert stored_files() == before


def test_a_draft_with_a_refused_file_is_a_422_listing_it_and_saves_nothing(app, client, people, rectify):
    before = stored_files()
    status, body = call(app, client, "PUT", f"/tasks/{rectify.id}/draft",
                        **parts({"measures": "还差照片"}, ("现场.png", PNG), ("plan.exe", b"MZ\x90\x00")))
    assert status == 422 and body["message"].startswith("The draft was not saved")
    assert [(d["field"], d["file"]) for d in body["details"]] == [("photos", "plan.exe")]
    assert engine.get_task(people["officer_a"], rectify.id).draft is None and stored_files() == before


@pytest.mark.parametrize("forged", ["not-an-attachment", "3f2b6c1e-1111-4222-8333-944455556666", "another case's"])
def test_file_fields_take_only_this_cases_attachments(app, client, people, rectify, forged):
    if forged == "another case's":
        other = engine.start_instance(people["officer_a"], "review", {"case_title": "另一事项", "spawn": False})
        forged = attachments.store(people["officer_a"], "别的.png", "image/png", PNG, instance_id=other.id).id
    status, body = call(app, client, "PUT", f"/tasks/{rectify.id}/draft", **parts({"measures": "先存"}, ("现场.png", PNG)))
    assert status == 200, body
    [ours] = body["draft"]["photos"]
    for path, method in ((f"/tasks/{rectify.id}/draft", "PUT"), (f"/tasks/{rectify.id}/complete", "POST")):
        status, body = call(app, client, method, path, json={"data": {"measures": "已更换", "photos": [ours, forged]}})
        assert status == 422 and [d["field"] for d in body["details"]] == ["photos"], body
        assert forged[:64] in body["details"][0]["message_en"]
    status, body = call(app, client, "POST", f"/tasks/{rectify.id}/complete",
                        json={"data": {"measures": "已更换", "photos": [ours]}})
    assert status == 200, body


def test_multipart_bodies_are_checked_like_json_ones(app, client, people, rectify):
    status, body = call(app, client, "POST", f"/tasks/{rectify.id}/complete", **parts(None, admin="1"))
    assert status == 400 and body["error"] == "unknown_fields"
    status, body = call(app, client, "POST", f"/tasks/{rectify.id}/complete",
                        data={"data": "{not json"}, content_type="multipart/form-data")
    assert status == 400 and body["error"] == "malformed_json"
    status, body = call(app, client, "PUT", f"/tasks/{rectify.id}/draft", data={"data": '{"a": "\\u0000"}'},
                        content_type="multipart/form-data")
    assert status == 422 and body["error"] == "invalid_text"


def test_openapi_describes_the_multipart_bodies(app, client, people):
    with client.get("/api/v1/openapi.json") as response:
        paths = response.get_json()["paths"]
    for path, method in (("/api/v1/tasks/{task_id}/complete", "post"), ("/api/v1/tasks/{task_id}/draft", "put")):
        content = paths[path][method]["requestBody"]["content"]
        assert {"application/json", "multipart/form-data"} <= set(content)
        assert content["multipart/form-data"]["schema"]["additionalProperties"]["format"] == "binary"
