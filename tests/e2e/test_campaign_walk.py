"""Notices, read receipts, daily self-checks and the schedule page, in a real browser.

A notice to two enterprises is approved; the first enterprise's **principal** (the receipt step's alternate role)
confirms reading from the inbox; the inspector follows the receipts page. One officer does the day's self-check
through its checklist form, the other enterprise's check of yesterday was closed as missed; the inspector sees both
on the self-check register tab and the dashboard tiles. The administrator pauses the daily dispatcher on the
schedule page and resumes it. Screenshots go to test-artifacts/screenshots/campaign-*.png.
"""
from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

import engine
from engine.campaign import campaign_dates
from engine.runtime import clock, db, timers
from tests.e2e.conftest import CHROMIUM, VENDOR_STAMP, save_screenshots
from tests.e2e.walk_support import Walker, complete, fill, fresh_database, serving, take
from webui import create_app

pytestmark = pytest.mark.e2e

ENT_A = "91220881MA00000000"
ENT_B = "91220881MA10000006"
USERS = {
    "officer": dict(roles=["enterprise_safety_officer"], enterprise=ENT_A, display_name="何永刚"),
    "principal": dict(roles=["enterprise_principal"], enterprise=ENT_A, display_name="黄丽华"),
    "officer_b": dict(roles=["enterprise_safety_officer"], enterprise=ENT_B, display_name="王磊"),
    "inspector": dict(roles=["bureau_inspector"], industries=["catering"], display_name="张伟"),
    "chief": dict(roles=["section_chief"], display_name="刘静"),
    "admin": dict(roles=["admin"], display_name="系统管理员"),
}
NOTICE = {"title": "关于开展燃气安全专项检查的通知", "body": "请各餐饮单位本周内完成燃气管道、软管和报警装置自查。",
          "target_type": "all"}
CHECKLIST = {"check_" + k: True for k in ("exits_clear", "fire_equipment_ok", "electrical_ok", "gas_ok",
                                          "special_operations_ok", "storage_ok")}


@pytest.fixture(scope="module")
def campaign_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """The app over a fresh SQLite database: bundled processes, campaign dates, two enterprises, a published notice,
    today's self-check for enterprise A and yesterday's (missed) for enterprise B."""
    if not VENDOR_STAMP.exists():
        pytest.fail("the web assets are not built: run `bash webui/assets/build.sh`", pytrace=False)
    data_dir = tmp_path_factory.mktemp("campaign-walk")
    fresh_database(data_dir, {ENT_A: ("洮南市甲餐饮有限公司", "catering"), ENT_B: ("洮南市乙餐饮有限公司", "catering")}, USERS)
    campaign_dates.seed()
    actors = {name: engine.get_actor(name) for name in USERS}

    notice = engine.start_instance(actors["inspector"], "notice_distribution", {"title": NOTICE["title"]})
    draft = notice.open_tasks[0]
    notice = engine.complete_task(actors["inspector"], draft.id, dict(NOTICE))
    engine.complete_task(actors["chief"], notice.open_tasks[0].id, {"approval_decision": "approved"})

    today = clock.now().astimezone(clock.CHINA_TZ).date()
    yesterday = (today - timedelta(days=1)).isoformat()
    for who, code, day in (("officer", ENT_A, today.isoformat()), ("officer_b", ENT_B, yesterday)):
        engine.start_instance(actors[who], "daily_self_check",
                              {"enterprise_code": code, "case_title": f"{day} 每日安全自查", "deadline": day})
    timers.fire_due()  # yesterday's check is past its 23:59 timer: closed as missed

    app = create_app({"TESTING": True, "DATA_DIR": str(data_dir / "web"), "SECRET_KEY": "campaign-walk",
                      "ENGINE_CONFIGURED": True})
    with serving(app) as base:
        yield {"base": base, "notice_id": notice.id}
    db.dispose()


@pytest.fixture
def walker(browser: Any, campaign_server: dict[str, Any]) -> Iterator[Walker]:
    if not CHROMIUM.exists():
        pytest.skip("no chromium")
    w = Walker(browser, campaign_server["base"], [])
    yield w
    w.close()


def shot(page: Any, name: str) -> list[Path]:
    return save_screenshots(page, f"campaign-{name}")


def test_receipts_self_checks_and_schedules_through_the_pages(walker: Walker, campaign_server: dict[str, Any]) -> None:
    base, notice_id = campaign_server["base"], campaign_server["notice_id"]

    # The principal (not only the safety officer) confirms reading the notice from the inbox.
    principal = walker.as_user("principal")
    take(principal, base, "已读确认")
    assert NOTICE["body"] in principal.locator("[data-field=notice_body]").inner_text()  # shown, not editable
    assert principal.locator("[data-field=notice_body] textarea, [name=notice_body]").count() == 0
    assert "企业安全管理人员 / 企业主要负责人" in principal.locator(".page-header__kicker").inner_text()
    shot(principal, "receipt-task")
    complete(principal, {"read_confirmed": True, "ack_remark": "已在员工食堂公告栏张贴。"})
    assert "已办结" in principal.locator(".case-aside").inner_text()

    # The inspector follows the receipts: one confirmed (by the principal), one pending.
    inspector = walker.as_user("inspector")
    inspector.goto(f"{base}/notices/{notice_id}")
    text = inspector.locator("main").inner_text()
    assert "洮南市甲餐饮有限公司" in text and "黄丽华" in text and "洮南市乙餐饮有限公司" in text
    assert inspector.locator("[data-state=confirmed]").count() == 1
    assert inspector.locator("[data-state=pending]").count() == 1
    shot(inspector, "notice-receipts")

    # The officer does today's self-check through the checklist form.
    officer = walker.as_user("officer")
    take(officer, base, "开展每日安全自查")
    fill(officer, {**CHECKLIST, "checked_by": "何永刚"})
    shot(officer, "self-check-task")
    complete(officer, {})

    # The self-check register tab and the dashboard tiles show one done and one missed.
    inspector.goto(f"{base}/register/self-checks")
    rows = inspector.locator("table tbody tr")
    assert rows.count() == 2
    by_name = {rows.nth(i).locator("td").first.inner_text(): rows.nth(i).inner_text() for i in range(2)}
    assert any("洮南市乙餐饮有限公司" in name for name in by_name)
    shot(inspector, "self-checks")
    inspector.goto(f"{base}/dashboard")
    inspector.wait_for_selector("[data-dashboard][data-state=ready]")
    tiles = inspector.locator("main").inner_text()
    assert "自查" in tiles and "通知" in tiles
    shot(inspector, "dashboard")

    # The administrator pauses the daily dispatcher, then resumes it.
    admin = walker.as_user("admin")
    admin.goto(f"{base}/admin/schedules")
    row = admin.locator('tr[data-process="daily_self_check_dispatch"]')
    assert row.get_attribute("data-status") == "pending"
    assert admin.locator('tr[data-kind="campaign"]').count() >= 4  # 5·12, 安全生产月, 6·16, 消防宣传月
    shot(admin, "schedules")
    row.get_by_role("button", name="暂停").click()
    admin.wait_for_selector('tr[data-process="daily_self_check_dispatch"][data-status="paused"]')
    shot(admin, "schedules-paused")
    admin.locator('tr[data-process="daily_self_check_dispatch"]').get_by_role("button", name="恢复").click()
    admin.wait_for_selector('tr[data-process="daily_self_check_dispatch"][data-status="pending"]')
    assert walker.errors == []
