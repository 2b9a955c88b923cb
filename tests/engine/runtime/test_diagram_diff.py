"""Comparing two versions of a diagram by meaning (engine.runtime.diagram_diff / engine.runtime.diagram_model)."""
from __future__ import annotations

import re
from pathlib import Path

from lxml import etree

import engine
from engine.runtime import diagram_diff
from tests.conftest import DATA, read_forms

ROOT = Path(__file__).resolve().parents[3]
HAZARD = (ROOT / "processes" / "hazard_closure.bpmn").read_text(encoding="utf-8")
REVIEW = (DATA / "review.bpmn").read_text(encoding="utf-8")


def _diff(old: str, new: str, **kwargs) -> diagram_diff.VersionDiff:
    return diagram_diff.diff_xml("p", 1, 2, old, new, **kwargs)


def _changes(diff: diagram_diff.VersionDiff) -> dict[str, dict[str, list[tuple[str, str, str]]]]:
    """element id → aspect → [(field, old, new)]"""
    return {c.element_id: {a.aspect: [(f.field, f.old, f.new) for f in a.fields] for a in c.changes}
            for c in diff.changed}


def _rewritten(xml: str) -> str:
    """The same diagram as another tool might write it: attributes reversed, other indentation and prefixes,
    defaults left out, xsi:type on expressions."""
    root = etree.fromstring(xml.encode("utf-8"))
    for node in root.iter():
        if isinstance(node.tag, str):
            items = list(reversed(node.attrib.items()))
            node.attrib.clear()
            for key, value in items:
                if not (etree.QName(key).localname == "cancelActivity" and value == "true"):
                    node.set(key, value)
            if etree.QName(node).localname in ("conditionExpression", "timeDuration", "timeDate"):
                node.set("{http://www.w3.org/2001/XMLSchema-instance}type", "bpmn:tFormalExpression")
    etree.indent(root, space="\t")
    text = etree.tostring(root, encoding="unicode")
    return re.sub(r"\bbpmn:", "model:", text).replace("xmlns:bpmn=", "xmlns:model=")


def test_attribute_order_indentation_prefixes_and_defaults_are_no_change():
    rewritten = _rewritten(HAZARD)
    assert rewritten != HAZARD and 'cancelActivity="true"' not in rewritten
    diff = _diff(HAZARD, rewritten)
    assert diff.same_meaning and diff.layout == ()


def test_a_renamed_task_is_a_name_change():
    diff = _diff(HAZARD, HAZARD.replace('name="核实定级"', 'name="核实并定级"'))
    assert _changes(diff) == {"grade_hazard": {"name": [("name", "核实定级", "核实并定级")]}}
    assert diff.changed[0].kind == "userTask"


def test_a_task_moved_to_another_lane_changes_its_role():
    moved = HAZARD.replace("<bpmn:flowNodeRef>grade_hazard</bpmn:flowNodeRef>", "").replace(
        "<bpmn:flowNodeRef>expert_confirm</bpmn:flowNodeRef>",
        "<bpmn:flowNodeRef>expert_confirm</bpmn:flowNodeRef><bpmn:flowNodeRef>grade_hazard</bpmn:flowNodeRef>")
    assert _changes(_diff(HAZARD, moved)) == {"grade_hazard": {"role": [("lane", "业务科室人员", "行业专家")]}}


def test_candidate_groups_and_assignee_are_role_changes():
    new = REVIEW.replace('<spiffworkflow:property name="remindBefore" value="P1D"/>',
                         '<spiffworkflow:property name="remindBefore" value="P1D"/>'
                         '<spiffworkflow:property name="candidateGroups" value="enterprise_principal"/>'
                         '<spiffworkflow:property name="assignee" value="reporter"/>')
    assert _changes(_diff(REVIEW, new)) == {"rectify": {"role": [("candidateGroups", "", "enterprise_principal"),
                                                                   ("assignee", "", "reporter")]}}


def test_a_lane_renamed_to_another_name_of_its_role_changes_no_task():
    new = REVIEW.replace('name="bureau_inspector"', 'name="业务科室人员"')
    resolve = {"bureau_inspector": "bureau_inspector", "业务科室人员": "bureau_inspector"}.get
    assert _changes(_diff(REVIEW, new, resolve=resolve)) == {"Lane_insp": {"name": [("name", "bureau_inspector", "业务科室人员")]}}
    assert set(_changes(_diff(REVIEW, new))) == {"Lane_insp", "accept"}  # without the role book the names differ


def test_a_changed_gateway_condition_is_a_condition_change_and_its_spacing_is_not():
    old = "is_hazard and hazard_level == 'major'"
    spaced = _diff(HAZARD, HAZARD.replace(old, "is_hazard  and hazard_level=='major'"))
    assert spaced.same_meaning
    changed = _diff(HAZARD, HAZARD.replace(old, "is_hazard and hazard_level in ('major',)"))
    assert _changes(changed) == {"Flow_gw_grade_expert_confirm": {"condition": [
        ("condition", old, "is_hazard and hazard_level in ('major',)")]}}


