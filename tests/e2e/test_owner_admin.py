"""A process owner changes `hazard_closure` in the browser editor; an administrator follows the old case.

The owner adds a lane and a user task in it; validation marks the task (its lane is no role); the
owner drags the task onto a sequence flow in the enterprise safety officer's lane, sets its form and
deadline in the Safeloop properties, validates and deploys version 2. A case started before stays on
version 1, a new one runs on version 2. The administrator finds the old case, sees the path it took on
the diagram, verifies the audit chain and exports the audit trail as CSV. Screenshots (desktop and
phone) go to test-artifacts/screenshots/owner-*.png and admin-*.png.
"""
from __future__ import annotations

import csv
import io
import threading
from collections.abc import Iterator
from typing import Any

import pytest
from werkzeug.serving import make_server

import engine
from engine.campaign import bootstrap
from engine.runtime import db, schema
from tests.e2e.conftest import VENDOR_STAMP, VIEWPORTS, save_screenshots
from webui import create_app

pytestmark = pytest.mark.e2e

ENT = "91220881MA00000000"
PASSWORD = "owner-walk-password"
USERS = {
    "owner": dict(roles=["process_owner"], display_name="马文"),
    "admin": dict(roles=["admin"], display_name="系统管理员"),
    "officer": dict(roles=["enterprise_safety_officer"], enterprise=ENT, display_name="何永刚"),
}
REPORT = {"enterprise_code": ENT, "source": "self_check", "location": "二楼后厨", "description": "燃气管道锈蚀",
          "category": "gas", "found_by": "何永刚", "found_at": "2025-03-01",
          "reported_level": "major"}  # judged major by the enterprise: the bureau grades it (v2)
TARGET_FLOW = "Flow_register_general_gw_rectify_in"  # a long flow inside the enterprise safety officer's lane


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The app over a fresh SQLite database: bundled processes, one enterprise, our users, one old case."""
    if not VENDOR_STAMP.exists():
        pytest.fail("the web assets are not built: run `bash webui/assets/build.sh`", pytrace=False)
    data_dir = tmp_path_factory.mktemp("owner-walk")
    engine.configure(database_url=f"sqlite:///{data_dir / 'safeloop.db'}", data_dir=data_dir)
    schema.upgrade()
    bootstrap.load_reference_data()
    bootstrap.deploy_bundled()
    engine.add_enterprise(ENT, "洮南市甲餐饮有限公司", "catering")
    for name, spec in USERS.items():
        engine.add_user(name, password=PASSWORD, **spec)  # type: ignore[arg-type]
    app = create_app({"TESTING": True, "DATA_DIR": str(data_dir / "web"), "SECRET_KEY": "owner-walk",
                      "ENGINE_CONFIGURED": True})
    http = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=http.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{http.server_port}"
    http.shutdown()
    http.server_close()
    thread.join(timeout=10)
    db.dispose()


def log_in(browser: Any, base: str, username: str, errors: list[str]) -> Any:
    context = browser.new_context(locale="zh-CN", viewport=VIEWPORTS["desktop"], accept_downloads=True)
    context.set_default_timeout(15_000)
    page = context.new_page()
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(f"uncaught: {e}"))
    page.goto(f"{base}/login")
    page.fill("#username", username)
    page.fill("#password", PASSWORD)
    page.click("form.stack button[type=submit]")
    page.wait_for_url("**/inbox")
    return page


def editor_call(page: Any, script: str, arg: Any = None) -> Any:
    """Run `script` (a function of the modeler and arg) in the editor page: only to read state or move the view."""
    return page.evaluate(f"(arg) => ({script})(window.SafeloopEditor.modeler, arg)", arg)


def show_point(page: Any, x: float, y: float, scale: float = 0.8) -> None:
    """Centre the editor's view on a diagram point (what scrolling the canvas would do), canvas at the top of the window."""
    page.locator("#canvas").evaluate("(el) => el.scrollIntoView({block: 'start'})")
    editor_call(page, """(m, p) => { const c = m.get('canvas'); const box = c.getSize();
        c.viewbox({x: p.x - box.width / (2 * p.s), y: p.y - box.height / (2 * p.s), width: box.width / p.s,
                   height: box.height / p.s}); }""", {"x": x, "y": y, "s": scale})


