"""The heat map in a browser: hazard_closure's statistics over six simulated weeks of demo data (the demo
enterprises and people, the campaign simulator playing them), seen by the section chief at 1366 and 390 wide.

Screenshots: test-artifacts/screenshots/statistics-heat-map-{1366,390}.png, statistics-p90-1366.png,
statistics-slowest-1366.png.
"""
from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest

import engine
from engine.campaign import simulation
from tests.e2e.conftest import SCREENSHOTS, VENDOR_STAMP
from tests.e2e.walk_support import PASSWORD, chinese_shots, serving_walk

pytestmark = pytest.mark.e2e

START, UNTIL = date(2024, 4, 8), date(2024, 5, 19)
PAGE = f"/processes/hazard_closure/statistics?from={START}&to={UNTIL}"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A fresh SQLite database with six weeks of simulated campaign on eight demo enterprises."""
    if not VENDOR_STAMP.exists():
        pytest.fail("the web assets are not built: run `bash webui/assets/build.sh`", pytrace=False)
    data_dir: Path = tmp_path_factory.mktemp("statistics-walk")
    engine.configure(database_url=f"sqlite:///{data_dir / 'safeloop.db'}", data_dir=data_dir)
    simulation.prepare_and_run(START, UNTIL, seed=3, self_checks=False, enterprises=8)
    engine.set_password("liujing", PASSWORD)
    with serving_walk(data_dir, "statistics-walk") as base:
        yield base



def test_the_heat_map_colours_the_steps_and_counts_the_flows(walker):
    page = walker.as_user("liujing")
    page.goto(walker.base + PAGE)
    page.wait_for_selector("[data-heat-state=ready]")
    coloured = page.locator(".djs-element[class*='sl-heat-']:not(.sl-heat-none)")
    assert coloured.count() >= 3
    flows = page.locator("[data-flow-count]")
    assert flows.count() > 10 and int(page.locator("[data-flow-count]").first.text_content() or "0") >= 0
    assert sum(int(f.text_content() or 0) for f in flows.all()) > 0
    assert page.locator("[data-step-measure]").count() >= 3
    assert page.locator(".stat-table tbody tr").count() >= 5
    chinese_shots(page, "statistics-heat-map", settle_ms=400)
    low_median = page.locator("[data-legend-low]").text_content()
    page.check("input[name=colour][value=overdue]")
    assert page.locator("[data-legend-high]").text_content() == "100%" and "colour=overdue" in page.url
    page.check("input[name=colour][value=p90]")
    assert page.locator("[data-legend-low]").text_content() != "" and low_median
    page.screenshot(path=str(SCREENSHOTS / "statistics-p90-1366.png"), full_page=True)
    assert walker.errors == []


def test_a_click_on_a_step_opens_its_slowest_cases(walker):
    page = walker.as_user("liujing")
    page.goto(walker.base + PAGE)
    page.wait_for_selector("[data-heat-state=ready]")
    assert float(page.locator(".bpmn-frame").get_attribute("data-zoom") or 1) < 0.8  # the whole diagram at first
    step = page.locator(".djs-element.sl-heat-4").first
    element_id = step.get_attribute("data-element-id")
    step.click()
    details = page.locator(f"[data-slowest='{element_id}']")
    assert details.get_attribute("open") is not None
    link = details.locator("a").first
    href = link.get_attribute("href")
    page.screenshot(path=str(SCREENSHOTS / "statistics-slowest-1366.png"), full_page=False)
    link.click()
    page.wait_for_url(f"**{href}")
    assert walker.errors == []
