"""A major hazard walked from report to strike-off through the staff pages, in a real browser.

The enterprise safety officer reports it, the inspector grades it, the expert confirms it, the
principal acknowledges and files the five-fixes plan, the section chief approves, the officer
reports the rectification, expert and inspector accept, the principal publicizes: the case is
closed and off the open register. Screenshots of each main page (desktop and phone) go to
test-artifacts/screenshots/staff-*.png.
"""
from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.conftest import CHROMIUM, VENDOR_STAMP, save_screenshots
from tests.e2e.walk_support import Walker, attach, complete, fill, fresh_database, serving_walk, take

pytestmark = pytest.mark.e2e

ENT_A = "91220881MA00000000"
ENT_B = "91220881MA10000006"
USERS = {
    "officer": dict(roles=["enterprise_safety_officer"], enterprise=ENT_A, display_name="何永刚"),
    "principal": dict(roles=["enterprise_principal"], enterprise=ENT_A, display_name="黄丽华"),
    "inspector": dict(roles=["bureau_inspector"], industries=["catering"], display_name="张伟"),
    "expert": dict(roles=["expert"], industries=["catering"], display_name="周健"),
    "chief": dict(roles=["section_chief"], display_name="刘静"),
    "officer_b": dict(roles=["enterprise_safety_officer"], enterprise=ENT_B, display_name="王磊"),
}
ENTERPRISES = {ENT_A: ("洮南市甲餐饮有限公司", "catering"), ENT_B: ("洮南市乙餐饮有限公司", "catering")}
TITLE = "后厨燃气管道老化漏气"


