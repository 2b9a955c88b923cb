"""Diagrams and the phone layout in a real browser, at 1366×768 and 390×844.

Every diagram (case page, admin case page, version compare, editor) has zoom out / zoom in / fit / full screen;
a desktop opens a large diagram with legible labels (never below SafeloopViewer.MIN_READABLE), a phone shows the
path so far and the current step as a list above it. On a phone the main navigation folds into a menu, inbox tabs
that do not fit show an arrow, and a task page puts the case summary before the form. The editor's palette does not
cover the start event. Screenshots: test-artifacts/screenshots/diagram-*-1366.png and *-390.png.
"""
from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import engine
from tests.e2e.conftest import SCREENSHOTS, VENDOR_STAMP
from tests.e2e.walk_support import Walker, fresh_database, serving_walk

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[2]
DESKTOP = {"width": 1366, "height": 768}
PHONE = {"width": 390, "height": 844}
ENT = "91220881MA00000000"
USERS = {
    "officer": dict(roles=["enterprise_safety_officer"], enterprise=ENT, display_name="何永刚"),
    "inspector": dict(roles=["bureau_inspector"], industries=["catering"], display_name="张伟"),
    "admin": dict(roles=["admin", "process_owner"], display_name="管理员"),
}
READY = "[data-bpmn-viewer][data-bpmn-state=ready]"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    if not VENDOR_STAMP.exists():
        pytest.fail("the web assets are not built: run `bash webui/assets/build.sh`", pytrace=False)
    data_dir = tmp_path_factory.mktemp("diagram-walk")
    fresh_database(data_dir, {ENT: ("洮南市甲餐饮有限公司", "catering")}, USERS)
    case = engine.start_instance(engine.get_actor("officer"), "hazard_closure", {
        "enterprise_code": ENT, "case_title": "后厨灭火器过期", "source": "self_check", "location": "后厨",
        "description": "两具灭火器压力不足", "category": "fire", "found_by": "何永刚", "found_at": "2025-03-03",
        "reported_level": "major"})  # judged major by the enterprise: the bureau grades it (hazard_closure v2)
    inspector = engine.get_actor("inspector")
    [task] = case.open_tasks
    engine.claim(inspector, task.id)
    engine.complete_task(inspector, task.id, {"is_hazard": True, "hazard_level": "general", "judged_by": "other",
                                              "deadline": "2025-03-13", "responsible_person": "后厨主管",
                                              "grading_opinion": "属实。"})
    xml = (ROOT / "processes" / "whistleblower_intake.bpmn").read_text(encoding="utf-8")
    engine.deploy(xml.replace('name="受理核实"', 'name="受理并核实"').encode("utf-8"), actor="admin")
    with serving_walk(data_dir) as base:
        yield base



def shot(page: Any, name: str, full: bool = False) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=full)


def at(page: Any, size: dict[str, int], path: str, server: str) -> None:
    page.set_viewport_size(size)
    page.goto(f"{server}{path}")
    page.wait_for_selector(READY)


def zoom(frame: Any) -> float:
    return float(frame.get_attribute("data-zoom"))


def case_id(walker: Walker) -> int:
    [case] = engine.list_instances(engine.get_actor("admin"), process_key="hazard_closure").items
    return case.id


def whole_diagram_visible(page: Any, frame: Any) -> bool:
    return frame.locator(READY).evaluate("""el => {
        const box = el.bpmnViewer.get('canvas').viewbox();
        return box.inner.x >= box.x - 1 && box.inner.y >= box.y - 1 &&
               box.inner.x + box.inner.width <= box.x + box.width + 1 && box.inner.y + box.inner.height <= box.y + box.height + 1;
    }""")


def test_the_case_diagram_opens_legible_and_its_controls_zoom_fit_and_go_full_screen(walker: Walker, server: str) -> None:
    page = walker.as_user("admin")
    at(page, DESKTOP, f"/cases/{case_id(walker)}", server)
    frame = page.locator(".bpmn-frame").first
    opening = zoom(frame)
    assert opening >= page.evaluate("SafeloopViewer.MIN_READABLE") - 0.001  # labels stay legible
    current = page.locator(".djs-element.sl-current").first.bounding_box()
    canvas = frame.locator(".bpmn-canvas").bounding_box()
    assert canvas["x"] <= current["x"] and current["x"] + current["width"] <= canvas["x"] + canvas["width"]
    assert canvas["height"] >= 500  # 68vh of 768
    shot(page, "diagram-case-1366")

    frame.get_by_role("button", name="放大").click()
    assert zoom(frame) > opening
    frame.get_by_role("button", name="缩小").click()
    frame.get_by_role("button", name="缩小").click()
    assert zoom(frame) < opening
    frame.get_by_role("button", name="适应窗口").click()
    fitted = zoom(frame)
    assert whole_diagram_visible(page, frame) and fitted < opening
    frame.get_by_role("button", name="放大").click()
    frame.get_by_role("button", name="适应窗口").click()
    assert zoom(frame) == fitted  # fit resets the zoom
    assert frame.locator("[data-bpmn-zoom]").inner_text() == f"{round(fitted * 100)}%"

    toggle = frame.locator("[data-bpmn-action=fullscreen]")
    frame.get_by_role("button", name="全屏", exact=True).click()
    page.wait_for_function("document.fullscreenElement && document.fullscreenElement.classList.contains('bpmn-frame')")
    page.wait_for_function("b => b.getAttribute('aria-pressed') === 'true'", arg=toggle.element_handle())
    assert toggle.inner_text().strip() == "退出全屏"
    page.wait_for_function("el => el.clientHeight > 700", arg=frame.locator(".bpmn-canvas").element_handle())
    shot(page, "diagram-case-fullscreen-1366")
    frame.get_by_role("button", name="退出全屏", exact=True).click()
    page.wait_for_function("!document.fullscreenElement")
    page.wait_for_function("b => b.getAttribute('aria-pressed') === 'false'", arg=toggle.element_handle())
    assert page.locator("[data-diagram-steps]").is_hidden()  # the list is for phones
    assert walker.errors == []


