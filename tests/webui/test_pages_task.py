"""The task page: the form from the JSON Schema, field errors, draft, completion, 转办 / 委派 / 退回."""
from __future__ import annotations

import pytest

import engine
from tests.webui.pages_support import get, log_in_as, post, start_review


@pytest.fixture
def accept_task(people, review) -> engine.TaskView:
    """A case at the inspector's acceptance step, claimed by the catering inspector."""
    case = start_review(people["officer_a"])
    engine.complete_task(people["officer_a"], case.open_tasks[0].id, {"measures": "更换报警器"})
    task = engine.get_instance(people["chief"], case.id).open_tasks[0]
    return engine.claim(people["inspector_catering"], task.id)


def test_the_form_renders_labels_required_marks_choices_and_the_case_summary(client, people, accept_task):
    log_in_as(client, "inspector_catering")
    html = get(client, f"/tasks/{accept_task.id}").get_data(as_text=True)
    assert '<label class="field__label" for="f-result">' in html and 'class="field__required"' in html
    assert '<select' in html and 'value="pass"' in html
    assert "后厨燃气报警器失效" in html and "事项摘要" in html
    assert 'name="csrf_token"' in html and 'name="version"' in html


def test_completion_with_errors_shows_them_next_to_each_field(client, people, accept_task):
    log_in_as(client, "inspector_catering")
    response = post(client, f"/tasks/{accept_task.id}", {"action": "complete", "opinion": "x" * 10})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert 'id="f-result-error">此项为必填项<' in html
    assert 'aria-invalid="true"' in html and "xxxxxxxxxx" in html  # what was typed stays
    assert engine.get_task(people["inspector_catering"], accept_task.id).status == "open"


def test_errors_are_in_english_for_an_english_page(client, people, accept_task):
    log_in_as(client, "inspector_catering")
    get(client, "/inbox?lang=en")
    html = post(client, f"/tasks/{accept_task.id}", {"action": "complete"}).get_data(as_text=True)
    assert 'id="f-result-error">This field is required<' in html


def test_completing_the_form_moves_the_case_on(client, people, accept_task):
    log_in_as(client, "inspector_catering")
    response = post(client, f"/tasks/{accept_task.id}", {"action": "complete", "result": "pass", "opinion": "合格",
                                                         "version": str(accept_task.version)})
    assert response.status_code == 302 and response.headers["Location"] == f"/cases/{accept_task.instance_id}"
    assert engine.get_instance(people["chief"], accept_task.instance_id).status == "completed"


def test_a_stale_version_is_refused_with_a_conflict(client, people, accept_task):
    log_in_as(client, "inspector_catering")
    response = post(client, f"/tasks/{accept_task.id}", {"action": "complete", "result": "pass",
                                                         "version": str(accept_task.version - 1)})
    assert response.status_code == 409 and "任务已被他人修改" in response.get_data(as_text=True)


def test_a_draft_is_kept_and_shown_again(client, people, accept_task):
    log_in_as(client, "inspector_catering")
    assert post(client, f"/tasks/{accept_task.id}", {"action": "save", "opinion": "还差照片"}).status_code == 302
    assert engine.get_task(people["inspector_catering"], accept_task.id).draft == {"opinion": "还差照片"}
    assert "还差照片" in get(client, f"/tasks/{accept_task.id}").get_data(as_text=True)


def test_send_back_needs_a_comment_then_reopens_the_previous_step(client, people, accept_task):
    log_in_as(client, "inspector_catering")
    response = post(client, f"/tasks/{accept_task.id}/send-back", {"comment": "  "})
    assert response.status_code == 422 and "请填写意见，说明原因。" in response.get_data(as_text=True)
    assert post(client, f"/tasks/{accept_task.id}/send-back", {"comment": "照片不清楚"}).status_code == 302
    [reopened] = engine.get_instance(people["chief"], accept_task.instance_id).open_tasks
    assert reopened.element_id == "rectify"