def screen_point(page: Any, x: float, y: float) -> tuple[float, float]:
    """Where a diagram point is on the screen."""
    vb = editor_call(page, "(m) => m.get('canvas').viewbox()")
    box = page.locator("#canvas").bounding_box()
    return box["x"] + (x - vb["x"]) * vb["scale"], box["y"] + (y - vb["y"]) * vb["scale"]


def flow_midpoint(page: Any, flow_id: str) -> tuple[float, float]:
    return editor_call(page, """(m, id) => { const w = m.get('elementRegistry').get(id).waypoints;
        const [a, b] = w.slice(0, 2); return [(a.x + b.x) / 2, (a.y + b.y) / 2]; }""", flow_id)


def add_unassigned_task(page: Any) -> str:
    """Add a lane below everything, then a user task in it (a lane with no name: no role)."""
    participant = page.locator('[data-element-id="Participant_hazard_closure"]').bounding_box()
    page.mouse.click(participant["x"] + 10, participant["y"] + participant["height"] / 2)
    page.click('.djs-context-pad [data-action="lane-insert-below"]')
    lane = editor_call(page, "(m) => m.get('elementRegistry').filter(e => e.type === 'bpmn:Lane' && !e.businessObject.name)[0]")
    mid_x, _ = flow_midpoint(page, TARGET_FLOW)
    lane_y = lane["y"] + lane["height"] / 2
    show_point(page, mid_x, lane_y)
    page.click('.djs-palette [data-action="create.task"]')
    x, y = screen_point(page, mid_x, lane_y)
    page.mouse.move(x - 30, y)
    page.mouse.move(x, y)
    page.mouse.click(x, y)
    page.keyboard.type("整改前告知")
    page.locator(".djs-palette").click(position={"x": 5, "y": 5})  # ends the label editing
    task = editor_call(page, "(m) => m.get('elementRegistry').filter(e => e.businessObject.name === '整改前告知')[0].id")
    shape = page.locator(f'g.djs-element[data-element-id="{task}"]')
    shape.click()
    if not page.locator('.djs-context-pad.open [data-action="replace"]').is_visible():
        shape.click()  # the first click may only end the label editing
    page.click('.djs-context-pad [data-action="replace"]')
    page.click('.djs-popup [data-id="replace-with-user-task"]')
    return task


def select_shape(page: Any, element_id: str) -> None:
    """Click a shape until the editor shows it selected (a click may land on an overlay the first time)."""
    shape = page.locator(f'g.djs-element[data-element-id="{element_id}"]')
    for _ in range(3):
        box = shape.bounding_box()
        page.mouse.click(box["x"] + box["width"] * 0.2, box["y"] + box["height"] * 0.2)
        if editor_call(page, "(m, id) => m.get('selection').get().map(e => e.id).includes(id)", element_id):
            return
        page.wait_for_timeout(200)
    raise AssertionError(f"could not select {element_id}")


def drag_onto_flow(page: Any, task: str, flow_id: str) -> None:
    """Drag the task up onto a sequence flow: bpmn-js splits the flow and puts the task in that flow's lane."""
    mid_x, mid_y = flow_midpoint(page, flow_id)
    task_box = editor_call(page, "(m, id) => { const e = m.get('elementRegistry').get(id); return [e.x + e.width / 2, e.y + e.height / 2]; }", task)
    show_point(page, mid_x, (mid_y + task_box[1]) / 2, scale=0.45)
    sx, sy = screen_point(page, *task_box)
    tx, ty = screen_point(page, mid_x, mid_y)
    page.mouse.move(sx, sy)
    page.mouse.down()
    for step in range(1, 11):
        page.mouse.move(sx + (tx - sx) * step / 10, sy + (ty - sy) * step / 10)
    page.mouse.up()


