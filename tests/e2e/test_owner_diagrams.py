"""A process owner's diagrams in the browser: the editor keeps what it does not edit, who may start a process is
set in its properties panel, and the version compare names each change and colours it on both diagrams.

Screenshots: test-artifacts/screenshots/owner-starters-*.png, owner-compare-semantic-*.png (and -en).
"""
from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import engine
from engine.runtime import db, diagram_diff
from tests.e2e.conftest import VENDOR_STAMP, VIEWPORTS, save_screenshots
from tests.e2e.walk_support import PASSWORD, fresh_database, serving
from webui import create_app

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[2]
PROCESSES = sorted((ROOT / "processes").glob("*.bpmn"))
USERS = {"owner": dict(roles=["process_owner"], display_name="马文")}
# Extensions the editor has no field for: they must come back out of it as they went in.
FOREIGN = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:camunda="http://camunda.org/schema/1.0/bpmn"
  xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core" xmlns:vendor="urn:example:vendor"
  xmlns:bpmndi="http://www.omg.org/spec/BPMN/20100524/DI" xmlns:dc="http://www.omg.org/spec/DD/20100524/DC"
  xmlns:di="http://www.omg.org/spec/DD/20100524/DI" id="d" targetNamespace="t">
  <bpmn:process id="foreign" isExecutable="true" camunda:candidateStarterGroups="bureau_inspector" camunda:candidateStarterUsers="ma_wen" vendor:flag="1">
    <bpmn:startEvent id="s" isInterrupting="true"><bpmn:extensionElements>
      <spiffworkflow:instructionsForEndUser>请核对</spiffworkflow:instructionsForEndUser>
      <spiffworkflow:preScript>x = 1</spiffworkflow:preScript>
      <camunda:inputOutput><camunda:inputParameter name="a">1</camunda:inputParameter></camunda:inputOutput>
      <vendor:note level="2"><vendor:line/></vendor:note>
    </bpmn:extensionElements><bpmn:outgoing>f1</bpmn:outgoing></bpmn:startEvent>
    <bpmn:userTask id="t" name="核对" camunda:formKey="k" camunda:candidateGroups="g"><bpmn:incoming>f1</bpmn:incoming></bpmn:userTask>
    <bpmn:boundaryEvent id="b" cancelActivity="true" attachedToRef="t"><bpmn:timerEventDefinition><bpmn:timeDuration>P1D</bpmn:timeDuration></bpmn:timerEventDefinition></bpmn:boundaryEvent>
    <bpmn:sequenceFlow id="f1" sourceRef="s" targetRef="t"/>
  </bpmn:process>
  <bpmndi:BPMNDiagram id="dia"><bpmndi:BPMNPlane id="plane" bpmnElement="foreign">
    <bpmndi:BPMNShape id="s_di" bpmnElement="s"><dc:Bounds x="100" y="100" width="36" height="36"/></bpmndi:BPMNShape>
    <bpmndi:BPMNShape id="t_di" bpmnElement="t"><dc:Bounds x="200" y="78" width="100" height="80"/></bpmndi:BPMNShape>
    <bpmndi:BPMNShape id="b_di" bpmnElement="b"><dc:Bounds x="232" y="140" width="36" height="36"/></bpmndi:BPMNShape>
    <bpmndi:BPMNEdge id="f1_di" bpmnElement="f1"><di:waypoint x="136" y="118"/><di:waypoint x="200" y="118"/></bpmndi:BPMNEdge>
  </bpmndi:BPMNPlane></bpmndi:BPMNDiagram>
</bpmn:definitions>"""


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The app over a fresh SQLite database with the bundled processes and a process owner."""
    if not VENDOR_STAMP.exists():
        pytest.fail("the web assets are not built: run `bash webui/assets/build.sh`", pytrace=False)
    data_dir = tmp_path_factory.mktemp("owner-diagrams")
    fresh_database(data_dir, {}, USERS)
    app = create_app({"TESTING": True, "DATA_DIR": str(data_dir / "web"), "SECRET_KEY": "owner-diagrams",
                      "ENGINE_CONFIGURED": True})
    with serving(app) as base:
        yield base
    db.dispose()


@pytest.fixture
def owner(browser: Any, server: str) -> Iterator[tuple[Any, list[str]]]:
    errors: list[str] = []
    context = browser.new_context(locale="zh-CN", viewport=VIEWPORTS["desktop"])
    context.set_default_timeout(15_000)
    page = context.new_page()
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(f"uncaught: {e}"))
    page.goto(f"{server}/login")
    page.fill("#username", "owner")
    page.fill("#password", PASSWORD)
    page.click("form.stack button[type=submit]")
    page.wait_for_url("**/inbox")
    yield page, errors
    context.close()


def open_editor(page: Any, server: str, key: str) -> None:
    page.goto(f"{server}/processes/{key}/edit")
    page.wait_for_selector("#canvas[data-bpmn-state=ready]", state="attached")


