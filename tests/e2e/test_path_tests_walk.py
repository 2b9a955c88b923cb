"""A process owner tries a change before it goes live (issue 19 §2), in the browser: path tests written in the
editor fail on a draft that breaks a path and pass once it is put right; a failing one blocks the deploy until the
owner gives a reason.

Screenshots: test-artifacts/screenshots/owner-path-tests-failing-*.png, owner-path-tests-passing-*.png.
"""
from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

import engine
from engine.campaign import bootstrap
from tests.conftest import DATA
from tests.e2e.conftest import VENDOR_STAMP, save_screenshots
from tests.e2e.test_zh_crawl import latin_words
from tests.e2e.walk_support import fresh_database, serving_walk
from tests.engine.runtime.test_path_tests import PASSING, START, draft_without_failing_back

pytestmark = pytest.mark.e2e

USERS = {"owner": dict(roles=["process_owner"], display_name="马文")}
ENTERPRISES = {START["enterprise_code"]: ("洮南市甲餐饮有限公司", "catering")}
PANEL_TEXT = """() => {
  const panel = document.querySelector('[data-path-tests]');
  const parts = [panel.innerText];
  for (const el of panel.querySelectorAll('option')) parts.push(el.textContent);
  for (const el of panel.querySelectorAll('[aria-label], [placeholder]'))
    parts.push(el.getAttribute('aria-label') || '', el.getAttribute('placeholder') || '');
  return parts.join('\\n');
}"""


# review.bpmn has no diagram interchange: the editor needs shapes to draw, so the walk adds them.
SHAPES = {"start": (100, 200, 36, 36), "rectify": (200, 178, 100, 80), "accept": (360, 178, 100, 80),
          "timeout": (392, 240, 36, 36), "end_timeout": (392, 330, 36, 36), "gw": (520, 193, 50, 50),
          "close": (620, 178, 100, 80), "end": (780, 200, 36, 36)}
EDGES = {"f1": [(136, 218), (200, 218)], "f2": [(300, 218), (360, 218)], "f3": [(460, 218), (520, 218)],
         "f_pass": [(570, 218), (620, 218)], "f_fail": [(545, 193), (545, 140), (250, 140), (250, 178)],
         "f4": [(720, 218), (780, 218)], "f_to": [(410, 276), (410, 330)]}


