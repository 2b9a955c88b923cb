"""Cases and tasks: start, complete, loop, scoping, send back, save/reload, child cases."""
from __future__ import annotations

import pytest

import engine
from tests.conftest import ENT_A, ENT_B


def _start(people, **data):
    payload = {"case_title": "后厨燃气报警器失效", "hazard_level": "general", "deadline": "2025-03-10", "spawn": False, **data}
    return engine.start_instance(people["officer_a"], "review", payload)


def _open(actor, scope="candidate"):
    return list(engine.list_tasks(actor, scope=scope).items)


def test_start_projects_domain_columns_and_an_inbox_row(review, people):
    case = _start(people)
    assert (case.status, case.enterprise_code, case.industry, case.hazard_level) == ("running", ENT_A, "catering", "general")
    assert str(case.deadline) == "2025-03-10"
    [task] = case.open_tasks
    assert (task.element_id, task.role, task.form_key) == ("rectify", "enterprise_safety_officer", "review_rectify")
    assert [t.id for t in _open(people["officer_a"])] == [task.id]
    assert _open(people["officer_b"]) == []


def test_start_data_is_checked_against_the_start_form(review, people):
    with pytest.raises(engine.FormInvalid) as info:
        engine.start_instance(people["officer_a"], "review", {"hazard_level": "huge", "extra": 1})
    fields = {e["field"] for e in info.value.details}
    assert fields == {"case_title", "hazard_level", "extra"}
    assert engine.list_instances(people["admin"]).total == 0


def test_full_walk_with_a_failed_acceptance_loops_back_then_closes(review, people):
    case = _start(people)
    rectify = case.open_tasks[0]
    after = engine.complete_task(people["officer_a"], rectify.id, {"measures": "更换报警器"})
    accept = after.open_tasks[0]
    assert accept.element_id == "accept"
    assert _open(people["inspector_oil"]) == []
    assert [t.id for t in _open(people["inspector_catering"])] == [accept.id]
    back = engine.complete_task(people["inspector_catering"], accept.id, {"result": "fail", "opinion": "未接线"})
    assert back.open_tasks[0].element_id == "rectify"
    again = engine.complete_task(people["officer_a"], back.open_tasks[0].id, {"measures": "重新接线"})
    done = engine.complete_task(people["inspector_catering"], again.open_tasks[0].id, {"result": "pass"})
    assert done.status == "completed" and done.open_tasks == ()
    assert engine.get_instance(people["chief"], case.id).data["closed_on"] == "2025-03-03"
    actions = [h.action for h in engine.instance_history(people["admin"], case.id)]
    assert actions.count("task.complete") == 4 and actions[0] == "case.start"


def test_completion_is_validated_field_by_field_and_changes_nothing(review, people):
    case = _start(people)
    task = case.open_tasks[0]
    with pytest.raises(engine.FormInvalid) as info:
        engine.complete_task(people["officer_a"], task.id, {"measures": "x", "done_on": "31/02/2025"})
    assert {e["field"] for e in info.value.details} == {"measures", "done_on"}
    assert engine.get_task(people["officer_a"], task.id).status == "open"
    assert engine.get_instance(people["officer_a"], case.id).version == case.version


def test_another_enterprises_case_and_task_are_invisible(review, people):
    case = _start(people)
    with pytest.raises(engine.NotFound):
        engine.get_instance(people["officer_b"], case.id)
    with pytest.raises(engine.NotFound):
        engine.complete_task(people["officer_b"], case.open_tasks[0].id, {"measures": "偷偷完成"})
    assert engine.list_instances(people["officer_b"]).total == 0
    assert engine.list_instances(people["inspector_oil"]).total == 0
    assert engine.list_instances(people["inspector_catering"]).total == 1


def test_completed_task_cannot_be_completed_again(review, people):
    case = _start(people)
    task = case.open_tasks[0]
    engine.complete_task(people["officer_a"], task.id, {"measures": "更换"})
    with pytest.raises(engine.Conflict):
        engine.complete_task(people["officer_a"], task.id, {"measures": "再次"})


def test_stale_version_is_a_conflict(review, people):
    case = _start(people)
    task = case.open_tasks[0]
    engine.claim(people["officer_a"], task.id)
    with pytest.raises(engine.Conflict):
        engine.complete_task(people["officer_a"], task.id, {"measures": "更换"}, expected_version=task.version)