def round_trip(page: Any, xml: str) -> str:
    """Import a diagram into the editor's modeler and save it again, as Download BPMN and Deploy do."""
    return page.evaluate("""async (xml) => { const m = window.SafeloopEditor.modeler; await m.importXML(xml);
        return (await m.saveXML({ format: true })).xml; }""", xml)


def test_every_process_comes_back_out_of_the_editor_with_the_same_meaning(owner: Any, server: str) -> None:
    page, errors = owner
    open_editor(page, server, "hazard_closure")
    saved = page.evaluate("async () => (await window.SafeloopEditor.modeler.saveXML({ format: true })).xml")
    assert diagram_diff.diff_xml("hazard_closure", 1, 1, engine.get_bpmn("hazard_closure", 1), saved).same_meaning
    for path in PROCESSES:
        original = path.read_text(encoding="utf-8")
        saved = round_trip(page, original)
        diff = diagram_diff.diff_xml(path.stem, 1, 1, original, saved)
        assert diff.same_meaning, (path.name, diff)  # bpmn-js may add isMarkerVisible to a gateway's shape: layout
        assert saved.count('cancelActivity="true"') == original.count('cancelActivity="true"'), path.name
        assert saved.count("candidateStarterGroups=") == original.count("candidateStarterGroups="), path.name

    saved = round_trip(page, FOREIGN)
    assert diagram_diff.diff_xml("foreign", 1, 1, FOREIGN, saved).same_meaning
    for kept in ('isInterrupting="true"', 'cancelActivity="true"', "<spiffworkflow:instructionsForEndUser>请核对",
                 "<spiffworkflow:preScript>x = 1", '<camunda:inputParameter name="a">1', '<vendor:note level="2">',
                 'vendor:flag="1"', 'camunda:candidateStarterUsers="ma_wen"', 'camunda:formKey="k"'):
        assert kept in saved, kept
    assert errors == []


def test_owner_sets_who_may_start_in_the_properties_panel(owner: Any, server: str) -> None:
    page, errors = owner
    open_editor(page, server, "hazard_closure")
    assert page.inner_text("#properties .bio-properties-panel-header-type") == "协作"
    assert page.is_visible('[data-sl-field="starterGroups"]')
    checked = page.eval_on_selector_all("[data-sl-starter-role]:checked", "boxes => boxes.map(b => b.value)")
    assert checked == ["enterprise_safety_officer", "grid_worker"]
    effective = page.inner_text("[data-sl-effective]")
    assert "业务科室人员 — 开始事件所在泳道" in effective and "网格员 — 可发起角色" in effective

    page.uncheck('[data-sl-starter-role][value="grid_worker"]')
    page.check('[data-sl-starter-role][value="section_chief"]')
    page.fill("[data-sl-starter-users]", "ma_wen, zhao_li")
    page.press("[data-sl-starter-users]", "Tab")
    effective = page.inner_text("[data-sl-effective]")
    assert "网格员" not in effective and "科室负责人 — 可发起角色" in effective and "zhao_li — 用户" in effective
    assert page.get_attribute("[data-editor]", "data-dirty") == "true"
    page.eval_on_selector(".editor__side", "side => { side.scrollTop = 0; }")
    save_screenshots(page, "owner-starters")

    page.evaluate("() => { const m = window.SafeloopEditor.modeler; m.get('selection').select(m.get('elementRegistry').get('timer_long_overdue')); }")
    assert page.inner_text("#properties .bio-properties-panel-header-type") == "定时器边界事件"
    assert page.is_hidden('[data-sl-field="starterGroups"]')
    page.click('[data-action="deploy"]')
    page.wait_for_url("**/processes")
    xml = engine.get_bpmn("hazard_closure", 2)
    assert 'camunda:candidateStarterGroups="enterprise_safety_officer,section_chief"' in xml
    assert 'camunda:candidateStarterUsers="ma_wen,zhao_li"' in xml and 'cancelActivity="true"' in xml
    diff = diagram_diff.compare_versions("hazard_closure", 1, 2)
    assert [(c.element_id, c.what) for c in diff.changed] == [("hazard_closure", ("starters",))]
    assert errors == []


