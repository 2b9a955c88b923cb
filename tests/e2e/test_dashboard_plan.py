"""The dashboard against the plan's targets and the pre-filled quarterly report, in a real browser at 1366×768 and
390×844: a leader reads the tiles (figure, n/d, target, 达标/未达标), switches the year, follows a tile to the register
rows behind it, and opens the quarterly report already filled from the registers. No English word on the pages.
Screenshots: test-artifacts/screenshots/dashboard-plan-*-1366.png and *-390.png.
"""
from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest

import engine
from tests.e2e.conftest import VENDOR_STAMP
from tests.e2e.walk_support import Walker, chinese_shots, fresh_database, serving_walk

pytestmark = pytest.mark.e2e

ENT_A, ENT_B, ENT_C = "91220881MA00000000", "91220881MA10000006", "91220881MA2000000C"
USERS = {
    "chief": dict(roles=["section_chief"], display_name="刘洋"),
    "admin": dict(roles=["admin"], display_name="管理员"),
}


def _start(key: str, data: dict[str, Any]) -> engine.InstanceView:
    return engine.start_instance(engine.get_actor("admin"), key, data)


def _last_quarter(today: Any) -> str:
    quarter = (today.month - 1) // 3
    return f"{today.year}Q{quarter}" if quarter else f"{today.year - 1}Q4"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    if not VENDOR_STAMP.exists():
        pytest.fail("the web assets are not built: run `bash webui/assets/build.sh`", pytrace=False)
    data_dir = tmp_path_factory.mktemp("dashboard-plan-walk")
    fresh_database(data_dir, {ENT_A: ("洮南市甲餐饮有限公司", "catering"), ENT_B: ("洮南市乙成品油经销有限公司", "refined_oil")},
                   USERS)
    engine.add_enterprise(ENT_C, "洮南市丙油品储运有限公司", "refined_oil", risk_grade="red")
    today = engine.get_clock().now().date()
    late, soon = (today - timedelta(days=20)).isoformat(), (today + timedelta(days=20)).isoformat()
    for code, deadline in ((ENT_A, late), (ENT_B, soon), (ENT_C, late)):
        _start("industry_inspection", {"enterprise_code": code, "case_title": "行业安全检查（例行检查）",
                                       "inspection_type": "routine", "period": f"{today.year}H2", "deadline": deadline})
    _start("evacuation_drill", {"enterprise_code": ENT_A, "case_title": "疏散逃生演练", "period": f"{today.year}H2",
                                "drill_interval": "year", "deadline": late})
    period = _last_quarter(today)
    _start("quarterly_progress_report", {"period": period, "case_title": f"{period} 治本攻坚进展情况汇报",
                                         "deadline": soon})
    with serving_walk(data_dir) as base:
        yield base


def shots(page: Any, name: str) -> None:
    """Full-page screenshots at desktop and phone width; the page must read in Chinese only."""
    chinese_shots(page, f"dashboard-plan-{name}", settle_ms=150)  # let Chart.js redraw at each width


def test_a_leader_reads_the_plans_targets_and_follows_a_tile_to_its_rows(walker: Walker, server: str) -> None:
    page = walker.as_user("chief")
    page.goto(f"{server}/dashboard")
    page.wait_for_selector('[data-dashboard][data-state="ready"]')
    inspections = page.locator('[data-tile="inspections"]')
    assert inspections.locator('[data-kpi="inspections"]').inner_text() == "0%"
    assert inspections.locator('[data-ratio="inspections"]').inner_text() == "0/2"
    assert inspections.locator('[data-met="inspections"]').inner_text() == "未达标"
    assert "另有 1 项尚在期限内" in inspections.inner_text()
    high_risk = page.locator('[data-tile="inspections_high_risk"]')
    assert high_risk.locator('[data-ratio="inspections_high_risk"]').inner_text() == "0/1"
    assert page.locator('[data-kpi="major_loop"]').inner_text() == "—"  # nothing to count: no verdict
    shots(page, "to-date")

    year = str(engine.get_clock().now().year)
    page.locator(f'.year-tabs a[data-year="{year}"]').click()
    page.wait_for_url(f"**/dashboard?year={year}")
    page.wait_for_selector('[data-dashboard][data-state="ready"]')
    assert page.locator('.year-tabs a[aria-current="page"]').inner_text() == year
    shots(page, "year")

    page.locator('[data-tile="inspections"] a[data-state="overdue"]').click()
    page.wait_for_url("**/registers/inspections?*state=overdue*")
    assert page.locator("tbody tr").count() == 2 and page.locator("tr.is-overdue").count() == 2
    page.goto(f"{server}/dashboard")
    page.locator('[data-tile="inspections_high_risk"] a[data-state="overdue"]').click()
    page.wait_for_url("**risk=red,orange*")
    assert page.locator("tbody tr").count() == 1 and "丙油品储运" in page.locator("tbody").inner_text()
    assert "风险等级：" in page.locator('[data-filter="risk"]').inner_text()
    shots(page, "register")
    assert walker.errors == []


def test_the_quarterly_report_opens_pre_filled_from_the_registers(walker: Walker, server: str) -> None:
    page = walker.as_user("chief")
    [task] = [t for t in engine.list_tasks(engine.get_actor("chief"), scope="all").items
              if t.element_id == "draft_report"]
    page.goto(f"{server}/tasks/{task.id}")
    for name in ("major_open", "major_new", "inspections_done", "referrals"):
        assert page.locator(f'[name="{name}"]').input_value() == "0"
    assert page.locator('[data-field="register_inspections_done"]').inner_text().endswith("0")
    shots(page, "report")
    assert walker.errors == []
