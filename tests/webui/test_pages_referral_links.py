"""The referral letter page and the receiving body's signed task links (issue 16 §4), through real HTTP on both
databases: the letter's content and download, who may read it, a link issued on the case page, the receipt and
the outcome filled in without a login, and every refusal (tampered, expired, used, wrong step, no CSRF)."""
from __future__ import annotations

import re
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from itsdangerous import URLSafeTimedSerializer

import engine
from engine.campaign import bootstrap
from tests.webui.pages_support import ROOT, SECRET, csrf_from, get, log_in_as, post
from webui.pages import task_links as link_pages

OIL = "91220881MAJCLALN6C"
FORMS = bootstrap.read_forms(ROOT / "forms")
RECEIPT = {"received_on": "2025-03-04", "receiver_name": "李明", "receiving_department": "市安委办综合科",
           "handling": "handle"}


@pytest.fixture
def referral(clock: engine.ManualClock) -> dict[str, Any]:
    """A v2 referral sent to 市安委办: the receipt is open."""
    bpmn = (ROOT / "processes" / "enforcement_referral.bpmn").read_bytes()
    keys = set(re.findall(r'name="formKey" value="([a-z_]+)"', bpmn.decode("utf-8")))
    engine.deploy(bpmn, actor="owner", forms_given={k: FORMS[k] for k in keys})
    engine.add_enterprise(OIL, "东升油品储运有限公司", "refined_oil")
    for name, spec in {"inspector": dict(roles=["bureau_inspector"]), "chief": dict(roles=["section_chief"]),
                       "deputy": dict(roles=["deputy_director"]), "committee": dict(roles=["safety_committee"]),
                       "officer_oil": dict(roles=["enterprise_safety_officer"], enterprise=OIL)}.items():
        engine.add_user(name, **spec)
    people = {n: engine.get_actor(n) for n in ("inspector", "chief", "deputy", "officer_oil")}
    case = engine.start_instance(people["inspector"], "enforcement_referral", {
        "enterprise_code": OIL, "case_title": "油库违规动火", "trigger": "serious_violation", "facts_summary": "违规动火。"})
    steps = [("inspector", {"facts": "储罐区检修违规动火。", "legal_basis": "《安全生产法》第一百零二条。", "evidence": ["att-1"],
                            "proposed_measures": ["suspension"], "target_regulators": ["emergency"]}),
             ("chief", {"review_decision": "approve", "review_opinion": "同意。"}),
             ("deputy", {"approval_decision": "approve", "approval_opinion": "同意。"}),
             ("inspector", {"receiving_office": "市安委办", "sent_on": "2025-03-03", "send_channel": "document",
                            "deadline": "2025-03-31", "contact_person": "王科长", "contact_phone": "0436-6221234"})]
    for who, data in steps:
        [task] = engine.get_instance(people[who], case.id).open_tasks
        engine.complete_task(people[who], task.id, data, trust_file_ids=True)
    [receipt] = engine.get_instance(engine.SYSTEM, case.id).open_tasks
    return {"case": case.id, "receipt": receipt.id}


def _link(client: FlaskClient, referral: dict[str, Any], task: str | None = None) -> str:
    log_in_as(client, "inspector")
    response = post(client, f"/tasks/{task or referral['receipt']}/link", {"case_id": referral["case"]})
    assert response.status_code == 200
    match = re.search(r'value="(http://localhost/link/[^"]+)"', response.get_data(as_text=True))
    assert match
    return match.group(1).replace("http://localhost", "")


def _fill(client: FlaskClient, path: str, data: dict[str, Any]) -> Any:
    page = get(client, path)
    assert page.status_code == 200
    return post_as_stranger(client, path, {"csrf_token": csrf_from(page.get_data(as_text=True)), **data})


def post_as_stranger(client: FlaskClient, path: str, data: dict[str, Any]) -> Any:
    with client.post(path, data=data) as response:
        return response


def test_the_letter_page_shows_the_letter_and_downloads_as_a_file(app: Flask, referral):
    client = app.test_client()
    log_in_as(client, "inspector")
    page = get(client, f"/cases/{referral['case']}")
    html = page.get_data(as_text=True)
    assert f"/cases/{referral['case']}/letters/referral" in html and "洮商安移〔2025〕1号" in html
    assert f"/tasks/{referral['receipt']}/link" in html  # the receipt step takes a link
    letter = get(client, f"/cases/{referral['case']}/letters/referral")
    text = letter.get_data(as_text=True)
    assert letter.status_code == 200 and letter.headers["Cache-Control"] == "no-store"
    for expected in ("洮商安移〔2025〕1号", "市安委办：", "东升油品储运有限公司", OIL, "储罐区检修违规动火。", "att-1",
                     "《安全生产法》第一百零二条。", "停产整顿", "应急管理部门", "2025-03-31", "2025-03-06", "王科长",
                     "0436-6221234", "@media print"):
        assert expected in text, expected
    download = get(client, f"/cases/{referral['case']}/letters/referral?download=1")
    assert download.status_code == 200 and download.headers["Content-Disposition"].startswith("attachment;")
    assert "Back to the case" not in download.get_data(as_text=True) and "返回事项" not in download.get_data(as_text=True)
    assert get(client, f"/cases/{referral['case']}/letters/inquiry").status_code == 404  # none issued
    assert get(client, f"/cases/{referral['case']}/letters/nonsense").status_code == 404
    log_in_as(client, "officer_oil")  # the enterprise may see its case, not the letter between authorities
    assert get(client, f"/cases/{referral['case']}/letters/referral").status_code == 404
    assert "/letters/referral" not in get(client, f"/cases/{referral['case']}").get_data(as_text=True)


