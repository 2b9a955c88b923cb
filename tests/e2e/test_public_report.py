"""The public report in a real browser, on a phone (390×844): required fields named together with the captcha's
error (匿名举报 not starred), photos sent with the report and seen by the handler, the reference number and the
secret shown once, and the status page (已受理 → 已办结 with the handler's public reply; a wrong secret gets the
generic answer). Screenshots: test-artifacts/screenshots/report-*.png."""
from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest

from engine.runtime import db
from tests.e2e.conftest import SCREENSHOTS, VENDOR_STAMP
from tests.e2e.walk_support import Walker, attach, fresh_database, serving
from webui import create_app
from webui.pages import report

pytestmark = pytest.mark.e2e

PHONE = {"width": 390, "height": 844}
USERS = {"handler": dict(roles=["whistleblower_handler"], display_name="黄丽")}


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    if not VENDOR_STAMP.exists():
        pytest.fail("the web assets are not built: run `bash webui/assets/build.sh`", pytrace=False)
    data_dir = tmp_path_factory.mktemp("report-walk")
    fresh_database(data_dir, {}, USERS)
    app = create_app({"TESTING": True, "DATA_DIR": str(data_dir / "web"), "SECRET_KEY": "walk", "ENGINE_CONFIGURED": True})
    report.report_limit.reset()
    report.status_limit.reset()
    with serving(app) as base:
        yield base
    db.dispose()



def shot(page: Any, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


def public_page(walker: Walker) -> Any:
    context = walker.browser.new_context(locale="zh-CN", viewport=PHONE, is_mobile=True, has_touch=True)
    walker.contexts.append(context)
    page = context.new_page()
    page.on("console", lambda m: walker.errors.append(m.text) if m.type == "error" and "status of 4" not in m.text else None)
    page.on("pageerror", lambda e: walker.errors.append(f"uncaught: {e}"))
    return page


def answer_captcha(page: Any) -> None:
    a, b = map(int, re.search(r"(\d) \+ (\d)", page.locator("label[for=captcha]").inner_text()).groups())  # type: ignore[union-attr]
    page.fill("#captcha", str(a + b))


def look_up(page: Any, base: str, reference: str, secret: str) -> None:
    page.goto(f"{base}/report/status")
    page.fill("#reference", reference)
    page.fill("#secret", secret)
    page.get_by_role("button", name="查询进展").click()
    page.wait_for_load_state()


def test_a_reporter_files_with_photos_and_follows_the_report_to_its_reply(walker: Walker, server: str) -> None:
    page = public_page(walker)
    page.goto(f"{server}/report")
    anonymous = page.locator(".field--checkbox", has=page.locator("[name=anonymous]"))
    assert anonymous.locator(".field__required").count() == 0
    page.fill("#captcha", "99")  # wrong, and the required fields left empty: both are named at once
    page.get_by_role("button", name="提交举报").click()
    errors = page.locator(".field__error").all_inner_texts()
    assert "此项为必填项" in " ".join(errors) and any("验证问题回答错误" in e for e in errors)
    assert page.locator("#f-enterprise_name-error").is_visible() and page.locator("#captcha-error").is_visible()
    shot(page, "report-errors-390")

    page.fill("#f-enterprise_name", "洮南市某某饭店")
    page.fill("#f-enterprise_address", "光明街 1 号")
    page.fill("#f-description", "后厨安全出口被杂物堵塞，灭火器已过期。")
    attach(page, "photos", "安全出口.png", "灭火器.png")
    page.wait_for_selector(".file-preview__item >> nth=1")
    answer_captcha(page)
    page.get_by_role("button", name="提交举报").click()
    page.wait_for_selector("[data-secret]")
    reference = page.locator("[data-reference]").inner_text()
    secret = page.locator("[data-secret]").inner_text()
    assert re.fullmatch(r"JB-[0-9A-F]{8}", reference) and re.fullmatch(r"[2-9A-Z]{4}(-[2-9A-Z]{4}){3}", secret)
    assert "以便查询举报进展" in page.content()
    shot(page, "report-done-390")

    page.get_by_role("link", name="查询举报进展").click()
    look_up(page, server, reference, "AAAA-BBBB-CCCC-DDDD")
    assert page.locator("#lookup-error").inner_text() == "举报编号或查询码不正确，请核对后重试。"
    shot(page, "report-status-wrong-390")
    look_up(page, server, reference.lower(), secret.replace("-", ""))
    assert page.locator("[data-stage]").inner_text() == "已受理"
    shot(page, "report-status-received-390")

    handler = walker.as_user("handler")
    handler.set_viewport_size({"width": 1366, "height": 768})
    handler.goto(f"{server}/inbox?tab=candidate")
    card = handler.locator(".task-card", has_text="举报：洮南市某某饭店").first
    card.get_by_role("button", name="认领").click()
    handler.goto(f"{server}/inbox")
    handler.locator(".task-card", has_text="举报：洮南市某某饭店").first.get_by_role("link", name="受理核实").click()
    photos = handler.locator("[data-field=photos] .file-item")
    assert photos.count() == 2 and "安全出口.png" in photos.first.inner_text()
    assert handler.locator("[data-field=photos] img.file-thumb").first.evaluate("img => img.naturalWidth") > 0
    handler.select_option("[name=screening_result]", "unfounded")
    handler.fill("[name=screening_opinion]", "内部记录：现场核查时出口已清理。")
    handler.fill("[name=public_reply]", "经现场核查，安全出口已清理畅通，灭火器已更换。感谢您的监督。")
    handler.fill("[name=verified_on]", "2025-03-04")
    shot(handler, "report-handler-task-1366")
    handler.get_by_role("button", name="完成办理").click()
    handler.wait_for_url("**/cases/*")

    look_up(page, server, reference, secret)
    assert page.locator("[data-stage]").inner_text() == "已办结"
    assert page.locator("[data-reply]").inner_text() == "经现场核查，安全出口已清理畅通，灭火器已更换。感谢您的监督。"
    assert "内部记录" not in page.content() and "洮南市某某饭店" not in page.content()
    shot(page, "report-status-closed-390")
    assert walker.errors == []
