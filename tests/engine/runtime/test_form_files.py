"""File fields of task forms: uploads stored in the step's transaction, and only this case's attachments accepted.

Every test runs on SQLite and PostgreSQL.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

import engine
from engine.runtime import attachments, db, tasks
from tests.conftest import stored_files

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
PHOTOS = {"title": "照片", "type": "array", "maxItems": 5, "items": {"type": "string"}, "x-ui": {"widget": "file"}}
CHECKS = {"title": "检查项", "type": "array", "items": {"type": "object", "properties": {
    "item": {"type": "string"}, "photos": PHOTOS}}}


def _with_photos(key: str) -> None:
    schema = engine.get_form(key).schema
    engine.save_form(key, {**schema, "properties": {**schema["properties"], "photos": PHOTOS, "checks": CHECKS}},
                     actor="owner")


@pytest.fixture
def rectify(people, review) -> engine.TaskView:
    """The rectify step of a fresh case, its form given a photo field and a group with photos, claimed by officer_a."""
    _with_photos("review_rectify")
    case = engine.start_instance(people["officer_a"], "review", {"case_title": "附件", "spawn": False})
    return engine.claim(people["officer_a"], case.open_tasks[0].id)


def photo(name: str = "现场.png", data: bytes = PNG, field: str = "photos") -> engine.Upload:
    return engine.Upload(field, name, "image/png", data)


def test_a_completion_stores_its_files_with_the_step(people, rectify):
    before = stored_files()
    case = engine.complete_task(people["officer_a"], rectify.id, {"measures": "已更换"}, uploads=[photo()])
    [photo_id] = engine.get_instance(people["chief"], case.id).data["photos"]
    view, data = attachments.get(people["inspector_catering"], photo_id)
    assert data == PNG and (view.instance_id, view.task_id, view.filename) == (case.id, rectify.id, "现场.png")
    assert stored_files() == {"rows": before["rows"] + 1, "audit": before["audit"] + 2, "files": before["files"] + 1}
    assert "attachment.add" in [h.action for h in engine.instance_history(people["admin"], case.id)]


def _fail_validation(people, task):
    engine.complete_task(people["officer_a"], task.id, {"measures": "x"}, uploads=[photo()])


def _refuse_a_file(people, task):
    engine.complete_task(people["officer_a"], task.id, {"measures": "已更换"},
                         uploads=[photo(), photo("virus.png", b"MZ not an image")])


def _conflict(people, task):
    engine.complete_task(people["officer_a"], task.id, {"measures": "已更换"}, uploads=[photo()],
                         expected_version=task.version - 1)


def _break_after_the_files_were_written(people, task, monkeypatch):
    def broken(*args: Any) -> None:
        raise RuntimeError("the step failed after its files were staged")
    monkeypatch.setattr(tasks, "_copy_to", broken)
    engine.complete_task(people["officer_a"], task.id, {"measures": "已更换"}, uploads=[photo()])


@pytest.mark.parametrize("fail,error", [
    (_fail_validation, engine.FormInvalid), (_refuse_a_file, engine.FormInvalid), (_conflict, engine.Conflict),
    (_break_after_the_files_were_written, RuntimeError),
])
def test_a_failed_completion_leaves_no_attachment_row_file_or_audit_row(people, rectify, monkeypatch, fail, error):
    before = stored_files()
    args = (people, rectify, monkeypatch) if fail is _break_after_the_files_were_written else (people, rectify)
    with pytest.raises(error):
        fail(*args)
    assert stored_files() == before
    assert engine.get_task(people["officer_a"], rectify.id).status == "open"


def test_a_refused_file_is_named_with_its_reason(people, rectify):
    with pytest.raises(engine.FormInvalid) as info:
        _refuse_a_file(people, rectify)
    [problem] = info.value.details
    assert (problem["field"], problem["file"], problem["reason"]) == ("photos", "virus.png", "bad_request")
    assert problem["message_zh"] == "virus.png: 文件内容与类型不符"


@pytest.mark.parametrize("value", ["not-an-attachment", "00000000-0000-4000-8000-000000000000", "x" * 5000, 7])
def test_a_file_field_refuses_what_is_no_attachment(people, rectify, value):
    with pytest.raises(engine.FormInvalid) as info:
        engine.complete_task(people["officer_a"], rectify.id, {"measures": "已更换", "photos": [value]})
    assert info.value.details[0]["field"] == "photos"
    assert {p["field"].split(".")[0] for p in info.value.details} == {"photos"}  # (7 is also no string: photos.0)


def test_a_file_field_refuses_another_cases_attachment_and_takes_this_cases(people, rectify):
    other = engine.start_instance(people["officer_a"], "review", {"case_title": "另一案件", "spawn": False})
    theirs = attachments.store(people["officer_a"], "别的.png", "image/png", PNG + b"other", instance_id=other.id)
    ours = attachments.store(people["officer_a"], "本案.png", "image/png", PNG, instance_id=rectify.instance_id,
                             task_id=rectify.id)
    with pytest.raises(engine.FormInvalid) as info:
        engine.complete_task(people["officer_a"], rectify.id, {"measures": "已更换", "photos": [ours.id, theirs.id],
                                                               "checks": [{"item": "灭火器", "photos": [theirs.id]}]})
    assert [p["field"] for p in info.value.details] == ["photos", "checks.0.photos"]
    assert theirs.id in info.value.details[0]["message_zh"]
    case = engine.complete_task(people["officer_a"], rectify.id, {"measures": "已更换", "photos": [ours.id],
                                                                  "checks": [{"item": "灭火器", "photos": [ours.id]}]})
    assert case.open_tasks[0].element_id == "accept"


def test_an_attachment_the_case_already_carries_is_accepted_on_a_later_step(people, rectify):
    """A child case carries its parent's photos (put there by the engine): its later forms may show them again."""
    other = engine.start_instance(people["officer_a"], "review", {"case_title": "上级案件", "spawn": False})
    parent_photo = attachments.store(people["officer_a"], "上级.png", "image/png", PNG, instance_id=other.id)
    _with_photos("review_accept")
    case = engine.complete_task(people["officer_a"], rectify.id, {"measures": "已更换", "photos": [parent_photo.id]},
                                trust_file_ids=True)
    accept = case.open_tasks[0]
    done = engine.complete_task(people["inspector_catering"], accept.id, {"result": "pass", "photos": [parent_photo.id]})
    assert done.status == "completed"


