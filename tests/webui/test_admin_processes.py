"""Process list, BPMN download, upload, version comparison."""
from __future__ import annotations

import io

import pytest

import engine
from tests.webui.admin_support import app, client, renamed_review, unknown_lane_review  # noqa: F401
from tests.webui.pages_support import get, log_in_as, post, start_review


def test_process_list_shows_versions_deployer_and_running_cases(client, people, review):
    start_review(people["officer_a"])
    engine.deploy(renamed_review(), actor="owner")
    log_in_as(client, "owner")
    html = get(client, "/processes").get_data(as_text=True)
    assert "整改复核（测试）" in html and "v1" in html and "v2" in html and "最新" in html
    assert html.count("<td>owner</td>") == 2 and 'href="/processes/review/edit"' in html
    assert '/processes/review/compare' in html and "/processes/review/migrate" in html


@pytest.mark.parametrize("user, status", [("owner", 200), ("admin", 200), ("auditor", 200), ("officer_a", 403),
                                          ("chief", 403)])
def test_who_may_see_the_process_list(client, people, review, user, status):
    log_in_as(client, user)
    assert get(client, "/processes").status_code == status


def test_auditor_sees_the_list_without_edit_or_upload(client, people, review):
    log_in_as(client, "auditor")
    html = get(client, "/processes").get_data(as_text=True)
    assert "/processes/review/edit" not in html and "/processes/upload" not in html
    assert post(client, "/processes/upload", {"file": (io.BytesIO(renamed_review()), "r.bpmn")}).status_code == 403


def test_bpmn_download_is_the_stored_version(client, people, review):
    log_in_as(client, "auditor")
    response = get(client, "/processes/review/v1.bpmn")
    assert response.status_code == 200 and "attachment; filename=review-v1.bpmn" in response.headers["Content-Disposition"]
    assert response.get_data(as_text=True) == engine.get_bpmn("review", 1)
    assert get(client, "/processes/review/v9.bpmn").status_code == 404


def test_upload_deploys_a_new_version(client, people, review):
    log_in_as(client, "owner")
    response = post(client, "/processes/upload", {"file": (io.BytesIO(renamed_review()), "review.bpmn")},
                    follow_redirects=True)
    assert "已将“整改复核（测试）”部署为第 2 版" in response.get_data(as_text=True)
    assert engine.get_process("review").deployed_by == "owner"


def test_upload_of_a_bad_diagram_lists_the_problems_with_elements(client, people, review):
    log_in_as(client, "owner")
    response = post(client, "/processes/upload", {"file": (io.BytesIO(unknown_lane_review()), "bad.bpmn")})
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and "bad.bpmn 未部署" in html and "<code>accept</code>" in html
    assert engine.get_process("review").version == 1


def test_compare_lists_changed_elements(client, people, review):
    engine.deploy(renamed_review(), actor="owner")
    log_in_as(client, "owner")
    html = get(client, "/processes/review/compare?old=1&new=2").get_data(as_text=True)
    assert 'data-change="changed"' in html and "<code>accept</code>" in html and 'data-changed="accept"' in html
    assert 'data-change="added"' not in html
    assert '<li data-aspect="name"><strong class="change-aspect">名称</strong>' in html and "<td>用户任务</td>" in html
