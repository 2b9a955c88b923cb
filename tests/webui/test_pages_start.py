"""The start page (发起): only the processes the diagram lets this user start, with Chinese names and a line each."""
from __future__ import annotations

import pytest

import engine
from tests.webui.pages_support import get, log_in_as, post


@pytest.fixture
def bundled(people) -> None:
    engine.deploy_bundled()


def _listed(client, username: str) -> str:
    log_in_as(client, username)
    response = get(client, "/start")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_an_enterprise_officer_sees_only_enterprise_procedures(client, bundled):
    html = _listed(client, "officer_a")
    assert "隐患排查治理闭环" in html and "上报一项安全隐患，经核实定级、限期整改、验收销号形成闭环；企业自查的一般隐患自查自改、企业销号、局里抽查。" in html
    for bureau_only in ("年度安全培训", "移送执法", "通知公告发布", "治本攻坚季度汇报", "行业安全检查"):
        assert bureau_only not in html
    assert "hazard_closure · v" not in html and "· v1" not in html


def test_an_inspector_sees_the_bureau_procedures(client, bundled):
    html = _listed(client, "inspector_catering")
    for name in ("隐患排查治理闭环", "年度安全培训", "移送执法", "通知公告发布", "行业安全检查"):
        assert name in html
    assert "治本攻坚季度汇报" not in html  # the section chief's
    assert "治本攻坚季度汇报" in _listed(client, "chief")


def test_the_auditor_sees_nothing_to_start(client, bundled):
    assert "年度安全培训" not in _listed(client, "auditor")


def test_a_process_the_user_may_not_start_answers_403_on_its_form(client, bundled, people):
    log_in_as(client, "officer_a")
    assert get(client, "/start/training_rollout").status_code == 403
    response = post(client, "/start/training_rollout", {"year": "2025"})
    assert response.status_code == 403 and "您的角色不能发起该流程" in response.get_data(as_text=True)
    assert engine.list_instances(people["admin"], process_key="training_rollout").total == 0
    assert get(client, "/start/hazard_closure").status_code == 200