def test_a_draft_with_a_refused_file_is_not_saved_and_names_the_file(people, rectify):
    engine.save_draft(people["officer_a"], rectify.id, {"measures": "先存"})
    before = stored_files()
    with pytest.raises(engine.FormInvalid) as info:
        engine.save_draft(people["officer_a"], rectify.id, {"measures": "还差照片"},
                          uploads=[photo(), photo("报告.exe", b"MZ", field="photos")])
    assert "草稿未保存" in info.value.message_zh
    assert [(p["field"], p["file"]) for p in info.value.details] == [("photos", "报告.exe")]
    assert stored_files() == before
    assert engine.get_task(people["officer_a"], rectify.id).draft == {"measures": "先存"}


def test_a_draft_keeps_its_files_and_refuses_unknown_ids(people, rectify):
    draft = engine.save_draft(people["officer_a"], rectify.id, {"measures": "还差照片"}, uploads=[photo()]).draft
    [photo_id] = draft["photos"]
    assert attachments.get(people["officer_a"], photo_id)[1] == PNG
    with pytest.raises(engine.FormInvalid) as info:
        engine.save_draft(people["officer_a"], rectify.id, {"photos": [photo_id, "forged-id"]})
    assert [p["field"] for p in info.value.details] == ["photos"]
    assert engine.get_task(people["officer_a"], rectify.id).draft == draft


def test_a_file_for_a_field_the_form_does_not_have_is_refused(people, rectify):
    with pytest.raises(engine.FormInvalid) as info:
        engine.complete_task(people["officer_a"], rectify.id, {"measures": "已更换"},
                             uploads=[photo(field="measures")])
    assert info.value.details[0]["reason"] == "not_a_file_field"


def test_a_blob_committed_but_not_moved_into_place_is_found_when_read(people, rectify, monkeypatch):
    """The process stopped between the commit and the move: the staged file is moved on the first read."""
    real_replace = attachments.os.replace

    def interrupted(src: Any, dst: Any) -> None:
        raise OSError(5, "stopped before the move")
    monkeypatch.setattr(attachments.os, "replace", interrupted)
    view = attachments.store(people["officer_a"], "晚到.png", "image/png", PNG + b"late", instance_id=rectify.instance_id)
    monkeypatch.setattr(attachments.os, "replace", real_replace)
    folder = db.settings().data_dir / "attachments"
    assert [p.suffix for p in folder.rglob("*") if p.is_file()] == [".tmp"]
    assert attachments.get(people["officer_a"], view.id)[1] == PNG + b"late"
    assert [Path(p).name for p in folder.rglob("*") if p.is_file()] == [view.sha256]