def test_reassign_and_delegate_hand_the_task_over(client, people, review):
    task = engine.claim(people["officer_a"], start_review(people["officer_a"]).open_tasks[0].id)
    log_in_as(client, "officer_a")
    response = post(client, f"/tasks/{task.id}/reassign", {"to": "officer_b", "comment": "请处理"})
    assert response.status_code == 400 and "目标用户没有办理该任务的角色或范围" in response.get_data(as_text=True)
    assert post(client, f"/tasks/{task.id}/delegate", {"to": "officer_a2", "comment": "请协助"}).status_code == 302
    delegated = engine.get_task(people["officer_a"], task.id)
    assert (delegated.assignee, delegated.owner) == ("officer_a2", "officer_a")
    log_in_as(client, "officer_a2")
    assert "办理完毕，退回 officer_a" in get(client, f"/tasks/{task.id}").get_data(as_text=True)
    post(client, f"/tasks/{task.id}", {"action": "resolve", "measures": "已更换"})
    back = engine.get_task(people["officer_a"], task.id)
    assert (back.assignee, back.owner, back.draft) == ("officer_a", None, {"measures": "已更换"})


def test_another_enterprise_task_answers_404(client, people, review):
    task = start_review(people["officer_a"]).open_tasks[0]
    log_in_as(client, "officer_b")
    assert get(client, f"/tasks/{task.id}").status_code == 404
    assert post(client, f"/tasks/{task.id}", {"action": "complete", "measures": "x"}).status_code == 404


PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


@pytest.fixture
def photo_task(people, review) -> engine.TaskView:
    """The rectify step, its form given an evidence-photo field, claimed by officer_a."""
    schema = engine.get_form("review_rectify").schema
    schema = {**schema, "properties": {**schema["properties"], "photos": {
        "title": "照片", "type": "array", "items": {"type": "string"}, "x-ui": {"widget": "file", "accept": "image/*"}}}}
    engine.save_form("review_rectify", schema, actor="owner")
    return engine.claim(people["officer_a"], start_review(people["officer_a"]).open_tasks[0].id)


def test_evidence_photos_upload_with_the_form_and_are_served_to_who_may_see_the_case(client, people, photo_task):
    import io
    log_in_as(client, "officer_a")
    html = get(client, f"/tasks/{photo_task.id}").get_data(as_text=True)
    assert 'enctype="multipart/form-data"' in html and 'name="photos__upload"' in html and 'accept="image/*"' in html
    response = post(client, f"/tasks/{photo_task.id}", {"action": "save", "photos__upload": (io.BytesIO(PNG), "现场.png")},
                    content_type="multipart/form-data")
    assert response.status_code == 302
    [photo_id] = engine.get_task(people["officer_a"], photo_task.id).draft["photos"]
    html = get(client, f"/tasks/{photo_task.id}").get_data(as_text=True)
    assert f'name="photos" value="{photo_id}" checked' in html and "现场.png" in html
    response = post(client, f"/tasks/{photo_task.id}", {"action": "complete", "measures": "已更换", "photos": photo_id})
    assert response.status_code == 302
    served = get(client, f"/attachments/{photo_id}")
    assert served.status_code == 200 and served.mimetype == "image/png" and served.get_data() == PNG
    assert "sandbox" in served.headers["Content-Security-Policy"]
    log_in_as(client, "officer_b")
    assert get(client, f"/attachments/{photo_id}").status_code == 404


def test_a_refused_file_is_reported_next_to_its_field(client, people, photo_task):
    import io
    log_in_as(client, "officer_a")
    response = post(client, f"/tasks/{photo_task.id}", {"action": "complete", "measures": "已更换",
                                                        "photos__upload": (io.BytesIO(b"MZ not an image"), "virus.png")},
                    content_type="multipart/form-data")
    assert response.status_code == 422
    assert 'id="f-photos-error">virus.png: ' in response.get_data(as_text=True)
    assert engine.get_task(people["officer_a"], photo_task.id).status == "open"


def test_send_back_is_not_offered_where_the_diagram_has_no_path_back(client, people, review):
    task = engine.claim(people["officer_a"], start_review(people["officer_a"]).open_tasks[0].id)
    log_in_as(client, "officer_a")
    html = get(client, f"/tasks/{task.id}").get_data(as_text=True)
    assert "退回（Send back）" not in html and "task.send_back" not in html and "/send-back" not in html
    assert "/reassign" in html and "/delegate" in html


