"""The registers (台账) in a real browser at 1366×768 and 390×844: the list of registers, one register with its
filters and its per-enterprise view, and an enterprise's own duties. No English word on the Chinese pages.
Screenshots: test-artifacts/screenshots/registers-*-1366.png and *-390.png.
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

ENT_A, ENT_B = "91220881MA00000000", "91220881MA10000006"
USERS = {
    "officer": dict(roles=["enterprise_safety_officer"], enterprise=ENT_A, display_name="何永刚"),
    "chief": dict(roles=["section_chief"], display_name="刘洋"),
    "admin": dict(roles=["admin"], display_name="管理员"),
    # named in engine/reference_data/responsibilities.json (权责清单): the register pages show them by name
    "zhaomin": dict(roles=["deputy_director"], display_name="赵敏"),
    "zhangwei": dict(roles=["bureau_inspector"], display_name="张伟"),
    "lina": dict(roles=["bureau_inspector"], display_name="李娜"),
    "wangqiang": dict(roles=["bureau_inspector"], display_name="王强"),
    "liujing": dict(roles=["section_chief"], display_name="刘静"),
    "huangli": dict(roles=["whistleblower_handler"], display_name="黄丽"),
    "sunlei": dict(roles=["director"], display_name="孙磊"),
}


def _start(key: str, data: dict[str, Any]) -> engine.InstanceView:
    return engine.start_instance(engine.get_actor("admin"), key, data)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    if not VENDOR_STAMP.exists():
        pytest.fail("the web assets are not built: run `bash webui/assets/build.sh`", pytrace=False)
    data_dir = tmp_path_factory.mktemp("registers-walk")
    fresh_database(data_dir, {ENT_A: ("洮南市甲餐饮有限公司", "catering"), ENT_B: ("洮南市乙成品油经销有限公司", "refined_oil")},
                   USERS)
    today = engine.get_clock().now().date()
    late, soon = (today - timedelta(days=20)).isoformat(), (today + timedelta(days=40)).isoformat()
    names = {"unannounced": "四不两直", "joint": "联合检查", "routine": "例行检查"}
    for code, kind, deadline in ((ENT_A, "unannounced", late), (ENT_A, "joint", soon), (ENT_B, "routine", soon),
                                 (ENT_B, "routine", late)):
        _start("industry_inspection", {"enterprise_code": code, "case_title": f"行业安全检查（{names[kind]}）",
                                       "inspection_type": kind, "period": f"{today.year}H2", "deadline": deadline})
    _start("evacuation_drill", {"enterprise_code": ENT_A, "case_title": "疏散逃生演练", "period": f"{today.year}H2",
                                "drill_interval": "year", "deadline": late})
    _start("quarterly_principal_check", {"enterprise_code": ENT_A, "case_title": "主要负责人带队重大隐患排查",
                                         "period": f"{today.year}Q4", "deadline": soon})
    with serving_walk(data_dir) as base:
        yield base



def shots(page: Any, name: str) -> None:
    """Full-page screenshots at desktop and phone width; the page must read in Chinese only."""
    chinese_shots(page, f"registers-{name}")


def test_a_leader_walks_the_registers(walker: Walker, server: str) -> None:
    page = walker.as_user("chief")
    page.get_by_role("link", name="台账", exact=True).first.click()
    page.wait_for_url("**/registers")
    inspections = page.locator('[data-kind="inspections"]')
    assert inspections.locator('[data-count="due"]').inner_text() == "4"
    assert inspections.locator('[data-count="overdue"]').inner_text() == "2"
    shots(page, "index")

    inspections.get_by_role("link", name="行业安全检查台账").click()
    page.wait_for_url("**/registers/inspections*")
    assert page.locator("tbody tr").count() == 4 and page.locator("tr.is-overdue").count() == 2
    duty = page.locator('[data-responsibility="inspections"]')  # 权责清单 (item 2): who answers for this register
    assert duty.is_visible() and "商贸流通科" in duty.inner_text() and "赵敏" in duty.inner_text()
    assert "张伟、李娜、王强" in duty.inner_text()
    shots(page, "inspections")
    duty.get_by_role("link", name="权责清单").click()
    page.wait_for_url("**/responsibilities")
    assert page.locator("[data-section]").count() == 3 and page.locator("[data-duty]").count() == 13
    shots(page, "responsibilities")
    page.goto(f"{server}/registers/inspections")
    page.select_option("#g-state", "overdue")
    page.get_by_role("button", name="筛选").click()
    page.wait_for_url("**state=overdue*")
    assert page.locator("tbody tr").count() == 2
    page.get_by_role("link", name="按企业查看").click()
    page.wait_for_url("**view=enterprises*")
    assert page.locator("tbody tr").count() == 2
    shots(page, "by-enterprise")
    page.locator(f'tr[data-enterprise="{ENT_A}"] a').click()
    page.wait_for_url(f"**/registers/enterprises/{ENT_A}")
    assert page.locator('.duty[data-state="overdue"]').count() == 2
    page.goto(f"{server}/registers/inspections")
    with page.expect_download() as download:
        page.get_by_role("link", name="导出 Excel").click()
    assert download.value.suggested_filename.endswith(".xlsx")
    assert walker.errors == []


def test_an_enterprise_sees_its_own_duties(walker: Walker, server: str) -> None:
    page = walker.as_user("officer")
    page.get_by_role("link", name="本企业", exact=True).first.click()
    page.wait_for_url("**/my-enterprise")
    assert "洮南市甲餐饮有限公司" in page.locator("h1").inner_text()
    assert page.locator(".duty").count() == 4 and page.locator('.duty[data-state="overdue"]').count() == 2
    shots(page, "my-enterprise")
    page.goto(f"{server}/registers/inspections")
    assert page.locator("tbody tr").count() == 2 and "乙成品油" not in page.content()
    assert walker.errors == []
