"""Moving running cases to a newer version: allowed moves, refusals with reasons, batches, audit."""
from __future__ import annotations

import pytest

import engine
from engine.runtime import migration
from tests.conftest import DATA

EXTRA_TASK = """<bpmn:userTask id="double_check" name="复核">
      <bpmn:extensionElements><spiffworkflow:properties>
        <spiffworkflow:property name="formKey" value="review_accept"/>
      </spiffworkflow:properties></bpmn:extensionElements>
      <bpmn:incoming>f3</bpmn:incoming>
      <bpmn:outgoing>f3b</bpmn:outgoing>
    </bpmn:userTask>
    <bpmn:exclusiveGateway id="gw" name="通过？" default="f_fail">
      <bpmn:incoming>f3b</bpmn:incoming>"""


def _v2_with_extra_check() -> bytes:
    """review with a second check between acceptance and the gateway."""
    xml = (DATA / "review.bpmn").read_text(encoding="utf-8")
    xml = xml.replace("""<bpmn:exclusiveGateway id="gw" name="通过？" default="f_fail">
      <bpmn:incoming>f3</bpmn:incoming>""", EXTRA_TASK)
    xml = xml.replace('<bpmn:sequenceFlow id="f3" sourceRef="accept" targetRef="gw"/>',
                      '<bpmn:sequenceFlow id="f3" sourceRef="accept" targetRef="double_check"/>\n'
                      '    <bpmn:sequenceFlow id="f3b" sourceRef="double_check" targetRef="gw"/>')
    xml = xml.replace("<bpmn:flowNodeRef>gw</bpmn:flowNodeRef>",
                      "<bpmn:flowNodeRef>gw</bpmn:flowNodeRef>\n        <bpmn:flowNodeRef>double_check</bpmn:flowNodeRef>")
    return xml.encode("utf-8")


def _v2_renaming_rectify() -> bytes:
    xml = (DATA / "review.bpmn").read_text(encoding="utf-8")
    return xml.replace('name="整改"', 'name="限期整改"').encode("utf-8")


def _start(people):
    return engine.start_instance(people["officer_a"], "review", {"case_title": "配电箱未接地", "spawn": False})


def test_case_waiting_before_the_change_moves_and_then_meets_the_new_step(review, people):
    case = _start(people)
    assert engine.deploy(_v2_with_extra_check(), actor="owner").process.version == 2
    result = migration.migrate_instance(people["owner"], case.id)
    assert result.ok and (result.from_version, result.to_version) == (1, 2)
    moved = engine.get_instance(people["admin"], case.id)
    assert moved.process_version == 2 and moved.open_tasks[0].element_id == "rectify"
    after = engine.complete_task(people["officer_a"], moved.open_tasks[0].id, {"measures": "更换"})
    after = engine.complete_task(people["inspector_catering"], after.open_tasks[0].id, {"result": "pass"})
    assert [t.element_id for t in after.open_tasks] == ["double_check"]


def test_case_whose_active_step_changed_is_refused_with_the_element(review, people):
    case = _start(people)
    engine.deploy(_v2_renaming_rectify(), actor="owner")
    check = migration.check_migration(people["admin"], case.id)
    assert not check.ok and check.reasons[0]["element_id"] == "rectify"
    with pytest.raises(engine.Conflict) as err:
        migration.migrate_instance(people["admin"], case.id)
    assert err.value.details[0]["element_id"] == "rectify"
    assert engine.get_instance(people["admin"], case.id).process_version == 1


def test_case_whose_completed_step_changed_is_refused(review, people):
    case = _start(people)
    engine.complete_task(people["officer_a"], case.open_tasks[0].id, {"measures": "更换"})
    engine.deploy(_v2_renaming_rectify(), actor="owner")
    check = migration.check_migration(people["admin"], case.id)
    assert not check.ok and "已完成" in check.reasons[0]["message_zh"]


def test_batch_moves_what_it_can_and_lists_the_refusals(review, people):
    waiting = _start(people)
    done_rectify = _start(people)
    engine.complete_task(people["officer_a"], done_rectify.open_tasks[0].id, {"measures": "更换"})
    engine.deploy(_v2_with_extra_check(), actor="owner")
    result = migration.migrate_version(people["admin"], "review", 1)
    assert set(result.migrated) == {waiting.id, done_rectify.id} and result.refused == ()
    assert engine.get_process("review", 1).running_cases == 0
    assert engine.get_process("review", 2).running_cases == 2


def test_migration_is_audited_and_the_chain_still_verifies(review, people):
    case = _start(people)
    engine.deploy(_v2_with_extra_check(), actor="owner")
    migration.migrate_instance(people["admin"], case.id)
    history = engine.instance_history(people["admin"], case.id)
    assert history[-1].action == "case.migrate" and history[-1].after == {"process": "review", "version": 2}
    assert engine.verify_audit().ok


def test_only_admins_and_process_owners_migrate_and_only_forward(review, people):
    case = _start(people)
    with pytest.raises(engine.Forbidden):
        migration.migrate_instance(people["auditor"], case.id)
    with pytest.raises(engine.BadRequest):
        migration.migrate_instance(people["admin"], case.id, 1)


def test_a_finished_case_is_not_moved(review, people):
    case = _start(people)
    engine.terminate_instance(people["admin"], case.id, "重复上报")
    engine.deploy(_v2_with_extra_check(), actor="owner")
    assert not migration.check_migration(people["admin"], case.id).ok