def test_claim_release_and_someone_elses_claim(review, people):
    task = _start(people).open_tasks[0]
    claimed = engine.claim(people["officer_a"], task.id)
    assert claimed.assignee == "officer_a"
    with pytest.raises(engine.Conflict):
        engine.claim(people["officer_a2"], task.id)
    with pytest.raises(engine.Forbidden):
        engine.complete_task(people["officer_a2"], task.id, {"measures": "抢着办"})
    assert _open(people["officer_a2"]) == []
    engine.unclaim(people["officer_a"], task.id)
    assert [t.id for t in _open(people["officer_a2"])] == [task.id]


def test_reassign_delegate_and_resolve(review, people):
    task = _start(people).open_tasks[0]
    engine.claim(people["officer_a"], task.id)
    with pytest.raises(engine.BadRequest):
        engine.reassign(people["officer_a"], task.id, "officer_b", "不同企业")
    with pytest.raises(engine.BadRequest):
        engine.reassign(people["officer_a"], task.id, "officer_a2", "")
    moved = engine.reassign(people["officer_a"], task.id, "officer_a2", "请同事办理")
    assert moved.assignee == "officer_a2"
    for outsider in ("inspector_catering", "officer_b"):  # another role, another enterprise
        with pytest.raises(engine.BadRequest):
            engine.delegate(people["officer_a2"], task.id, outsider, "请协助核实")
    delegated = engine.delegate(people["officer_a2"], task.id, "officer_a", "请协助核实")
    assert (delegated.assignee, delegated.owner) == ("officer_a", "officer_a2")
    with pytest.raises(engine.Forbidden):
        engine.complete_task(people["officer_a"], task.id, {"measures": "x1"})
    back = engine.resolve(people["officer_a"], task.id, {"measures": "核实完毕"}, "已核实")
    assert (back.assignee, back.owner, back.draft) == ("officer_a2", None, {"measures": "核实完毕"})
    engine.complete_task(people["officer_a2"], task.id, {"measures": "核实完毕"})


def test_send_back_reopens_the_previous_step_for_its_worker(review, people):
    case = _start(people)
    after = engine.complete_task(people["officer_a"], case.open_tasks[0].id, {"measures": "更换"})
    accept = after.open_tasks[0]
    with pytest.raises(engine.BadRequest):
        engine.send_back(people["inspector_catering"], accept.id, "  ")
    back = engine.send_back(people["inspector_catering"], accept.id, "照片不清晰")
    [reopened] = back.open_tasks
    assert reopened.element_id == "rectify" and reopened.assignee == "officer_a"
    assert engine.get_task(people["admin"], accept.id).status == "cancelled"


def test_send_back_without_a_path_back_is_refused(review, people):
    task = _start(people).open_tasks[0]
    with pytest.raises(engine.Conflict):
        engine.send_back(people["officer_a"], task.id, "没有上一步")


def test_script_can_start_linked_child_cases(review, people):
    case = _start(people, spawn=True)
    after = engine.complete_task(people["officer_a"], case.open_tasks[0].id, {"measures": "更换"})
    engine.complete_task(people["inspector_catering"], after.open_tasks[0].id, {"result": "pass"})
    children = engine.list_instances(people["admin"], parent_id=case.id)
    assert children.total == 1
    child = children.items[0]
    assert (child.enterprise_code, child.status, child.open_tasks[0].element_id) == (ENT_A, "running", "rectify")


def test_state_is_stored_without_the_spec(review, people):
    case = _start(people)
    from engine.runtime.db import unit_of_work
    from engine.runtime.models import ProcessInstance
    with unit_of_work(write=False) as s:
        state = s.get(ProcessInstance, case.id).state
    assert '"spec"' not in state and "task_specs" not in state


def test_admin_transitions_are_named_and_audited(review, people):
    case = _start(people)
    with pytest.raises(engine.Forbidden):
        engine.suspend_instance(people["chief"], case.id)
    engine.suspend_instance(people["admin"], case.id, "核查中")
    with pytest.raises(engine.Conflict):
        engine.complete_task(people["officer_a"], case.open_tasks[0].id, {"measures": "更换"})
    engine.resume_instance(people["admin"], case.id)
    with pytest.raises(engine.BadRequest):
        engine.terminate_instance(people["admin"], case.id, "")
    ended = engine.terminate_instance(people["admin"], case.id, "重复上报")
    assert ended.status == "terminated"
    actions = [h.action for h in engine.instance_history(people["auditor"], case.id)]
    assert ["case.suspend", "case.resume", "case.terminate"] == [a for a in actions if a.startswith("case.") and a != "case.start"]


