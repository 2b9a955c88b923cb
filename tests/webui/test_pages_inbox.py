"""The inbox: tabs and counts, scoping by enterprise, claim and release as plain POST forms."""
from __future__ import annotations

import engine
from tests.webui.pages_support import get, log_in_as, post, start_review


def count(html: str, tab: str) -> str:
    marker = f'data-count="{tab}">'
    return html.split(marker, 1)[1].split("<", 1)[0]


def test_candidate_tasks_of_another_enterprise_never_appear(client, people, review):
    mine = start_review(people["officer_a"], case_title="甲公司的隐患")
    start_review(people["officer_b"], case_title="乙公司的隐患")
    log_in_as(client, "officer_a")
    html = get(client, "/inbox?tab=candidate").get_data(as_text=True)
    assert "甲公司的隐患" in html and "乙公司的隐患" not in html
    assert count(html, "candidate") == "1"
    assert f"/tasks/{mine.open_tasks[0].id}/claim" in html


def test_claim_and_release_work_without_javascript(client, people, review):
    task = start_review(people["officer_a"]).open_tasks[0]
    log_in_as(client, "officer_a")
    response = post(client, f"/tasks/{task.id}/claim", {"next": "/inbox?tab=candidate"})
    assert response.status_code == 302 and response.headers["Location"] == "/inbox?tab=candidate"
    html = get(client, "/inbox").get_data(as_text=True)
    assert count(html, "mine") == "1" and f"/tasks/{task.id}/release" in html and "您已认领“整改”" in html
    post(client, f"/tasks/{task.id}/release")
    assert engine.get_task(people["officer_a"], task.id).assignee is None
    assert count(get(client, "/inbox").get_data(as_text=True), "mine") == "0"


def test_claiming_a_task_someone_else_holds_explains_why(client, people, review):
    task = start_review(people["officer_a"]).open_tasks[0]
    engine.claim(people["officer_a2"], task.id)
    log_in_as(client, "officer_a")
    post(client, f"/tasks/{task.id}/claim")
    assert "任务已被他人认领" in get(client, "/inbox").get_data(as_text=True)


def test_overdue_and_due_soon_badges_and_order_by_due(client, people, review, clock):
    first = start_review(people["officer_a"], case_title="先到期").open_tasks[0]
    clock.advance(days=1)
    start_review(people["officer_a"], case_title="后到期")
    log_in_as(client, "officer_a")
    html = get(client, "/inbox?tab=candidate").get_data(as_text=True)
    assert html.index("先到期") < html.index("后到期")
    clock.advance(days=1, hours=12)  # the first is due in 12 hours: due soon
    assert "即将到期" in get(client, "/inbox?tab=candidate").get_data(as_text=True)
    clock.advance(days=2)
    html = get(client, "/inbox?tab=candidate").get_data(as_text=True)
    assert "已逾期" in html and first.id in html


def test_filters_by_level_and_the_done_and_started_tabs(client, people, review):
    start_review(people["officer_a"], case_title="一般的", hazard_level="general")
    major = start_review(people["officer_a"], case_title="重大的", hazard_level="major")
    log_in_as(client, "officer_a")
    html = get(client, "/inbox?tab=candidate&level=major").get_data(as_text=True)
    assert "重大的" in html and "一般的" not in html
    engine.complete_task(people["officer_a"], major.open_tasks[0].id, {"measures": "已整改"})
    assert "重大的" in get(client, "/inbox?tab=done").get_data(as_text=True)
    assert count(get(client, "/inbox?tab=started").get_data(as_text=True), "started") == "3"


def test_the_copied_to_me_tab_lists_steps_copied_by_cc_to(client, people):
    from pathlib import Path

    from engine.campaign.bootstrap import read_forms
    data = Path(__file__).resolve().parents[1] / "data"
    bpmn = (data / "review.bpmn").read_text(encoding="utf-8").replace(
        '<spiffworkflow:property name="remindBefore" value="P1D"/>',
        '<spiffworkflow:property name="remindBefore" value="P1D"/><spiffworkflow:property name="ccTo" value="section_chief"/>')
    engine.deploy(bpmn.encode(), actor="owner", forms_given=read_forms(data / "forms"))
    case = engine.start_instance(people["officer_a"], "review", {"case_title": "抄送给科长", "spawn": False})
    log_in_as(client, "chief")
    assert "抄送给科长" not in get(client, "/inbox?tab=cc").get_data(as_text=True)
    engine.complete_task(people["officer_a"], case.open_tasks[0].id, {"measures": "已整改"})
    assert "抄送给科长" in get(client, "/inbox?tab=cc").get_data(as_text=True)
