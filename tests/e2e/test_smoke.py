"""Smoke tests in a real browser: the layout, the languages, the security headers and the
bpmn-js builds (viewer and modeler bundle) load and render without console errors."""

from __future__ import annotations

from typing import Any

import pytest

pytestmark = pytest.mark.e2e


def test_healthz_answers_ok(page: Any, live_server: str) -> None:
    response = page.goto(f"{live_server}/healthz")
    assert response.status == 200
    assert response.json() == {"status": "ok"}


def test_home_page_renders_in_chinese_without_console_errors(
    page: Any, live_server: str, console_errors: list[str], screenshot: Any
) -> None:
    response = page.goto(f"{live_server}/")
    assert response.status == 200
    assert page.locator("html").get_attribute("lang") == "zh-CN"
    assert page.title() == "首页 · 安全闭环"
    assert page.locator("h1").inner_text() == "欢迎使用安全闭环"
    assert page.locator(".brand__name").inner_text() == "安全闭环"
    page.wait_for_function("() => document.documentElement.classList.contains('js') && window.htmx")
    assert page.evaluate("htmx.config.includeIndicatorCSS") is False  # base.html's htmx-config
    screenshot(page, "home-zh")
    assert console_errors == []


def test_pages_carry_a_strict_content_security_policy(page: Any, live_server: str) -> None:
    headers = page.goto(f"{live_server}/").headers
    policy = headers["content-security-policy"]
    assert "script-src 'self'" in policy
    script_src = next(part for part in policy.split(";") if part.strip().startswith("script-src"))
    assert "unsafe" not in script_src
    assert "frame-ancestors 'none'" in policy
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["referrer-policy"] == "same-origin"


def test_language_switch_shows_english_and_is_remembered(
    page: Any, live_server: str, console_errors: list[str], screenshot: Any
) -> None:
    page.goto(f"{live_server}/")
    page.get_by_role("link", name="English").click()
    page.wait_for_url("**/?lang=en")
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.locator("h1").inner_text() == "Welcome to Safeloop"
    screenshot(page, "home-en")
    page.goto(f"{live_server}/")
    assert page.locator("h1").inner_text() == "Welcome to Safeloop"
    page.get_by_role("link", name="中文").click()
    assert page.locator("h1").inner_text() == "欢迎使用安全闭环"
    assert console_errors == []


def test_layout_fits_a_phone_screen_without_sideways_scrolling(page: Any, live_server: str) -> None:
    page.set_viewport_size({"width": 375, "height": 812})
    page.goto(f"{live_server}/")
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    assert page.locator(".lang-switch").is_visible()


def test_bpmn_viewer_renders_the_sample_diagram_with_progress_marked(
    page: Any, live_server: str, console_errors: list[str], screenshot: Any
) -> None:
    page.goto(f"{live_server}/static/dev/viewer.html")
    page.wait_for_selector("#canvas[data-bpmn-state='ready']")
    assert page.locator(".djs-element[data-element-id='Task_verify'].sl-completed").count() == 1
    assert page.locator(".djs-element[data-element-id='Task_supervise'].sl-current").count() == 1
    assert "挂牌督办" in page.locator("#canvas").inner_text()
    screenshot(page, "dev-viewer")
    assert console_errors == []


def test_modeler_bundle_shows_palette_and_properties_panel_in_chinese(
    page: Any, live_server: str, console_errors: list[str], screenshot: Any
) -> None:
    page.goto(f"{live_server}/static/dev/modeler.html")
    page.wait_for_selector("#canvas[data-bpmn-state='ready']")
    assert page.locator(".djs-palette").get_by_role("button", name="创建任务").count() == 1
    page.locator(".djs-element[data-element-id='Task_report']").click()
    page.wait_for_selector(".bio-properties-panel-header")
    assert "通用" in page.locator("#properties").inner_text()  # the "General" group
    screenshot(page, "dev-modeler")
    assert console_errors == []