def test_the_handover_picker_lists_only_people_who_may_take_the_task(client, people, review):
    task = engine.claim(people["officer_a"], start_review(people["officer_a"]).open_tasks[0].id)
    log_in_as(client, "officer_a")
    html = get(client, f"/tasks/{task.id}").get_data(as_text=True)
    assert '<option value="officer_a2">' in html
    assert 'value="officer_b"' not in html and 'value="inspector_catering"' not in html
    options = get(client, f"/tasks/{task.id}/handover-candidates?q=a2").get_data(as_text=True)
    assert 'value="officer_a2"' in options
    assert 'value="officer_a2"' not in get(client, f"/tasks/{task.id}/handover-candidates?q=zzz").get_data(as_text=True)
    log_in_as(client, "officer_b")
    assert get(client, f"/tasks/{task.id}/handover-candidates").status_code == 404


def test_a_failed_action_keeps_what_was_typed(client, people, accept_task):
    log_in_as(client, "inspector_catering")
    response = post(client, f"/tasks/{accept_task.id}/reassign", {"to": "", "comment": "请同事复核照片"})
    assert response.status_code == 422
    assert ">请同事复核照片</textarea>" in response.get_data(as_text=True)
    response = post(client, f"/tasks/{accept_task.id}", {"action": "complete", "comment": "先写的意见"})
    assert response.status_code == 422 and ">先写的意见</textarea>" in response.get_data(as_text=True)


def test_no_claim_button_for_a_task_the_user_may_not_take(client, people, review):
    task = start_review(people["inspector_catering"], enterprise_code="91220881MA00000000").open_tasks[0]
    log_in_as(client, "inspector_catering")
    html = get(client, f"/tasks/{task.id}").get_data(as_text=True)
    assert "/claim" not in html and "您只能查看" in html
    started = get(client, "/inbox?tab=started").get_data(as_text=True)
    assert task.id in started and f"/tasks/{task.id}/claim" not in started
    log_in_as(client, "officer_a")
    assert f"/tasks/{task.id}/claim" in get(client, "/inbox?tab=candidate").get_data(as_text=True)


def test_closing_a_case_says_it_was_closed(client, people, accept_task):
    log_in_as(client, "inspector_catering")
    response = post(client, f"/tasks/{accept_task.id}", {"action": "complete", "result": "pass"})
    assert response.status_code == 302
    html = get(client, response.headers["Location"]).get_data(as_text=True)
    assert "事项已办结" in html and "事项进入下一环节" not in html


@pytest.mark.parametrize("form,status", [({"measures": "x"}, 422), ({"measures": "已更换", "version": "0"}, 409)])
def test_a_failed_completion_keeps_nothing_of_its_files(client, people, photo_task, form, status):
    """Refused (422) or conflicting (409): no attachment row, no file in the data dir, no audit row."""
    import io

    from tests.conftest import stored_files
    log_in_as(client, "officer_a")
    before = stored_files()
    response = post(client, f"/tasks/{photo_task.id}", {"action": "complete", **form,
                                                        "photos__upload": (io.BytesIO(PNG), "现场.png")},
                    content_type="multipart/form-data")
    assert response.status_code == status
    assert stored_files() == before
    assert engine.get_task(people["officer_a"], photo_task.id).status == "open"


def test_a_draft_with_a_refused_file_says_so_and_keeps_what_was_typed(client, people, photo_task):
    import io

    from tests.conftest import stored_files
    log_in_as(client, "officer_a")
    before = stored_files()
    response = post(client, f"/tasks/{photo_task.id}", {"action": "save", "measures": "还差照片",
                                                        "photos__upload": (io.BytesIO(b"MZ not an image"), "virus.png")},
                    content_type="multipart/form-data")
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "草稿未保存" in html and "草稿已保存" not in html
    assert 'id="f-photos-error">virus.png: 文件内容与类型不符<' in html
    assert "还差照片" in html  # what was typed is on the form again
    assert engine.get_task(people["officer_a"], photo_task.id).draft is None and stored_files() == before


def test_a_forged_attachment_id_in_the_form_is_refused_next_to_its_field(client, people, photo_task):
    log_in_as(client, "officer_a")
    response = post(client, f"/tasks/{photo_task.id}", {"action": "complete", "measures": "已更换",
                                                        "photos": "3f2b6c1e-1111-4222-8333-944455556666"})
    assert response.status_code == 422
    assert 'id="f-photos-error">附件不存在或不属于本事项：3f2b6c1e-1111-4222-8333-944455556666<' in response.get_data(as_text=True)
    assert engine.get_task(people["officer_a"], photo_task.id).status == "open"