@pytest.fixture(scope="module")
def staff_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The app on a loopback port over a fresh SQLite database with the bundled processes and our users."""
    if not VENDOR_STAMP.exists():
        pytest.fail("the web assets are not built: run `bash webui/assets/build.sh`", pytrace=False)
    data_dir = tmp_path_factory.mktemp("staff-walk")
    fresh_database(data_dir, ENTERPRISES, USERS)
    with serving_walk(data_dir) as base:
        yield base


@pytest.fixture
def walker(browser: Any, staff_server: str) -> Iterator[Walker]:
    if not CHROMIUM.exists():
        pytest.skip("no chromium")
    errors: list[str] = []
    w = Walker(browser, staff_server, errors)
    yield w
    w.close()


def shot(page: Any, name: str) -> list[Path]:
    return save_screenshots(page, f"staff-{name}")


def test_a_major_hazard_walks_from_report_to_strike_off(walker: Walker, staff_server: str) -> None:
    base, today = staff_server, date.today()
    later = (today + timedelta(days=20)).isoformat()

    # 1. The enterprise officer reports the hazard (the header shows name, role and enterprise).
    officer = walker.as_user("officer")
    header = officer.locator(".user-card").inner_text()
    assert "何永刚" in header and "企业安全管理人员" in header and "洮南市甲餐饮有限公司" in header
    officer.goto(f"{base}/start/hazard_closure")
    fill(officer, {"case_title": TITLE, "location": "二楼后厨燃气表间", "category": "gas",
                   "description": "燃气软管老化开裂，闻到燃气味。", "reported_level": "major"})  # judged major: the bureau grades it
    shot(officer, "start")
    officer.get_by_role("button", name="发起").click()
    officer.wait_for_url("**/cases/*")
    case_url = officer.url
    assert TITLE in officer.locator("h1").inner_text()

    # Another enterprise's officer never sees it: not in the register, 404 on the case page.
    other = walker.as_user("officer_b")
    assert other.goto(case_url).status == 404
    other.goto(f"{base}/register")
    assert TITLE not in other.content()
    walker.errors.clear()  # the browser logs the intended 404

    # 2. The inspector grades it: first with the required fields missing (errors by each field).
    inspector = walker.as_user("inspector")
    inspector.goto(f"{base}/inbox?tab=candidate")
    shot(inspector, "inbox-candidate")
    take(inspector, base, "核实定级")
    fill(inspector, {"is_hazard": True, "hazard_level": "major"})
    inspector.get_by_role("button", name="完成办理").click()
    assert inspector.locator(".field__error").count() >= 2
    assert inspector.locator("[data-field='grading_opinion'] .field__error").inner_text() == "此项为必填项"
    shot(inspector, "task-errors")
    walker.errors.clear()  # the browser logs the intended 422
    complete(inspector, {"judged_by": "gas", "standard_clause": "城镇燃气经营安全重大隐患判定标准 第六条",
                         "deadline": later, "responsible_person": "何永刚", "grading_opinion": "燃气软管老化，构成重大隐患。"})

    # 3. The expert confirms; 4–5. the principal acknowledges and files the five fixes.
    expert = walker.as_user("expert")
    take(expert, base, "专家会商确认重大隐患")
    complete(expert, {"hazard_level": "major", "judged_by": "gas", "standard_clause": "第六条",
                      "expert_names": "周健", "expert_opinion": "同意认定为重大事故隐患。"})
    # 3a. The section chief lists it for supervision and reports it to the city safety committee office.
    chief = walker.as_user("chief")
    take(chief, base, "决定挂牌督办及停产整顿")
    complete(chief, {"supervision_listed": True, "supervision_listed_by": "洮南市商务局",
                     "supervision_listed_on": today.isoformat(), "supervising_leader": "王副局长",
                     "supervision_deadline": later, "committee_reported": True,
                     "committee_reported_on": today.isoformat(), "committee_document_no": "洮商安〔2025〕12号",
                     "suspension_ordered": False})
    principal = walker.as_user("principal")
    take(principal, base, "签收重大隐患通知")
    complete(principal, {"principal_name": "黄丽华", "actual_controller_name": "黄丽华", "acknowledged": True,
                         "acknowledged_on": today.isoformat(), "interim_measures": "停用后厨燃气，改用电磁炉。",
                         "list_publicized": True})
    take(principal, base, "制定整改方案")
    complete(principal, {"responsible_person": "何永刚", "responsible_phone": "13800000000",
                         "measures": "更换全部燃气软管为金属波纹管，加装燃气泄漏报警切断装置。", "funds": "12000",
                         "deadline": later, "contingency_plan": "整改期间停用燃气，配备灭火器两具。"})

    # 6. The section chief approves the plan, from the inbox; the task page shows the case beside the form.
    shot(chief, "inbox")
    take(chief, base, "审批整改方案")
    assert "五落实" in chief.content() or "整改" in chief.locator(".case-aside").inner_text()
    shot(chief, "task")
    complete(chief, {"plan_decision": "approve"})

    # 7. The officer reports the rectification done; 8–9. expert and inspector accept it.
    take(officer, base, "重大隐患整改及进度报告")
    fill(officer, {"progress_stage": "completed", "progress_percent": "100", "progress_summary": "已全部更换。",
                   "completed_on": today.isoformat()})
    attach(officer, "evidence", "整改后-1.png", "整改后-2.png")
    assert officer.locator(".file-preview img").count() == 2
    shot(officer, "task-evidence")
    complete(officer, {})
    assert officer.locator("text=整改后-1.png").count() >= 1
    take(expert, base, "专家参与验收")
    complete(expert, {"expert_result": "pass", "expert_names": "周健", "expert_opinion": "整改到位。"})
    take(inspector, base, "验收")
    complete(inspector, {"acceptance_result": "pass", "accepted_on": today.isoformat(), "acceptance_opinion": "验收合格，同意销号。"})

    # The register's major list shows the five fixes while the case is still open (publicity pending).
    chief.goto(f"{base}/register?view=major")
    assert "金属波纹管" in chief.locator(".register-table").inner_text()
    assert "王副局长" in chief.locator(".register-table").inner_text()  # listed for supervision (挂牌督办)
    shot(chief, "register-major")

    # 10. The principal publicizes the result: the case is struck off.
    take(principal, base, "内部公示整改结果")
    attach(principal, "publicity_photos", "公示照片.png")
    complete(principal, {"publicized_on": today.isoformat(), "publicity_scope": "全体员工"})
    assert "已办结" in principal.locator(".case-aside").inner_text()

    chief.goto(case_url)
    chief.wait_for_selector("[data-bpmn-state=ready]")
    assert chief.locator(".djs-element.sl-completed").count() >= 8
    assert chief.locator(".timeline__item").count() >= 10
    shot(chief, "case")
    chief.goto(f"{base}/register")
    shot(chief, "register")
    chief.goto(f"{base}/dashboard")
    chief.wait_for_selector("[data-dashboard][data-state=ready]")
    assert chief.locator("[data-kpi=major_loop]").inner_text() == "100%"
    shot(chief, "dashboard")
    chief.goto(f"{base}/notifications")
    assert chief.locator("h1").inner_text() == "提醒"
    shot(chief, "notifications")
    chief.goto(f"{case_url}?lang=en")  # the same case in English
    chief.wait_for_selector("[data-bpmn-state=ready]")
    assert chief.locator("#timeline-title").inner_text() == "Timeline"
    assert "Section chief" in chief.locator(".user-card").inner_text()
    assert "Closed" in chief.locator(".case-aside").inner_text()
    shot(chief, "case-en")
    assert walker.errors == []


def test_public_report_and_login_pages(page: Any, staff_server: str, console_errors: list[str],
                                       screenshot: Callable[[Any, str], list[Path]]) -> None:
    page.goto(f"{staff_server}/login")
    page.fill("#username", "officer")
    page.fill("#password", "wrong-password")
    page.click("form.stack button[type=submit]")
    assert page.locator("#login-error").inner_text() == "用户名或密码错误，请检查后重试。"
    screenshot(page, "staff-login")
    console_errors.clear()  # the browser logs the intended 401
    page.goto(f"{staff_server}/report")
    question = page.locator("label[for=captcha]").inner_text()
    a, b = (int(x) for x in question.split("：", 1)[1].split("=")[0].split("+"))
    fill(page, {"enterprise_name": "某某饭店", "enterprise_address": "洮南市光明街 1 号",
                "description": "安全出口被杂物堵塞。", "captcha": str(a + b)})
    screenshot(page, "staff-report")
    page.get_by_role("button", name="提交举报").click()
    assert page.locator("[data-reference]").inner_text().startswith("JB-")
    assert console_errors == []