def test_auditor_reads_everything_and_changes_nothing(review, people):
    case = _start(people)
    assert engine.get_instance(people["auditor"], case.id).id == case.id
    with pytest.raises(engine.Forbidden):
        engine.complete_task(people["auditor"], case.open_tasks[0].id, {"measures": "审计员"})
    with pytest.raises(engine.Forbidden):
        engine.start_instance(people["auditor"], "review", {"case_title": "x", "enterprise_code": ENT_B})


def test_reporter_identity_is_visible_only_to_the_designated_role(review, people):
    case = engine.start_instance(people["inspector_catering"], "review",
                                 {"case_title": "举报", "enterprise_code": ENT_A, "reporter_name": "张三"})
    assert "reporter_name" not in engine.get_instance(people["chief"], case.id).data
    assert engine.get_instance(people["handler"], case.id).data["reporter_name"] == "张三"
    history = engine.instance_history(people["chief"], case.id)
    assert "张三" not in repr(history)


def test_script_error_puts_the_case_in_error_and_retry_recovers(review, people):
    case = _start(people, spawn=True)
    after = engine.complete_task(people["officer_a"], case.open_tasks[0].id, {"measures": "更换"})
    from engine.runtime.db import unit_of_work
    from engine.runtime.models import Enterprise
    with unit_of_work() as s:  # make start_case's target enterprise vanish -> the script fails
        pass
    failing = engine.deploy(  # a version whose script divides by zero
        (__import__("pathlib").Path(__file__).parents[2] / "data" / "review.bpmn").read_text(encoding="utf-8")
        .replace("closed_on = today()", "closed_on = 1 / 0").encode(), actor="owner")
    bad = engine.start_instance(people["officer_a"], "review", {"case_title": "坏脚本", "spawn": False})
    t1 = engine.complete_task(people["officer_a"], bad.open_tasks[0].id, {"measures": "更换"})
    errored = engine.complete_task(people["inspector_catering"], t1.open_tasks[0].id, {"result": "pass"})
    assert errored.status == "error" and errored.error_element == "close"
    assert "division" in errored.error_message
    assert failing.process.version == 2 and after.status == "running"


def test_cc_property_copies_a_completed_step_to_a_role(people):
    from pathlib import Path

    from engine.campaign.bootstrap import read_forms
    data = Path(__file__).parents[2] / "data"
    bpmn = (data / "review.bpmn").read_text(encoding="utf-8").replace(
        '<spiffworkflow:property name="remindBefore" value="P1D"/>',
        '<spiffworkflow:property name="remindBefore" value="P1D"/>\n        <spiffworkflow:property name="ccTo" value="section_chief"/>')
    engine.deploy(bpmn.encode(), actor="owner", forms_given=read_forms(data / "forms"))
    case = _start(people)
    task = case.open_tasks[0]
    assert engine.list_tasks(people["chief"], scope="cc").total == 0
    engine.complete_task(people["officer_a"], task.id, {"measures": "更换"})
    copied = engine.list_tasks(people["chief"], scope="cc")
    assert [t.id for t in copied.items] == [task.id]
    assert engine.list_tasks(people["inspector_catering"], scope="cc").total == 0


def test_cc_to_an_unknown_role_is_refused_at_deploy(people):
    from pathlib import Path

    from engine.campaign.bootstrap import read_forms
    data = Path(__file__).parents[2] / "data"
    bpmn = (data / "review.bpmn").read_text(encoding="utf-8").replace(
        '<spiffworkflow:property name="remindBefore" value="P1D"/>',
        '<spiffworkflow:property name="remindBefore" value="P1D"/><spiffworkflow:property name="ccTo" value="nobody"/>')
    with pytest.raises(engine.DefinitionInvalid) as info:
        engine.deploy(bpmn.encode(), actor="owner", forms_given=read_forms(data / "forms"))
    assert info.value.details[0]["element_id"] == "rectify"
