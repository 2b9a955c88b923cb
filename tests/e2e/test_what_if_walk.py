"""A process owner sees what a shorter deadline would do before it goes live (issue 19 §2, what-if), in the browser:
the draft shortens 整改 from five days to two; 对比试算 replays the last three months of real cases with both
versions and the table shows the draft's overdue tasks and escalations per working day up, in red.

Screenshots: test-artifacts/screenshots/owner-what-if-desktop.png, -phone.png, owner-what-if-panel.png and
owner-what-if-panel-phone.png.
"""
from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest
from sqlalchemy import select

import engine
from engine.campaign import bootstrap
from engine.runtime import db
from engine.runtime.models import Task
from tests.conftest import DATA
from tests.e2e.conftest import SCREENSHOTS, VENDOR_STAMP, save_screenshots
from tests.e2e.test_zh_crawl import latin_words
from tests.e2e.walk_support import fresh_database, serving_walk
from tests.engine.campaign.test_what_if import BPMN, shortened

pytestmark = pytest.mark.e2e

ENT = "91220881MA00000000"
USERS = {"owner": dict(roles=["process_owner"], display_name="马文"),
         "officer": dict(roles=["enterprise_safety_officer"], enterprise=ENT, display_name="李安"),
         "inspector": dict(roles=["bureau_inspector"], industries=["catering"], display_name="王检")}
PANEL_TEXT = """() => {
  const panel = document.querySelector('[data-what-if]');
  const parts = [panel.innerText];
  for (const el of panel.querySelectorAll('option')) parts.push(el.textContent);
  for (const el of panel.querySelectorAll('[title], [aria-label]'))
    parts.push(el.getAttribute('title') || '', el.getAttribute('aria-label') || '');
  return parts.join('\\n');
}"""


def real_cases(count: int = 30) -> None:
    """Cases of the last two months: 整改 done in two to four days, 验收 the next day (so the deployed five days
    is mostly kept, the draft's two days mostly not)."""
    manual = engine.ManualClock(datetime.now(timezone.utc) - timedelta(days=70))
    token = engine.set_clock(manual)
    officer, inspector = engine.get_actor("officer"), engine.get_actor("inspector")
    try:
        for n in range(count):
            manual.set(datetime.now(timezone.utc) - timedelta(days=70 - 2 * n, hours=n % 5))
            case = engine.start_instance(officer, "what_if", {"case_title": f"灭火器过期 {n + 1} 号"})
            for who, days, answers in ((officer, 2 + n % 3, {"measures": "更换灭火器"}), (inspector, 1, {"result": "pass"})):
                manual.advance(days=days, hours=n % 7)
                with db.unit_of_work(write=False) as s:
                    task_id = s.scalar(select(Task.id).where(Task.instance_id == case.id, Task.status == "open"))
                engine.complete_task(who, task_id, answers)
    finally:
        engine.reset_clock(token)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The app over a fresh SQLite database with `what_if` deployed, two months of its cases and a process owner."""
    if not VENDOR_STAMP.exists():
        pytest.fail("the web assets are not built: run `bash webui/assets/build.sh`", pytrace=False)
    data_dir = tmp_path_factory.mktemp("what-if")
    fresh_database(data_dir, {ENT: ("洮南市甲餐饮有限公司", "catering")}, USERS)
    engine.deploy(BPMN.encode("utf-8"), actor="owner", forms_given=bootstrap.read_forms(DATA / "forms"))
    real_cases()
    with serving_walk(data_dir, "what-if") as base:
        yield base


def test_a_shorter_deadline_shows_more_escalations_side_by_side(walker: Any, server: str) -> None:
    page = walker.as_user("owner")
    page.goto(f"{server}/processes/what_if/edit")
    page.wait_for_selector("#canvas[data-bpmn-state=ready]", state="attached")
    panel = page.locator("[data-what-if]")
    assert panel.locator("h2").inner_text() == "对比试算"
    assert page.locator("[data-wi-months]").input_value() == "3"

    # the owner shortens 整改 to two days in the draft, then compares it with the deployed version
    page.evaluate("async (xml) => { await window.SafeloopEditor.modeler.importXML(xml); }",
                  shortened(2).decode("utf-8"))
    page.click('[data-wi-action="run"]')
    page.wait_for_selector("[data-wi-result]:not([hidden])", timeout=90_000)
    assert "试算完成" in page.inner_text("[data-wi-status]")
    heads = page.locator("[data-wi-table] thead th").all_inner_texts()
    assert heads == ["指标", "现行版本 v1", "草稿", "差异"]

    def row(measure: str) -> list[str]:
        return page.locator(f'[data-wi-measure="{measure}"] > *').all_inner_texts()

    started = row("cases_started")
    assert started[0] == "开始事项" and started[1] == started[2] and int(started[1]) > 10
    overdue = row("overdue_tasks")
    assert int(overdue[2]) > int(overdue[1]) and overdue[3].startswith("+")
    escalations = page.locator('[data-wi-measure="escalations_per_working_day"] .what-if__diff')
    assert escalations.get_attribute("data-change") == "worse"
    assert float(row("escalations_per_working_day")[2]) > float(row("escalations_per_working_day")[1])
    assert escalations.evaluate("el => getComputedStyle(el).color") == "rgb(179, 38, 30)"  # --c-danger
    rectify = page.locator('[data-wi-step="rectify"] > *').all_inner_texts()
    assert rectify[0] == "整改"
    assert page.locator('[data-wi-step="rectify"] .what-if__diff').get_attribute("data-change") == "worse"
    basis = page.inner_text("[data-wi-basis]")
    assert "回放" in basis and "个工作日" in basis
    assert latin_words(page.evaluate(PANEL_TEXT)) == set()
    panel.scroll_into_view_if_needed()
    save_screenshots(page, "owner-what-if")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    panel.screenshot(path=str(SCREENSHOTS / "owner-what-if-panel.png"))
    page.set_viewport_size({"width": 390, "height": 844})  # on a phone the tables scroll sideways inside the panel
    panel.screenshot(path=str(SCREENSHOTS / "owner-what-if-panel-phone.png"))
    assert engine.get_process("what_if").version == 1  # nothing deployed
    assert walker.errors == []
