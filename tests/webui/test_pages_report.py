"""The public whistleblower form at /report: no login, captcha, rate limit, confidential reporter."""
from __future__ import annotations

import re
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

import engine
from engine import bootstrap
from tests.webui.pages_support import ROOT, csrf_from, get, make_app
from webui.pages import report


@pytest.fixture
def app(database: str, tmp_path: Path) -> Flask:
    report.report_limit.reset()
    return make_app(tmp_path)


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def intake(people) -> engine.ProcessVersion:
    forms = bootstrap.read_forms(ROOT / "forms")
    return engine.deploy((ROOT / "processes" / "whistleblower_intake.bpmn").read_bytes(), actor="owner",
                         forms_given=forms).process


REPORT = {"enterprise_name": "某某饭店", "enterprise_address": "洮南市光明街 1 号", "description": "安全出口被杂物堵塞。",
          "reporter_name": "李四", "reporter_phone": "13900000000"}


def fetch_form(client: FlaskClient) -> tuple[str, str]:
    """The CSRF token and the captcha's answer from a fresh form."""
    html = get(client, "/report").get_data(as_text=True)
    a, b = map(int, re.search(r"验证问题：(\d) \+ (\d) = \?", html).groups())  # type: ignore[union-attr]
    return csrf_from(html), str(a + b)


def send(client: FlaskClient, captcha: str | None = None, **data: str) -> object:
    token, answer = fetch_form(client)
    with client.post("/report", data={"csrf_token": token, "captcha": captcha or answer, **REPORT, **data}) as r:
        return r


def test_a_report_needs_no_login_and_starts_an_intake_case(client, people, intake):
    response = send(client)
    assert response.status_code == 200
    reference = re.search(r"data-reference>(JB-[0-9A-F]{8})<", response.get_data(as_text=True)).group(1)
    [case] = engine.list_instances(people["admin"], process_key="whistleblower_intake").items
    assert case.business_key == reference and case.started_by == "system"
    assert engine.get_instance(people["handler"], case.id).data["reporter_name"] == "李四"
    assert "reporter_name" not in engine.get_instance(people["chief"], case.id).data


def test_a_wrong_captcha_is_refused_and_keeps_what_was_typed(client, people, intake):
    response = send(client, captcha="99")
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "验证问题回答错误" in html and "安全出口被杂物堵塞。" in html
    assert engine.list_instances(people["admin"], process_key="whistleblower_intake").total == 0


def test_field_errors_show_next_to_the_fields(client, people, intake):
    response = send(client, description="", anonymous="")
    assert response.status_code == 422
    assert 'id="f-description-error">此项为必填项<' in response.get_data(as_text=True)


def test_reports_from_one_address_are_rate_limited(client, people, intake):
    for _ in range(report.report_limit.limit):
        send(client)
    response = send(client)
    assert response.status_code == 429 and "该地址提交的举报过多" in response.get_data(as_text=True)


def test_the_form_carries_no_file_fields_and_explains_confidentiality(client, intake):
    html = get(client, "/report").get_data(as_text=True)
    assert 'name="photos"' not in html and "仅举报受理人员可见" in html


def test_a_report_case_is_titled_after_the_business(client, people, intake):
    assert send(client).status_code == 200
    [case] = engine.list_instances(people["admin"], process_key="whistleblower_intake").items
    assert case.title == "举报：某某饭店"


def test_a_wrong_captcha_also_names_the_empty_required_fields(client, people, intake):
    response = send(client, captcha="99", enterprise_name="", description="")
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert 'id="f-enterprise_name-error">此项为必填项<' in html and 'id="f-description-error">此项为必填项<' in html
    assert "验证问题" in html and 'id="captcha-error"' in html


def test_the_form_does_not_mark_the_anonymous_checkbox_required_nor_promise_a_lookup(client, intake):
    html = get(client, "/report").get_data(as_text=True)
    label = re.search(r'<label class="field__check"><input type="checkbox" value="true"[^>]*name="anonymous".*?</label>',
                      html, re.S)
    assert label and "field__required" not in label.group(0) and "匿名举报" in label.group(0)
    assert "以便查询举报进展" not in send(client).get_data(as_text=True)
