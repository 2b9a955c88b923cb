"""The case page: key fields, timeline, the diagram route; another enterprise's case answers 404."""
from __future__ import annotations

import pytest

import engine
from tests.webui.pages_support import get, log_in_as, start_review


def test_the_case_page_shows_fields_timeline_and_diagram_progress(client, people, review):
    case = start_review(people["officer_a"], note="<script>alert(1)</script>")
    task = engine.claim(people["officer_a"], case.open_tasks[0].id)
    engine.complete_task(people["officer_a"], task.id, {"measures": "更换报警器"}, comment="已按要求整改")
    log_in_as(client, "officer_a")
    html = get(client, f"/cases/{case.id}").get_data(as_text=True)
    assert "<h1>后厨燃气报警器失效</h1>" in html and "洮南市甲餐饮有限公司" in html and "一般隐患" in html
    assert html.index("发起事项") < html.index("认领") < html.index("办理完成")
    assert "：整改" in html and "已按要求整改" in html and "更换报警器" in html
    assert 'data-completed="rectify"' in html and 'data-current="accept"' in html
    assert f'data-bpmn-url="/cases/{case.id}/diagram.bpmn"' in html
    assert "<script>alert(1)</script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_the_diagram_route_serves_the_case_version_bpmn(client, people, review):
    case = start_review(people["officer_a"])
    log_in_as(client, "inspector_catering")
    response = get(client, f"/cases/{case.id}/diagram.bpmn")
    assert response.status_code == 200 and response.mimetype == "application/xml"
    assert response.get_data(as_text=True) == engine.get_bpmn("review", 1)


@pytest.mark.parametrize("username", ["officer_b", "inspector_oil"])
def test_a_case_out_of_scope_answers_404_page_and_diagram(client, people, review, username):
    case = start_review(people["officer_a"])
    log_in_as(client, username)
    assert get(client, f"/cases/{case.id}").status_code == 404
    assert get(client, f"/cases/{case.id}/diagram.bpmn").status_code == 404
    assert "事项不存在，或您无权查看。" in get(client, f"/cases/{case.id}").get_data(as_text=True)


def test_confidential_reporter_fields_stay_hidden_on_the_case_page(client, people, review):
    case = start_review(people["officer_a"], reporter_name="举报人张三")
    log_in_as(client, "chief")
    assert "举报人张三" not in get(client, f"/cases/{case.id}").get_data(as_text=True)


def test_the_deadline_is_a_rectification_deadline_only_on_hazard_cases(client, people, review):
    from tests.webui.pages_support import deploy_hazard_stand_in
    log_in_as(client, "officer_a")
    other = get(client, f"/cases/{start_review(people['officer_a']).id}").get_data(as_text=True)
    assert "<dt>截止日期</dt>" in other and "整改期限" not in other
    deploy_hazard_stand_in()
    hazard = get(client, f"/cases/{start_review(people['officer_a'], 'hazard_closure').id}").get_data(as_text=True)
    assert "<dt>整改期限</dt>" in hazard
