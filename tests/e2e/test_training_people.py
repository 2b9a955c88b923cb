"""Training counted in people, in a real browser at 1366×768 and 390×844: the enterprise keeps its staff register,
the principal enrols people from it, the inspector ticks who attended and who passed, the leaders read coverage in
people, and the accident register lists a near miss. Enterprise B cannot open A's register. Chinese only.
Screenshots: test-artifacts/screenshots/training-people-*-1366.png and *-390.png.
"""
from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

import engine
from engine.campaign import enterprises, staff
from tests.e2e.conftest import SCREENSHOTS, VENDOR_STAMP
from tests.e2e.test_zh_crawl import VISIBLE_TEXT, latin_words
from tests.e2e.walk_support import Walker, complete, fresh_database, serving_walk, take

pytestmark = pytest.mark.e2e

DESKTOP = {"width": 1366, "height": 768}
PHONE = {"width": 390, "height": 844}
ENT_A, ENT_B = "91220881MA00000000", "91220881MA10000006"
USERS = {
    "principal_a": dict(roles=["enterprise_principal"], enterprise=ENT_A, display_name="黄丽华"),
    "officer_b": dict(roles=["enterprise_safety_officer"], enterprise=ENT_B, display_name="钱安全"),
    "inspector": dict(roles=["bureau_inspector"], display_name="张伟"),
    "chief": dict(roles=["section_chief"], display_name="刘洋"),
    "admin": dict(roles=["admin"], display_name="管理员"),
}


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    if not VENDOR_STAMP.exists():
        pytest.fail("the web assets are not built: run `bash webui/assets/build.sh`", pytrace=False)
    data_dir = tmp_path_factory.mktemp("training-people-walk")
    fresh_database(data_dir, {ENT_A: ("洮南市甲餐饮有限公司", "catering"), ENT_B: ("洮南市乙成品油经销有限公司", "refined_oil")},
                   USERS)
    admin = engine.get_actor("admin")
    enterprises.set_enterprise_profile(ENT_A, actor="admin", scale="below_scale", standard_grade="level_2", benchmark=True)
    staff.add_person(admin, ENT_A, "黄丽华", "principal", "13904361001")
    staff.add_person(admin, ENT_A, "何永刚", "safety_manager", "13904361002")
    engine.start_instance(admin, "training_enrolment", {"enterprise_code": ENT_A, "year": 2024, "posts": [
        "principal", "safety_manager"], "include_safety_officer": True, "case_title": "2024年度安全培训报名"})
    engine.start_instance(admin, "accident_report", {
        "enterprise_code": ENT_A, "event_type": "near_miss", "accident_level": "near_miss", "occurred_on": "2024-11-08",
        "location": "后厨燃气灶区", "description": "燃气软管轻微泄漏，已关阀通风。", "deaths": 0, "serious_injuries": 0,
        "injuries": 0})
    with serving_walk(data_dir) as base:
        yield base


def shots(page: Any, name: str) -> None:
    """Full-page screenshots at desktop and phone width; the page must read in Chinese only."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    for size, label in ((DESKTOP, "1366"), (PHONE, "390")):  # before the check, which strips codes from the page
        page.set_viewport_size(size)
        page.screenshot(path=str(SCREENSHOTS / f"training-people-{name}-{label}.png"), full_page=True)
    page.set_viewport_size(DESKTOP)
    assert latin_words(page.evaluate(VISIBLE_TEXT)) == set(), page.url


def test_people_are_registered_enrolled_assessed_and_counted(walker: Walker, server: str) -> None:
    page = walker.as_user("principal_a")
    page.goto(f"{server}/my-enterprise")
    assert "标杆企业" in page.locator("[data-profile]").inner_text()
    page.get_by_role("link", name="人员台账").click()
    page.wait_for_url("**/my-enterprise/people")
    page.fill("#new-name", "郑保管")
    page.select_option("#new-post", "key_post")
    page.fill("#new-phone", "13904361003")
    page.get_by_role("button", name="添加", exact=True).click()
    page.wait_for_url("**/my-enterprise/people")
    assert page.locator("[data-person]").count() == 3
    shots(page, "register")

    take(page, server, "确认参训人员")
    boxes = page.locator("input[name='enrolled_people']")  # the register as it stood when the enrolment started
    assert [boxes.nth(i).is_checked() for i in range(boxes.count())] == [True, True]
    page.fill("[name='batch_name']", "餐饮行业第一期")
    shots(page, "enrol")
    complete(page, {})

    page = walker.as_user("inspector")
    take(page, server, "登记签到与考核")
    assert page.locator("input[name='attended_people']").count() == 2
    page.fill("[name='session_date']", "2024-06-20")
    for box in page.locator("input[name='attended_people']").all():
        box.check()
    page.locator("input[name='passed_people']").first.check()
    shots(page, "attendance")
    complete(page, {})

    page = walker.as_user("chief")
    page.goto(f"{server}/registers")
    page.get_by_role("link", name="培训覆盖情况（按人）").click()
    page.select_option("#cov-year", "2024")
    page.get_by_role("button", name="查看").click()
    catering = page.locator("[data-coverage='industries'] [data-line='catering']")
    assert [catering.locator(f"[data-count='{k}']").inner_text() for k in ("required", "enrolled", "trained", "passed")] \
        == ["2", "2", "2", "1"]
    shots(page, "coverage")
    page.goto(f"{server}/registers/accidents")
    assert page.locator("tbody tr").count() == 1
    shots(page, "accidents")
    page = walker.as_user("admin")
    page.goto(f"{server}/admin/enterprises")
    row = page.locator(f"tr[data-code='{ENT_A}']")
    assert "规下企业" in row.inner_text() and "标杆企业" in row.inner_text()
    shots(page, "admin-enterprises")

    page = walker.as_user("officer_b")
    response = page.goto(f"{server}/registers/enterprises/{ENT_A}/people")
    assert response is not None and response.status == 404
