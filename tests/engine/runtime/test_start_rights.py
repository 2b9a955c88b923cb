"""Who may start a process comes from its diagram: the start event's lane, or Camunda's candidateStarterGroups /
candidateStarterUsers; no starter named keeps the general rule (any user but a read-only one)."""
from __future__ import annotations

import pytest

import engine

DIAGRAM = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
  xmlns:camunda="http://camunda.org/schema/1.0/bpmn" id="Defs_{key}" targetNamespace="http://safeloop.test/{key}">
  <bpmn:process id="{key}" name="发起权限（测试）" isExecutable="true"{attributes}>
    <bpmn:documentation>Start rights test.</bpmn:documentation>
    <bpmn:documentation>测试发起权限。第二句不显示。</bpmn:documentation>
    <bpmn:laneSet id="LaneSet_1">
      <bpmn:lane id="Lane_start" name="{lane}">{start_ref}</bpmn:lane>
      <bpmn:lane id="Lane_work" name="业务科室人员"><bpmn:flowNodeRef>work</bpmn:flowNodeRef></bpmn:lane>
    </bpmn:laneSet>
    <bpmn:startEvent id="start"><bpmn:outgoing>f1</bpmn:outgoing></bpmn:startEvent>
    <bpmn:userTask id="work" name="办理"><bpmn:incoming>f1</bpmn:incoming><bpmn:outgoing>f2</bpmn:outgoing></bpmn:userTask>
    <bpmn:endEvent id="end"><bpmn:incoming>f2</bpmn:incoming></bpmn:endEvent>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="work"/>
    <bpmn:sequenceFlow id="f2" sourceRef="work" targetRef="end"/>
  </bpmn:process>
</bpmn:definitions>"""


def _deploy(key: str, *, lane: str | None = None, groups: str | None = None, users: str | None = None):
    attributes = (f' camunda:candidateStarterGroups="{groups}"' if groups else "") + \
                 (f' camunda:candidateStarterUsers="{users}"' if users else "")
    xml = DIAGRAM.format(key=key, attributes=attributes, lane=lane or "科室负责人",
                         start_ref="<bpmn:flowNodeRef>start</bpmn:flowNodeRef>" if lane else "")
    return engine.deploy(xml.encode("utf-8"), actor="owner").process


def _starts(actor: engine.Actor, key: str) -> bool:
    try:
        engine.start_instance(actor, key, {"enterprise_code": "91220881MA00000000"})
    except engine.Forbidden:
        return False
    return True


def test_the_start_event_lane_decides_who_may_start(people):
    process = _deploy("lane_start", lane="业务科室人员")
    assert process.start_roles == ("bureau_inspector",)
    allowed = {name for name, actor in people.items() if _starts(actor, "lane_start")}
    assert allowed == {"inspector_catering", "inspector_oil", "admin"}
    with pytest.raises(engine.Forbidden) as refused:
        engine.start_instance(people["officer_a"], "lane_start", {})
    assert refused.value.status == 403 and "发起权限（测试）" in refused.value.message_zh


def test_candidate_starter_groups_and_users_add_to_the_lane(people):
    _deploy("group_start", groups="section_chief, enterprise_safety_officer", users="handler")
    allowed = {name for name, actor in people.items() if _starts(actor, "group_start")}
    assert allowed == {"chief", "officer_a", "officer_a2", "officer_b", "handler", "admin"}


def test_a_process_naming_no_starter_keeps_the_general_rule(people):
    process = _deploy("open_start")
    assert process.start_roles == () and process.start_users == ()
    allowed = {name for name, actor in people.items() if _starts(actor, "open_start")}
    assert allowed == set(people) - {"auditor"}


def test_unknown_starter_roles_are_refused_at_deploy_with_the_element(people):
    with pytest.raises(engine.DefinitionInvalid) as by_lane:
        _deploy("bad_lane", lane="保安队长")
    assert [d["element_id"] for d in by_lane.value.details] == ["start"]
    with pytest.raises(engine.DefinitionInvalid) as by_group:
        _deploy("bad_group", groups="bureau_inspector,night_watch")
    assert "night_watch" in by_group.value.details[0]["message_en"]
    assert engine.validate_bpmn(DIAGRAM.format(key="v", attributes=' camunda:candidateStarterGroups="x"', lane="l",
                                               start_ref="").encode())


def test_startable_processes_lists_only_what_the_actor_may_start_with_a_description(people):
    _deploy("lane_start", lane="业务科室人员")
    _deploy("open_start")
    assert [p.key for p in engine.startable_processes(people["officer_a"])] == ["open_start"]
    listed = {p.key: p for p in engine.startable_processes(people["inspector_catering"])}
    assert set(listed) == {"lane_start", "open_start"}
    assert listed["lane_start"].description_zh == "测试发起权限。"
    assert listed["lane_start"].description_en == "Start rights test."
    assert engine.startable_processes(people["auditor"]) == []
    assert engine.may_start(people["admin"], "lane_start") and not engine.may_start(people["chief"], "lane_start")


def test_bundled_bureau_procedures_are_bureau_only_and_system_starts_still_work(people):
    engine.deploy_bundled()
    officer = {p.key for p in engine.startable_processes(people["officer_a"])}
    for bureau_only in ("training_rollout", "enforcement_referral", "notice_distribution", "quarterly_progress_report",
                        "industry_inspection"):
        assert bureau_only not in officer
    assert {"hazard_closure", "daily_self_check", "evacuation_drill"} <= officer
    inspector = {p.key for p in engine.startable_processes(people["inspector_catering"])}
    assert {"hazard_closure", "training_rollout", "enforcement_referral", "notice_distribution",
            "industry_inspection", "quarterly_principal_check"} <= inspector
    assert "quarterly_progress_report" not in inspector
    assert "quarterly_progress_report" in {p.key for p in engine.startable_processes(people["chief"])}
    with pytest.raises(engine.Forbidden):
        engine.start_instance(people["officer_a"], "training_rollout", {"year": 2025})
    # the public report form starts the intake as the engine's SYSTEM actor
    assert engine.may_start(engine.SYSTEM, "whistleblower_intake")
    assert not engine.may_start(people["officer_a"], "whistleblower_intake")