def _second_version(xml: str) -> str:
    """hazard_closure changed in every way the compare names: name, lane, form, deadline, condition, timer, an end
    event replaced (removed + added, its flow reconnected) and a shape moved."""
    edits = [
        ('name="核实定级"', 'name="现场核实定级"'),
        ("<bpmn:flowNodeRef>acknowledge_notice</bpmn:flowNodeRef>", ""),
        ("<bpmn:flowNodeRef>rectify_general</bpmn:flowNodeRef>",
         "<bpmn:flowNodeRef>rectify_general</bpmn:flowNodeRef><bpmn:flowNodeRef>acknowledge_notice</bpmn:flowNodeRef>"),
        ('value="hazard_grading"/>\n          <spiffworkflow:property name="dueIn" value="P3D"',
         'value="hazard_grading"/>\n          <spiffworkflow:property name="dueIn" value="P2D"'),
        ("is_hazard and hazard_level == 'major'", "is_hazard and hazard_level in ('major', 'serious')"),
        ("add_days(deadline, 30)", "add_days(deadline, 20)"),
        ("end_unfounded", "end_not_a_hazard"),
        ('name="不构成隐患，办结"', 'name="不构成隐患"'),
    ]
    for old, new in edits:
        assert old in xml, old
        xml = xml.replace(old, new)
    return re.sub(r'(<bpmndi:BPMNShape id="approve_plan_di" bpmnElement="approve_plan">\s*<dc:Bounds x=")(\d+)',
                  lambda m: m.group(1) + str(int(m.group(2)) + 40), xml)


def test_compare_names_each_change_and_colours_it_on_both_diagrams(owner: Any, server: str) -> None:
    page, errors = owner
    old = engine.get_bpmn("hazard_closure", 1)
    new = engine.deploy(_second_version(old).encode("utf-8"), actor="owner").process
    page.goto(f"{server}/processes/hazard_closure/compare?old=1&new={new.version}")
    page.wait_for_selector("[data-added][data-marks-done]", state="attached")
    page.wait_for_selector("[data-removed][data-marks-done]", state="attached")

    def row(element_id: str) -> str:
        return page.inner_text(f'tr[data-element-id="{element_id}"]')

    assert "名称" in row("grade_hazard") and "核实定级 → 现场核实定级" in row("grade_hazard") and "用户任务" in row("grade_hazard")
    assert "期限" in row("grade_hazard") and "P3D → P2D" in row("grade_hazard")
    assert "办理角色" in row("acknowledge_notice") and "企业主要负责人 → 企业安全管理人员" in row("acknowledge_notice")
    assert "条件" in row("Flow_gw_grade_expert_confirm") and "顺序流" in row("Flow_gw_grade_expert_confirm")
    assert "定时器" in row("timer_long_overdue") and "边界事件（定时器）" in row("timer_long_overdue")
    assert "新增" in row("end_not_a_hazard") and "结束事件" in row("end_not_a_hazard")
    assert "删除" in row("end_unfounded")
    assert page.locator('tr[data-element-id="approve_plan"]').count() == 0  # moved only: listed under layout
    assert "审批整改方案" in page.text_content("[data-layout-changes]")
    assert page.locator('tr[data-element-id="timer_day_over"], tr:has-text("cancelActivity")').count() == 0

    old_box, new_box = page.locator("[data-removed]"), page.locator("[data-added]")
    assert old_box.locator('.djs-element.sl-removed[data-element-id="end_unfounded"]').count() == 1
    assert new_box.locator('.djs-element.sl-added[data-element-id="end_not_a_hazard"]').count() == 1
    for box in (old_box, new_box):
        for element_id in ("grade_hazard", "acknowledge_notice", "timer_long_overdue", "Flow_gw_grade_expert_confirm"):
            assert box.locator(f'.sl-changed[data-element-id="{element_id}"]').count() == 1, element_id
    assert new_box.locator('.sl-changed[data-element-id="approve_plan"]').count() == 0
    assert page.locator(".bpmn-legend li").count() == 3
    save_screenshots(page, "owner-compare-semantic")

    page.click('tr[data-element-id="timer_long_overdue"] [data-show-element]')  # both diagrams centre on it
    for box in (old_box, new_box):
        view = box.evaluate("""(el) => { const c = el.bpmnViewer.get('canvas'), v = c.viewbox(),
            t = el.bpmnViewer.get('elementRegistry').get('timer_long_overdue');
            return [v.scale, v.x + v.width / 2 - (t.x + t.width / 2), v.y + v.height / 2 - (t.y + t.height / 2)]; }""")
        assert view[0] >= 1 and abs(view[1]) < 2 and abs(view[2]) < 2, view
    page.set_viewport_size(VIEWPORTS["desktop"])
    page.locator(".compare-grid").screenshot(path=str(ROOT / "test-artifacts" / "screenshots" / "owner-compare-focus-desktop.png"))

    page.goto(f"{server}/processes/hazard_closure/compare?old=1&new={new.version}&lang=en")
    page.wait_for_selector("[data-added][data-marks-done]", state="attached")
    assert "Timer" in row("timer_long_overdue") and "Boundary event (timer)" in row("timer_long_overdue")
    assert "Role" in row("acknowledge_notice") and "Deadline" in row("grade_hazard")
    save_screenshots(page, "owner-compare-semantic-en")
    page.goto(f"{server}/processes/hazard_closure/compare?lang=zh_CN")
    assert errors == []