def test_a_phone_lists_the_path_above_the_whole_diagram(walker: Walker, server: str) -> None:
    page = walker.as_user("admin")
    at(page, PHONE, f"/cases/{case_id(walker)}", server)
    steps = page.locator("[data-diagram-steps]")
    assert steps.is_visible()
    assert steps.locator(".diagram-steps__item--done").all_inner_texts()[0].startswith("核实定级")
    assert steps.locator("[aria-current=step]").inner_text() == "整改并上传佐证"
    canvas = page.locator(".bpmn-canvas").first
    assert steps.bounding_box()["y"] < canvas.bounding_box()["y"]
    assert whole_diagram_visible(page, page.locator(".bpmn-frame").first)
    shot(page, "diagram-case-390", full=True)
    frame = page.locator(".bpmn-frame").first
    before = zoom(frame)
    frame.get_by_role("button", name="放大").click()
    assert zoom(frame) > before
    assert walker.errors == []


def test_the_admin_case_page_and_the_compare_page_have_the_controls(walker: Walker, server: str) -> None:
    page = walker.as_user("admin")
    at(page, DESKTOP, f"/admin/cases/{case_id(walker)}", server)
    frame = page.locator(".bpmn-frame").first
    assert zoom(frame) >= page.evaluate("SafeloopViewer.MIN_READABLE") - 0.001
    before = zoom(frame)
    frame.get_by_role("button", name="放大").click()
    assert zoom(frame) > before
    shot(page, "diagram-admin-case-1366")
    at(page, PHONE, f"/admin/cases/{case_id(walker)}", server)
    assert page.locator("[data-diagram-steps]").is_visible()

    at(page, DESKTOP, "/processes/whistleblower_intake/compare?old=1&new=2", server)
    page.wait_for_function("document.querySelectorAll('[data-bpmn-viewer][data-bpmn-state=ready]').length === 2")
    frames = page.locator(".bpmn-frame")
    assert frames.count() == 2 and frames.nth(1).locator(".sl-changed").count() >= 1
    right = frames.nth(1)
    right.get_by_role("button", name="适应窗口").click()
    assert whole_diagram_visible(page, right)
    shot(page, "diagram-compare-1366", full=True)
    assert walker.errors == []


def test_the_editor_opens_with_the_start_event_clear_of_the_palette(walker: Walker, server: str) -> None:
    page = walker.as_user("admin")
    page.set_viewport_size(DESKTOP)
    page.goto(f"{server}/processes/whistleblower_intake/edit")
    page.wait_for_selector("#canvas[data-bpmn-state=ready]")
    palette = page.locator(".djs-palette").bounding_box()
    start = page.locator(".djs-element[data-element-id=start_report]").bounding_box()
    assert start["x"] > palette["x"] + palette["width"]
    frame = page.locator(".bpmn-frame")
    before = zoom(frame)
    frame.get_by_role("button", name="放大").click()
    assert zoom(frame) > before
    frame.get_by_role("button", name="适应窗口").click()
    assert zoom(frame) == before
    shot(page, "diagram-editor-1366")
    assert walker.errors == []


def test_phone_navigation_tabs_and_task_page(walker: Walker, server: str) -> None:
    page = walker.as_user("inspector")
    page.set_viewport_size(PHONE)
    page.goto(f"{server}/inbox?tab=done")
    toggle = page.locator("[data-nav-toggle]")
    assert toggle.is_visible() and page.locator("#site-nav-list").is_hidden()
    assert "待办" in toggle.inner_text()
    tabs = page.locator(".tabs").first
    assert "tabs--more-right" in tabs.get_attribute("class")  # more tabs to the right: the arrow shows
    shot(page, "phone-inbox-390")
    toggle.click()
    assert page.locator("#site-nav-list").is_visible() and toggle.get_attribute("aria-expanded") == "true"
    assert page.get_by_role("link", name="隐患清单").is_visible()
    shot(page, "phone-menu-390")
    toggle.click()
    tabs.evaluate("el => { el.scrollLeft = el.scrollWidth; el.dispatchEvent(new Event('scroll')); }")
    page.wait_for_function("el => !el.classList.contains('tabs--more-right')", arg=tabs.element_handle())

    page.set_viewport_size(DESKTOP)
    page.reload()
    assert page.locator("[data-nav-toggle]").is_hidden() and page.locator("#site-nav-list").is_visible()

    officer = walker.as_user("officer")
    officer.set_viewport_size(PHONE)
    officer.goto(f"{server}/inbox?tab=candidate")
    officer.locator(".task-card", has_text="整改并上传佐证").first.get_by_role("link", name="整改并上传佐证").click()
    summary = officer.locator(".case-aside").bounding_box()
    form = officer.locator("#form-title").bounding_box()
    assert summary["y"] < form["y"]
    shot(officer, "phone-task-390", full=True)
    officer.set_viewport_size(DESKTOP)
    summary = officer.locator(".case-aside").bounding_box()
    form = officer.locator("#form-title").bounding_box()
    assert summary["x"] > form["x"]  # beside the form on a wide screen
    assert walker.errors == []