def test_the_receiving_body_signs_the_receipt_and_reports_the_outcome_through_links(app: Flask, referral):
    path = _link(app.test_client(), referral)
    stranger = app.test_client()  # no login
    form = get(stranger, path)
    html = form.get_data(as_text=True)
    assert form.status_code == 200 and form.headers["Cache-Control"] == "no-store"
    assert form.headers["Referrer-Policy"] == "no-referrer"
    assert "签收回执" in html and "洮商安移〔2025〕1号" in html and 'lang="zh' in html
    done = _fill(stranger, path, RECEIPT)
    assert done.status_code == 200
    case = engine.get_instance(engine.SYSTEM, referral["case"])
    assert [t.element_id for t in case.open_tasks] == ["record_feedback"] and case.data["receiver_name"] == "李明"
    history = engine.instance_history(engine.SYSTEM, referral["case"])
    assert any(h.action == "task.complete" and h.actor == "外部链接:市安委办" for h in history)
    assert sum(h.action == "task.link_issued" for h in history) == 2  # by the inspector, then after the receipt

    assert get(stranger, path).status_code == 410  # used: the receipt is done
    next_path = re.search(r'value="(http://localhost/link/[^"]+)"', done.get_data(as_text=True)).group(1)[16:]
    assert _fill_used(stranger, path, next_path) == 410
    refused = _fill(stranger, next_path, {"committee_decision": "not_filed", "handled_by": "市应急管理局",
                                          "result_on": "2025-03-20", "feedback_text": "不予立案。"})
    assert refused.status_code == 422  # 不予立案 needs its reasons: nothing changed
    assert [t.element_id for t in engine.get_instance(engine.SYSTEM, referral["case"]).open_tasks] == ["record_feedback"]
    ok = _fill(stranger, next_path, {"committee_decision": "not_filed", "handled_by": "市应急管理局",
                                     "result_on": "2025-03-20", "feedback_text": "不予立案。",
                                     "decision_reason": "违法事实不清。"})
    assert ok.status_code == 200
    case = engine.get_instance(engine.SYSTEM, referral["case"])
    assert [t.element_id for t in case.open_tasks] == ["close_referral"] and case.data["committee_decision"] == "not_filed"


def _fill_used(client: FlaskClient, path: str, live: str) -> int:
    # the form of a used link is gone; a stale copy of it posted anyway (with a valid CSRF token) is refused
    page = get(client, live)
    return post_as_stranger(client, path, {"csrf_token": csrf_from(page.get_data(as_text=True)), **RECEIPT}).status_code


def test_tampered_expired_and_foreign_links_are_refused_and_change_nothing(app: Flask, referral, clock):
    path = _link(app.test_client(), referral)
    stranger = app.test_client()
    token = path.rsplit("/", 1)[1]
    payload, stamp, signature = token.split(".")
    other = "A" if signature[5] != "A" else "B"  # a signature byte changed (not the last char's unused bits)
    assert get(stranger, f"/link/{payload}.{stamp}.{signature[:5]}{other}{signature[6:]}").status_code == 404
    forged_party = payload[:-3] + ("AAA" if payload[-3:] != "AAA" else "BBB")  # the party changed, old signature
    assert get(stranger, f"/link/{forged_party}.{stamp}.{signature}").status_code == 404
    assert get(stranger, f"/link/{token}x").status_code == 404

    clock.advance(days=link_pages.LINK_DAYS - 1)
    assert get(stranger, path).status_code == 200
    clock.advance(days=2)  # by the engine's clock, like every deadline
    assert get(stranger, path).status_code == 410
    clock.advance(days=-(link_pages.LINK_DAYS + 1))
    other_key = URLSafeTimedSerializer("another-secret", salt=link_pages.SALT).dumps({"t": referral["receipt"], "p": "x"})
    assert get(stranger, f"/link/{other_key}").status_code == 404
    no_csrf = post_as_stranger(stranger, path, RECEIPT)
    assert no_csrf.status_code == 400
    assert [t.element_id for t in engine.get_instance(engine.SYSTEM, referral["case"]).open_tasks] == ["acknowledge_receipt"]


def test_only_linkable_steps_and_bureau_staff_who_see_the_case_get_links(app: Flask, referral):
    client = app.test_client()
    log_in_as(client, "officer_oil")
    assert post(client, f"/tasks/{referral['receipt']}/link", {"case_id": referral["case"]}).status_code == 404
    engine.complete_task(engine.get_actor("committee"), referral["receipt"], RECEIPT)
    assert post(app.test_client(), f"/tasks/{referral['receipt']}/link").status_code in (302, 400, 401)  # not logged in (nor a CSRF token)
    log_in_as(client, "inspector")
    assert post(client, f"/tasks/{referral['receipt']}/link").status_code == 409  # done: no more links
    engine.complete_task(engine.get_actor("committee"), _open(referral), {"committee_decision": "handled", "handled_by": "市应急管理局",
                                                       "result_on": "2025-03-20", "feedback_text": "已处理。",
                                                       "measures_taken": ["fine"]})
    close = _open(referral)
    assert post(client, f"/tasks/{close}/link").status_code == 400  # closing the case is the bureau's own step
    with app.app_context():  # signed with the app's own key, but for a step outside parties may not fill
        forged = link_pages.make_token(close, "市安委办")
    assert get(app.test_client(), f"/link/{forged}").status_code == 404


def _open(referral: dict[str, Any]) -> str:
    [task] = engine.get_instance(engine.SYSTEM, referral["case"]).open_tasks
    return task.id