def test_owner_changes_hazard_closure_and_admin_follows_the_old_case(browser: Any, server: str) -> None:
    errors: list[str] = []
    officer = engine.get_actor("officer")
    old = engine.start_instance(officer, "hazard_closure", {**REPORT, "case_title": "后厨燃气管道老化"})

    page = log_in(browser, server, "owner", errors)
    page.click("nav.site-nav >> text=流程管理")
    page.wait_for_selector("#p-hazard_closure")
    save_screenshots(page, "owner-processes")
    page.click("section:has(#p-hazard_closure) >> text=编辑")
    page.wait_for_selector("#canvas[data-bpmn-state=ready]", state="attached")
    assert page.locator(".djs-palette").is_visible() and page.locator("#properties .bio-properties-panel").count() == 1

    task = add_unassigned_task(page)
    assert page.get_attribute("[data-editor]", "data-dirty") == "true"
    page.click('[data-action="validate"]')
    page.wait_for_selector(f'[data-problem-list] li[data-element-id="{task}"]')
    assert "没有可识别的角色" in page.inner_text("[data-problem-list]")
    assert page.locator(f'.djs-element.sl-invalid[data-element-id="{task}"]').count() == 1
    assert page.locator(".sl-problem-badge").count() == 1
    save_screenshots(page, "owner-editor-invalid")

    drag_onto_flow(page, task, TARGET_FLOW)
    lane = editor_call(page, "(m, id) => window.SafeloopSpiff.laneOf(m, m.get('elementRegistry').get(id)).name", task)
    assert lane == "企业安全管理人员"
    select_shape(page, task)
    assert "企业安全管理人员" in page.inner_text('[data-sl-field="lane-role"]')
    assert page.inner_text("#properties .bio-properties-panel-header-type") == "用户任务"
    page.select_option('[data-sl-input="formKey"]', "rectification_report")
    page.fill('[data-sl-input="dueIn"]', "P2D")
    page.press('[data-sl-input="dueIn"]', "Tab")
    assert page.get_attribute("[data-sl-form-link]", "href").endswith("/admin/forms/rectification_report")
    select_shape(page, "timer_long_overdue")  # timers: the stock panel's timer group
    assert page.locator('#properties [data-group-id="group-timer"]').count() == 1
    editor_call(page, "(m) => m.get('selection').select(m.get('elementRegistry').get('Flow_gw_grade_expert_confirm'))")
    condition = page.locator("[data-sl-condition]")
    assert condition.input_value() == "is_hazard and hazard_level == 'major'"
    condition.fill("is_hazard and __import__('os')")
    condition.press("Tab")
    page.click('[data-action="validate"]')
    page.wait_for_selector('[data-problem-list] li[data-element-id="Flow_gw_grade_expert_confirm"]')
    assert page.locator('.djs-connection.sl-invalid[data-element-id="Flow_gw_grade_expert_confirm"]').count() == 1
    editor_call(page, "(m) => m.get('selection').select(m.get('elementRegistry').get('Flow_gw_grade_expert_confirm'))")
    condition.fill("is_hazard and hazard_level in ('major',)")
    condition.press("Tab")
    page.click('[data-action="validate"]')
    page.wait_for_selector("[data-editor][data-validated=valid]")
    assert page.locator(".sl-problem-badge").count() == 0
    save_screenshots(page, "owner-editor-valid")
    for label, suffix in (("下载 SVG", ".svg"), ("下载 PNG", ".png"), ("下载 BPMN", ".bpmn")):
        with page.expect_download() as download:
            page.click(f"[data-editor] button:has-text('{label}')")
        assert download.value.suggested_filename == f"hazard_closure{suffix}"

    dialogs: list[str] = []
    page.once("dialog", lambda dialog: (dialogs.append(dialog.type), dialog.dismiss()))
    page.click("nav.site-nav >> text=待办")  # an accidental navigation with unsaved changes asks first
    page.wait_for_timeout(300)
    assert dialogs == ["beforeunload"] and page.url.endswith("/processes/hazard_closure/edit")

    page.click('[data-action="deploy"]')
    page.wait_for_url("**/processes")
    assert "第 2 版" in page.inner_text(".flashes")
    assert engine.get_process("hazard_closure").version == 2
    xml = engine.get_bpmn("hazard_closure", 2)
    assert 'name="整改前告知"' in xml and '<spiffworkflow:property name="dueIn" value="P2D"' in xml
    assert "is_hazard and hazard_level in ('major',)" in xml
    save_screenshots(page, "owner-processes-v2")

    page.click("section:has(#p-hazard_closure) >> text=比较版本")
    page.wait_for_selector("[data-added] [data-bpmn-state], [data-added][data-bpmn-state=ready]", state="attached")
    page.wait_for_selector(f'[data-bpmn-viewer][data-marks-done] .djs-element.sl-added[data-element-id="{task}"]', state="attached")
    assert page.locator(f'tr[data-change="added"]:has-text("{task}")').count() == 1
    save_screenshots(page, "owner-compare")

    page.goto(f"{server}/admin/forms/rectification_report")
    page.fill("#schema", '{"type": "object", "properties": {"note": {"type": "string", "title": "整改说明"}}}')
    page.wait_for_selector("#preview [name=note]", state="attached")  # the live preview (htmx) followed the edit
    assert page.locator("#preview [data-schema-ok]").count() == 1
    save_screenshots(page, "owner-form-editor")
    page.goto(f"{server}/processes/hazard_closure/migrate?case={old.id}&to=2")
    page.wait_for_selector(".migration-check")
    save_screenshots(page, "owner-migration")

    new = engine.start_instance(officer, "hazard_closure", {**REPORT, "case_title": "配电箱未接地"})
    assert (engine.get_instance(officer, old.id).process_version, new.process_version) == (1, 2)

    admin = log_in(browser, server, "admin", errors)
    admin.click("nav.site-nav >> text=系统管理")
    admin.select_option("#c-process", "hazard_closure")
    admin.fill("#c-version", "1")
    admin.click("form.filters button[type=submit]")
    rows = admin.locator("table tbody tr")
    assert rows.count() == 1 and "后厨燃气管道老化" in rows.first.inner_text()
    save_screenshots(admin, "admin-cases")
    rows.first.locator("a").first.click()
    admin.wait_for_selector("[data-case-path][data-marks-done]", state="attached")
    assert admin.locator('.djs-element.sl-completed[data-element-id="start_report"]').count() == 1
    assert admin.locator('.djs-element.sl-current[data-element-id="grade_hazard"]').count() == 1
    assert admin.locator('.djs-connection.sl-completed[data-element-id="Flow_gw_intake_grade_hazard"]').count() == 1
    save_screenshots(admin, "admin-case-path")

    admin.goto(f"{server}/admin/audit")
    admin.click("text=校验哈希链")
    admin.wait_for_selector("[data-verify=ok]")
    with admin.expect_download() as download:
        admin.click("[data-export=csv]")
    text = download.value.path().read_text(encoding="utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert any(r["action"] == "process.deploy" and r["actor"] == "owner" for r in rows)
    assert any(r["action"] == "case.start" and r["instance_id"] == str(old.id) for r in rows)
    admin.goto(f"{server}/admin/audit?case={old.id}")
    admin.click("text=校验哈希链")
    admin.wait_for_selector("[data-verify=ok]")
    save_screenshots(admin, "admin-audit")
    for name, path in (("admin-incidents", "/admin/incidents"), ("admin-jobs", "/admin/jobs"),
                       ("admin-users", "/admin/users"), ("admin-user", "/admin/users/officer"),
                       ("admin-enterprises", "/admin/enterprises")):
        admin.goto(f"{server}{path}")
        save_screenshots(admin, name)
    assert errors == []