def drawn(xml: str | bytes) -> str:
    """The diagram with shapes and edges for every element (as a modeler would have saved it)."""
    text = xml.decode("utf-8") if isinstance(xml, bytes) else xml
    shapes = "".join(f'<bpmndi:BPMNShape id="{k}_di" bpmnElement="{k}"><dc:Bounds x="{x}" y="{y}" width="{w}" height="{h}"/>'
                     f'</bpmndi:BPMNShape>' for k, (x, y, w, h) in SHAPES.items())
    edges = "".join(f'<bpmndi:BPMNEdge id="{k}_di" bpmnElement="{k}">' + "".join(f'<di:waypoint x="{x}" y="{y}"/>' for x, y in points)
                    + "</bpmndi:BPMNEdge>" for k, points in EDGES.items())
    text = text.replace('id="Defs_review"', 'xmlns:bpmndi="http://www.omg.org/spec/BPMN/20100524/DI" '
                        'xmlns:dc="http://www.omg.org/spec/DD/20100524/DC" xmlns:di="http://www.omg.org/spec/DD/20100524/DI" '
                        'id="Defs_review"')
    return text.replace("</bpmn:definitions>", f'<bpmndi:BPMNDiagram id="dia"><bpmndi:BPMNPlane id="plane" '
                        f'bpmnElement="review">{shapes}{edges}</bpmndi:BPMNPlane></bpmndi:BPMNDiagram></bpmn:definitions>')


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The app over a fresh SQLite database with `review` deployed and a process owner."""
    if not VENDOR_STAMP.exists():
        pytest.fail("the web assets are not built: run `bash webui/assets/build.sh`", pytrace=False)
    data_dir = tmp_path_factory.mktemp("path-tests")
    fresh_database(data_dir, ENTERPRISES, USERS)
    engine.deploy(drawn((DATA / "review.bpmn").read_bytes()).encode("utf-8"), actor="owner",
                  forms_given=bootstrap.read_forms(DATA / "forms"))
    engine.save_path_tests(engine.get_actor("owner"), "review", PASSING[:2])
    with serving_walk(data_dir, "path-tests") as base:
        yield base


def open_editor(page: Any, server: str) -> None:
    page.goto(f"{server}/processes/review/edit")
    page.wait_for_selector("#canvas[data-bpmn-state=ready]", state="attached")
    page.wait_for_selector("[data-pt-scenario]")


def import_draft(page: Any, xml: str) -> None:
    page.evaluate("async (xml) => { await window.SafeloopEditor.modeler.importXML(xml); }", xml)


def run_and_wait(page: Any) -> None:
    page.click('[data-pt-action="run"]')
    page.wait_for_function("() => [...document.querySelectorAll('[data-pt-scenario]')].every(c => c.dataset.result)")


def test_a_path_test_fails_on_a_broken_draft_then_passes_and_gates_the_deploy(walker: Any, server: str) -> None:
    page = walker.as_user("owner")
    open_editor(page, server)
    assert page.locator("[data-pt-scenario]").count() == 2
    assert page.input_value("[data-pt-scenario] [data-pt-name]") == PASSING[0]["name"]

    # the owner adds the timeout scenario in the panel: answer 整改, wait 11 days, expect 超时结束
    page.click('[data-pt-action="add"]')
    third = page.locator("[data-pt-scenario]").nth(2)
    third.locator("[data-pt-name]").fill("验收超时")
    third.locator("[data-pt-start]").fill('{"case_title": "灭火器过期", "enterprise_code": "%s", "spawn": false}'
                                         % START["enterprise_code"])
    third.get_by_role("button", name="添加步骤").click()
    third.locator("[data-pt-task]").select_option("rectify")
    third.locator("[data-pt-data]").fill('{"measures": "更换灭火器"}')
    third.get_by_role("button", name="添加等待").click()
    third.locator("[data-pt-wait]").fill("P11D")
    third.locator("[data-pt-expect]").select_option("end_timeout")
    page.click('[data-pt-action="save"]')
    page.wait_for_selector('[data-pt-status][data-kind="success"]')
    assert [s.name for s in engine.list_path_tests("review")] == [s["name"] for s in PASSING]

    # a draft where a failed acceptance ends the case: the second scenario fails at its expectation (step 3)
    import_draft(page, drawn(draft_without_failing_back()))
    run_and_wait(page)
    cards = page.locator("[data-pt-scenario]")
    assert [cards.nth(i).get_attribute("data-result") for i in range(3)] == ["passed", "failed", "passed"]
    failing = cards.nth(1).locator("[data-pt-result]").inner_text()
    assert "第 3 步" in failing and "期望停在任务「整改」" in failing and "已结束于「结束」" in failing
    assert page.locator('.djs-element.sl-invalid[data-element-id="rectify"]').count() == 1
    assert "3 个场景中 2 个通过" in page.inner_text("[data-pt-status]")
    assert latin_words(page.evaluate(PANEL_TEXT)) == set()
    cards.nth(1).scroll_into_view_if_needed()
    save_screenshots(page, "owner-path-tests-failing")

    # deploying the broken draft is blocked; deploying anyway needs a reason, which the audit keeps
    page.click('[data-action="deploy"]')
    page.wait_for_selector("[data-override]:not([hidden])")
    assert "路径测试未通过" in page.inner_text("[data-status]")
    assert engine.get_process("review").version == 1

    # put right (the original diagram back): every scenario passes
    import_draft(page, drawn((DATA / "review.bpmn").read_bytes()))
    run_and_wait(page)
    assert [cards.nth(i).get_attribute("data-result") for i in range(3)] == ["passed"] * 3
    assert "3 个场景中 3 个通过" in page.inner_text("[data-pt-status]")
    assert page.locator(".djs-element.sl-invalid").count() == 0
    save_screenshots(page, "owner-path-tests-passing")

    import_draft(page, drawn(draft_without_failing_back()))
    page.click('[data-action="deploy"]')
    page.wait_for_selector("[data-override]:not([hidden])")
    page.fill("[data-override-reason]", "不通过即结束，已与科室确认")
    page.click('[data-action="deploy-override"]')
    page.wait_for_url("**/processes")
    assert engine.get_process("review").version == 2
    assert [e for e in walker.errors if "status of 422" not in e] == []  # the blocked deploys answer 422


def test_a_token_runs_through_the_diagram_on_the_chosen_branch(walker: Any, server: str) -> None:
    page = walker.as_user("owner")
    open_editor(page, server)
    toggle = page.locator('[data-action="token-simulation"]')
    assert toggle.inner_text() == "令牌模拟"
    toggle.click()
    assert toggle.get_attribute("aria-pressed") == "true"
    assert "令牌模拟" in page.inner_text("[data-status]")
    branch = "() => { const m = window.SafeloopEditor.modeler; return m.get('simulator').getConfig(m.get('elementRegistry').get('gw')).activeOutgoing.id; }"
    fork = page.locator('.djs-overlays[data-container-id="gw"] .bts-context-pad[title="选择此分支"]')
    assert page.evaluate(branch) == "f_pass"
    fork.click()  # the owner tries the other branch, then back to 通过 → 销号
    assert page.evaluate(branch) == "f_fail"
    fork.click()
    assert page.evaluate(branch) == "f_pass"
    page.locator('.djs-overlays[data-container-id="start"] .bts-context-pad[title="触发事件"]').click()
    page.wait_for_selector('.djs-overlays[data-container-id="end"] .bts-element-notification:has-text("已结束")', timeout=30_000)
    assert page.locator('.djs-overlays[data-container-id="end_timeout"] .bts-element-notification').count() == 0
    assert page.locator(".bts-toggle-mode").is_hidden()
    titles = page.eval_on_selector_all(".bts-palette [title], .bts-context-pad[title]", "els => els.map(e => e.title)")
    assert titles and latin_words(" ".join(titles)) == set(), titles
    notes = page.inner_text(".bts-notifications")
    assert "流程已结束" in notes and latin_words(notes) == set(), notes
    save_screenshots(page, "owner-token-simulation")
    toggle.click()
    assert toggle.get_attribute("aria-pressed") == "false"
    assert walker.errors == []
