"""Admin case search, the case page with its path, and the admin actions (auditors only read)."""
from __future__ import annotations

import engine
from tests.webui.admin_support import app, client, renamed_review  # noqa: F401
from tests.webui.pages_support import get, log_in_as, post, start_review


def test_search_by_process_version_and_status(client, people, review):
    old = start_review(people["officer_a"], case_title="旧版本案件")
    engine.deploy(renamed_review(), actor="owner")
    new = start_review(people["officer_a"], case_title="新版本案件")
    log_in_as(client, "auditor")
    html = get(client, "/admin/cases?process=review&version=1").get_data(as_text=True)
    assert "旧版本案件" in html and "新版本案件" not in html and f"/admin/cases/{old.id}" in html
    html = get(client, "/admin/cases?process=review&version=2&status=running").get_data(as_text=True)
    assert "新版本案件" in html and "旧版本案件" not in html and f"/admin/cases/{new.id}" in html
    assert "没有符合条件的事项" in get(client, "/admin/cases?status=error").get_data(as_text=True)


def test_case_page_marks_the_path_and_shows_step_data(client, people, review):
    case = start_review(people["officer_a"])
    engine.complete_task(people["officer_a"], case.open_tasks[0].id, {"measures": "更换报警器"})
    log_in_as(client, "admin")
    html = get(client, f"/admin/cases/{case.id}").get_data(as_text=True)
    assert 'data-completed="rectify start"' in html and 'data-current="accept timeout"' in html
    assert "更换报警器" in html and "办理完成" in html
    assert f"/processes/review/v1.bpmn?inline=1" in html and "js/admin/diagram-marks.js" in html


def test_admin_suspends_resumes_and_terminates_with_a_reason(client, people, review):
    case = start_review(people["officer_a"])
    log_in_as(client, "admin")
    assert "事项已挂起" in post(client, f"/admin/cases/{case.id}/suspend", follow_redirects=True).get_data(as_text=True)
    assert engine.get_instance(people["admin"], case.id).status == "suspended"
    post(client, f"/admin/cases/{case.id}/resume")
    html = post(client, f"/admin/cases/{case.id}/terminate", {"reason": ""}, follow_redirects=True).get_data(as_text=True)
    assert "终止事项必须填写原因" in html and engine.get_instance(people["admin"], case.id).status == "running"
    post(client, f"/admin/cases/{case.id}/terminate", {"reason": "重复上报"})
    assert engine.get_instance(people["admin"], case.id).status == "terminated"


def test_admin_reassigns_an_open_task(client, people, review):
    case = start_review(people["officer_a"])
    log_in_as(client, "admin")
    html = post(client, f"/admin/cases/{case.id}/reassign", {"task_id": case.open_tasks[0].id, "to": "officer_a2",
                                                              "reason": "休假"}, follow_redirects=True).get_data(as_text=True)
    assert "任务已转办给 officer_a2" in html
    assert engine.get_instance(people["admin"], case.id).open_tasks[0].assignee == "officer_a2"


def test_auditor_reads_but_every_action_is_refused(client, people, review):
    case = start_review(people["officer_a"])
    log_in_as(client, "auditor")
    html = get(client, f"/admin/cases/{case.id}").get_data(as_text=True)
    assert "挂起" not in html and "转办" not in html
    for name in ("suspend", "terminate", "retry", "reassign"):
        assert post(client, f"/admin/cases/{case.id}/{name}", {"reason": "x"}).status_code == 403
    assert engine.get_instance(people["admin"], case.id).status == "running"


def test_staff_cannot_open_the_admin_pages(client, people, review):
    log_in_as(client, "chief")
    for path in ("/admin/cases", "/admin/incidents", "/admin/jobs", "/admin/audit", "/admin/users", "/admin/enterprises"):
        assert get(client, path).status_code == 403
