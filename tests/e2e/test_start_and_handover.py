"""Start permissions and the 转办 picker in a real browser: an enterprise officer's /start lists only enterprise
procedures, an inspector's the bureau's; on the inspector's grading step 退回 is not offered (nothing before it to
go back to) and 转办 offers only the colleagues who may take the step. Screenshots: test-artifacts/screenshots/
staff-start-officer-*.png, staff-start-inspector-*.png, staff-handover-picker-*.png."""
from __future__ import annotations

from collections.abc import Iterator

import pytest

import engine
from tests.e2e.conftest import VENDOR_STAMP, save_screenshots
from tests.e2e.walk_support import Walker, fresh_database, serving_walk, take

pytestmark = pytest.mark.e2e

ENT_A = "91220881MA00000000"
USERS = {
    "officer": dict(roles=["enterprise_safety_officer"], enterprise=ENT_A, display_name="何永刚"),
    "inspector": dict(roles=["bureau_inspector"], industries=["catering"], display_name="张伟"),
    "inspector2": dict(roles=["bureau_inspector"], industries=["catering"], display_name="李娜"),
    "inspector_oil": dict(roles=["bureau_inspector"], industries=["refined_oil"], display_name="王强"),
}
BUREAU_ONLY = ("年度安全培训", "移送执法", "通知公告发布", "治本攻坚季度汇报", "行业安全检查")


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    if not VENDOR_STAMP.exists():
        pytest.fail("the web assets are not built: run `bash webui/assets/build.sh`", pytrace=False)
    data_dir = tmp_path_factory.mktemp("start-walk")
    fresh_database(data_dir, {ENT_A: ("洮南市甲餐饮有限公司", "catering")}, USERS)
    with serving_walk(data_dir) as base:
        yield base



def test_start_lists_what_each_role_may_start(walker: Walker, server: str) -> None:
    officer = walker.as_user("officer")
    officer.goto(f"{server}/start")
    cards = officer.locator(".start-card")
    text = " ".join(cards.all_inner_texts())
    assert "隐患排查治理闭环" in text and "上报一项安全隐患" in text
    assert not [name for name in BUREAU_ONLY if name in text] and " · v" not in text
    save_screenshots(officer, "staff-start-officer")
    inspector = walker.as_user("inspector")
    inspector.goto(f"{server}/start")
    text = " ".join(inspector.locator(".start-card").all_inner_texts())
    assert all(name in text for name in BUREAU_ONLY if name != "治本攻坚季度汇报")
    save_screenshots(inspector, "staff-start-inspector")
    assert walker.errors == []


def test_the_handover_picker_offers_only_eligible_colleagues(walker: Walker, server: str) -> None:
    engine.start_instance(engine.get_actor("officer"), "hazard_closure", {
        "enterprise_code": ENT_A, "case_title": "后厨灭火器过期", "source": "self_check", "location": "后厨",
        "description": "两具灭火器压力不足", "category": "fire", "found_by": "何永刚", "found_at": "2025-03-03",
        "reported_level": "major"})  # judged major by the enterprise: the bureau grades it (hazard_closure v2)
    page = walker.as_user("inspector")
    take(page, server, "核实定级")
    assert page.locator("details.handover__item summary", has_text="退回").count() == 0
    page.locator("details.handover__item summary", has_text="转办").click()
    options = page.locator("#reassign-to option").all_inner_texts()
    assert any("李娜" in o for o in options) and not any("王强" in o or "何永刚" in o for o in options)
    page.fill("#reassign-q", "李")
    page.wait_for_function("document.querySelectorAll('#reassign-to option').length === 2")
    page.fill("#reassign-comment", "请李娜复核")
    page.locator("#reassign-to").select_option("inspector2")
    save_screenshots(page, "staff-handover-picker")
    assert walker.errors == []
