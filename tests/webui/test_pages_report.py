"""The public whistleblower form at /report: no login, captcha, rate limit, confidential reporter, photos; the
status page /report/status: stage and public replies for the reference number and the secret shown once."""
from __future__ import annotations

import io
import re
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

import engine
from engine.campaign import bootstrap
from engine.runtime import attachments
from tests.webui.pages_support import ROOT, csrf_from, get, make_app
from webui.pages import report

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


@pytest.fixture
def app(database: str, tmp_path: Path) -> Flask:
    report.report_limit.reset()
    report.status_limit.reset()
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


def send(client: FlaskClient, captcha: str | None = None, files: list[tuple[str, bytes]] = (), **data: str) -> Any:
    token, answer = fetch_form(client)
    form: dict[str, Any] = {"csrf_token": token, "captcha": captcha or answer, **REPORT, **data}
    if files:
        form["photos__upload"] = [(io.BytesIO(content), name) for name, content in files]
    with client.post("/report", data=form, content_type="multipart/form-data") as r:
        return r


def receipt(response: Any) -> tuple[str, str]:
    """The reference number and the secret from the page shown after filing."""
    html = response.get_data(as_text=True)
    reference = re.search(r"data-reference>(JB-[0-9A-F]{8})<", html).group(1)  # type: ignore[union-attr]
    secret = re.search(r"data-secret>([2-9A-Z]{4}(?:-[2-9A-Z]{4}){3})<", html).group(1)  # type: ignore[union-attr]
    return reference, secret


def look_up(client: FlaskClient, reference: str, secret: str) -> Any:
    token = csrf_from(get(client, "/report/status").get_data(as_text=True))
    with client.post("/report/status", data={"csrf_token": token, "reference": reference, "secret": secret}) as r:
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


def test_the_form_takes_photos_and_explains_confidentiality(client, intake):
    html = get(client, "/report").get_data(as_text=True)
    assert 'name="photos__upload"' in html and 'enctype="multipart/form-data"' in html and "仅举报受理人员可见" in html
    assert 'name="photos"' not in html  # the public names no stored file


def test_photos_sent_with_a_report_are_attached_to_its_case(client, people, intake):
    response = send(client, files=[("出口.png", PNG), ("灭火器.png", PNG + b"2")])
    assert response.status_code == 200
    [case] = engine.list_instances(people["admin"], process_key="whistleblower_intake").items
    files = attachments.list_for_case(people["handler"], case.id)
    assert sorted(f.filename for f in files) == ["出口.png", "灭火器.png"]
    assert sorted(engine.get_instance(people["handler"], case.id).data["photos"]) == sorted(f.id for f in files)


def test_a_refused_photo_is_named_and_nothing_is_filed(client, people, intake):
    response = send(client, files=[("报告.exe", b"MZ\x90\x00")])
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert 'id="f-photos-error">报告.exe：只接受' in html and "安全出口被杂物堵塞。" in html
    assert engine.list_instances(people["admin"], process_key="whistleblower_intake").total == 0


def test_the_receipt_shows_the_secret_once_and_links_to_the_status_page(client, intake):
    response = send(client)
    html = response.get_data(as_text=True)
    assert "以便查询举报进展" in html and 'href="/report/status"' in html
    assert response.headers["Cache-Control"] == "no-store"
    reference, secret = receipt(response)
    assert secret not in get(client, "/report/status").get_data(as_text=True)


def test_the_status_page_shows_the_stage_and_the_public_reply(client, people, intake):
    reference, secret = receipt(send(client, anonymous="true", reporter_name="", reporter_phone=""))
    html = look_up(client, reference, secret).get_data(as_text=True)
    assert 'data-stage>已受理<' in html and "暂无答复" in html
    [case] = engine.list_instances(people["admin"], process_key="whistleblower_intake").items
    [task] = engine.get_instance(people["handler"], case.id).open_tasks
    engine.claim(people["handler"], task.id)
    assert 'data-stage>核查中<' in look_up(client, reference, secret).get_data(as_text=True)
    engine.complete_task(people["handler"], task.id, {
        "screening_result": "unfounded", "screening_opinion": "内部意见：出口畅通。", "verified_on": "2025-03-04",
        "public_reply": "经现场核查，未发现举报的问题。感谢您的监督。"})
    response = look_up(client, reference.lower(), secret.replace("-", ""))
    html = response.get_data(as_text=True)
    assert 'data-stage>已办结<' in html and "经现场核查，未发现举报的问题。" in html
    assert "内部意见" not in html and "某某饭店" not in html and response.headers["Cache-Control"] == "no-store"


def test_a_wrong_number_and_a_wrong_secret_get_the_same_answer(client, intake):
    reference, secret = receipt(send(client))
    wrong_secret = look_up(client, reference, "AAAA-BBBB-CCCC-DDDD")
    wrong_number = look_up(client, "JB-00000000", secret)
    assert wrong_secret.status_code == wrong_number.status_code == 404

    def message(response: Any) -> str:
        return re.search(r'id="lookup-error">([^<]*)<', response.get_data(as_text=True)).group(1)  # type: ignore[union-attr]
    assert message(wrong_secret) == message(wrong_number) == "举报编号或查询码不正确，请核对后重试。"


def test_status_lookups_from_one_address_are_rate_limited(client, intake):
    reference, secret = receipt(send(client))
    for _ in range(report.status_limit.limit):
        look_up(client, "JB-00000000", "AAAA-BBBB-CCCC-DDDD")
    response = look_up(client, reference, secret)  # even the right pair waits
    assert response.status_code == 429 and "查询次数过多" in response.get_data(as_text=True)
    assert "data-stage" not in response.get_data(as_text=True)


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


def test_the_form_does_not_mark_the_anonymous_checkbox_required_and_links_the_status_page(client, intake):
    html = get(client, "/report").get_data(as_text=True)
    label = re.search(r'<label class="field__check"><input type="checkbox" value="true"[^>]*name="anonymous".*?</label>',
                      html, re.S)
    assert label and "field__required" not in label.group(0) and "匿名举报" in label.group(0)
    assert 'href="/report/status"' in html