def test_a_new_default_flow_changes_both_flows():
    new = REVIEW.replace('default="f_fail"', 'default="f_pass"')
    assert _changes(_diff(REVIEW, new)) == {"f_pass": {"condition": [("default", "", "gw")]},
                                            "f_fail": {"condition": [("default", "gw", "")]}}


def test_timer_and_deadline_changes_are_named_apart():
    new = REVIEW.replace("<bpmn:timeDuration>P10D", "<bpmn:timeDuration>P5D").replace(
        'name="dueIn" value="P3D"', 'name="dueIn" value="P2D"')
    assert _changes(_diff(REVIEW, new)) == {"rectify": {"due": [("dueIn", "P3D", "P2D")]},
                                            "timeout": {"timer": [("timeDuration", "P10D", "P5D")]}}
    assert next(c for c in _diff(REVIEW, new).changed if c.element_id == "timeout").event == "timer"


def test_an_interrupting_timer_made_non_interrupting_is_a_change():
    new = REVIEW.replace('cancelActivity="true"', 'cancelActivity="false"')
    assert _changes(_diff(REVIEW, new)) == {"timeout": {"other": [("cancelActivity", "true", "false")]}}


def test_a_changed_form_and_the_same_form_written_as_a_camunda_attribute():
    new = REVIEW.replace('value="review_accept"', 'value="review_accept_v2"')
    assert _changes(_diff(REVIEW, new)) == {"accept": {"form": [("formKey", "review_accept", "review_accept_v2")]}}
    camunda = REVIEW.replace('xmlns:spiffworkflow=', 'xmlns:camunda="http://camunda.org/schema/1.0/bpmn" xmlns:spiffworkflow=')
    camunda = camunda.replace('<bpmn:userTask id="accept" name="验收">\n      <bpmn:extensionElements><spiffworkflow:properties>\n'
                              '        <spiffworkflow:property name="formKey" value="review_accept"/>\n'
                              '      </spiffworkflow:properties></bpmn:extensionElements>',
                              '<bpmn:userTask id="accept" name="验收" camunda:formKey="review_accept">')
    assert "camunda:formKey" in camunda and _diff(REVIEW, camunda).same_meaning


def test_script_indentation_is_no_change_but_its_code_is():
    indented = REVIEW.replace("closed_on = today()\nif spawn:\n    start_case(", "closed_on = today()\n\nif spawn:\n  start_case(")
    assert _diff(REVIEW, indented).same_meaning
    changed = _diff(REVIEW, REVIEW.replace("'note': 'follow-up'", "'note': 'again'"))
    assert list(_changes(changed)) == ["close"] and list(_changes(changed)["close"]) == ["script"]


def test_starter_groups_are_a_starters_change():
    new = HAZARD.replace('candidateStarterGroups="enterprise_safety_officer,grid_worker"',
                         'candidateStarterGroups="enterprise_safety_officer"')
    assert _changes(_diff(HAZARD, new)) == {"hazard_closure": {"starters": [
        ("candidateStarterGroups", "enterprise_safety_officer,grid_worker", "enterprise_safety_officer")]}}


def test_added_and_removed_elements_and_a_rerouted_flow():
    new = REVIEW.replace('<bpmn:endEvent id="end_timeout" name="超时结束">', '<bpmn:endEvent id="end_late" name="超时">')
    new = new.replace('targetRef="end_timeout"', 'targetRef="end_late"')
    diff = _diff(REVIEW, new)
    assert [(c.element_id, c.kind) for c in diff.added] == [("end_late", "endEvent")]
    assert [(c.element_id, c.name) for c in diff.removed] == [("end_timeout", "超时结束")]
    assert _changes(diff) == {"f_to": {"flow": [("targetRef", "end_timeout", "end_late")]}}


def test_moving_a_shape_is_layout_only():
    moved = HAZARD.replace('<dc:Bounds x="606" y="665"', '<dc:Bounds x="620" y="670"')
    diff = _diff(HAZARD, moved)
    assert diff.same_meaning and [c.element_id for c in diff.layout] == ["grade_hazard"]


def test_stored_versions_compare_lanes_by_the_role_they_name(people):
    engine.deploy(REVIEW.encode("utf-8"), actor="owner", forms_given=read_forms())
    new = REVIEW.replace('name="bureau_inspector"', 'name="业务科室人员"').replace('name="整改"', 'name="限期整改"')
    engine.deploy(new.encode("utf-8"), actor="owner", forms_given=read_forms())
    diff = diagram_diff.compare_versions("review", 1, 2)
    assert {c.element_id: c.what for c in diff.changed} == {"Lane_insp": ("name",), "rectify": ("name",)}
