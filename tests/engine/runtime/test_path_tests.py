"""Path tests: scenarios run against a draft on a scratch database, stored with the process, run again at deploy."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

import engine
from engine.runtime import db
from engine.runtime.models import AuditEvent, Job, PathTest, ProcessDefinition, ProcessInstance, Task
from tests.conftest import DATA, ENT_A, read_forms

START = {"case_title": "灭火器过期", "enterprise_code": ENT_A, "hazard_level": "general", "spawn": False}


def scenario(name: str, *steps: dict, end: str | None = None, task: str | None = None, start: dict | None = None) -> dict:
    return {"name": name, "start": START if start is None else start, "steps": list(steps),
            "expect": {"end": end} if end else {"task": task}}


def rectify(measures: str = "更换灭火器") -> dict:
    return {"task": "rectify", "data": {"measures": measures}}


def accept(result: str) -> dict:
    return {"task": "accept", "data": {"result": result}}


PASSING = [scenario("验收通过后销号", rectify(), accept("pass"), end="end"),
           scenario("验收不通过退回整改", rectify(), accept("fail"), task="rectify"),
           scenario("验收超时", rectify(), {"wait": "P11D"}, end="end_timeout")]


def _review_text(**replace: str) -> str:
    text = (DATA / "review.bpmn").read_text(encoding="utf-8")
    for old, new in replace.items():
        assert old in text, old
        text = text.replace(old, new)
    return text


def draft_without_failing_back() -> bytes:
    """A draft where a failed acceptance ends the case instead of going back to rectification."""
    return _review_text(**{'<bpmn:sequenceFlow id="f_fail" sourceRef="gw" targetRef="rectify"/>':
                           '<bpmn:sequenceFlow id="f_fail" sourceRef="gw" targetRef="end"/>',
                           '<bpmn:incoming>f_fail</bpmn:incoming>\n      <bpmn:outgoing>f2</bpmn:outgoing>':
                           '<bpmn:outgoing>f2</bpmn:outgoing>',
                           '<bpmn:endEvent id="end" name="结束"><bpmn:incoming>f4</bpmn:incoming>':
                           '<bpmn:endEvent id="end" name="结束"><bpmn:incoming>f4</bpmn:incoming>'
                           '<bpmn:incoming>f_fail</bpmn:incoming>'}).encode("utf-8")


def live_counts() -> dict[str, int]:
    with db.unit_of_work(write=False) as s:
        return {model.__tablename__: s.scalar(select(func.count()).select_from(model)) or 0
                for model in (ProcessDefinition, ProcessInstance, Task, Job, AuditEvent, PathTest)}


def test_every_scenario_of_the_deployed_version_passes_and_says_where_it_ended(review):
    report = engine.run_path_tests("review", scenarios=PASSING)
    assert report.passed, report.results
    by_name = {r.name: r for r in report.results}
    assert by_name["验收通过后销号"].ended_at == ("end",)
    assert by_name["验收通过后销号"].path == ("rectify", "accept")
    assert by_name["验收不通过退回整改"].open_tasks == ("rectify",)
    assert by_name["验收超时"].ended_at == ("end_timeout",)


def test_a_draft_run_writes_nothing_to_the_live_tables(review):
    before = live_counts()
    engine.run_path_tests("review", bpmn=draft_without_failing_back(), scenarios=PASSING)
    assert live_counts() == before


def test_a_changed_draft_fails_at_the_step_where_it_diverged(review):
    report = engine.run_path_tests("review", bpmn=draft_without_failing_back(), scenarios=PASSING)
    assert not report.passed
    failed = {r.name: r for r in report.results if not r.passed}
    assert list(failed) == ["验收不通过退回整改"]
    result = failed["验收不通过退回整改"]
    assert (result.step, result.element_id, result.ended_at) == (3, "rectify", ("end",))
    assert "expected task 整改 (rectify) to be open; it ended at 结束 (end)" in result.message_en


@pytest.mark.parametrize("steps,step,says", [
    ([accept("pass")], 1, "expected task 验收 (accept) to be open; open were: 整改 (rectify)"),     # the wrong task
    ([rectify("x")], 1, "measures: At least 2 characters"),                            # the form refuses the answer
    ([rectify(), accept("pass")], 2, "incident at 销号 (close)"),                            # the script fails: no `spawn`
])
def test_a_failing_step_is_named_with_its_reason(review, steps, step, says):
    start = {k: v for k, v in START.items() if k != "spawn"} if step == 2 else START
    report = engine.run_path_tests("review", scenarios=[scenario("坏路径", *steps, end="end", start=start)])
    [result] = report.results
    assert (result.passed, result.step) == (False, step)
    assert says in result.message_en, result.message_en


def test_start_data_refused_by_the_start_form_fails_at_the_start(review):
    [result] = engine.run_path_tests("review", scenarios=[scenario("缺标题", end="end", start={"note": "x"})]).results
    assert (result.passed, result.step) == (False, 0)
    assert "case_title" in result.message_en


def test_scenarios_are_stored_with_the_process_and_audited(review, people):
    engine.save_path_tests(people["owner"], "review", PASSING)
    assert [s.name for s in engine.list_path_tests("review")] == [s["name"] for s in PASSING]
    assert engine.run_path_tests("review").passed
    engine.save_path_tests(people["owner"], "review", PASSING[:1])
    assert [s.as_json() for s in engine.list_path_tests("review")] == PASSING[:1]
    with db.unit_of_work(write=False) as s:
        saves = s.scalars(select(AuditEvent).where(AuditEvent.action == "process.path_tests.save")).all()
    assert [e.after["names"] for e in saves] == [[s["name"] for s in PASSING], [PASSING[0]["name"]]]


@pytest.mark.parametrize("bad,field", [
    ("not a list", "scenarios"),
    ([{"name": "", "start": {}, "steps": [], "expect": {"end": "end"}}], "#1"),
    ([scenario("a", end="end"), scenario("a", end="end")], "scenarios"),
    ([scenario("a", {"wait": "soon"}, end="end")], "#1.steps[1]"),
    ([scenario("a", {"task": "rectify", "data": []}, end="end")], "#1.steps[1]"),
    ([{"name": "a", "start": {}, "steps": [], "expect": {"end": "x", "task": "y"}}], "#1"),
    ([scenario("a", end="end")] * 51, "scenarios"),
])
def test_bad_scenarios_are_refused_and_change_nothing(review, people, bad, field):
    engine.save_path_tests(people["owner"], "review", PASSING)
    before = live_counts()
    with pytest.raises(engine.BadRequest) as info:
        engine.save_path_tests(people["owner"], "review", bad)
    assert info.value.details[0]["field"] == field
    assert live_counts() == before
    assert len(engine.list_path_tests("review")) == len(PASSING)


def test_a_draft_of_another_process_is_refused(review):
    other = _review_text(**{'<bpmn:process id="review"': '<bpmn:process id="other"'}).encode("utf-8")
    with pytest.raises(engine.BadRequest):
        engine.run_path_tests("review", bpmn=other, scenarios=PASSING)


def test_a_failing_path_test_blocks_the_deploy_naming_scenario_and_step(review, people):
    engine.save_path_tests(people["owner"], "review", PASSING)
    before = live_counts()
    with pytest.raises(engine.PathTestsFailed) as info:
        engine.deploy(draft_without_failing_back(), actor="owner")
    [problem] = info.value.details
    assert (problem["scenario"], problem["step"], problem["element_id"]) == ("验收不通过退回整改", 3, "rectify")
    assert "第 3 步" in problem["message_zh"]
    assert live_counts() == before
    assert engine.get_process("review").version == 1


def test_an_override_with_a_reason_deploys_and_is_audited_with_the_failures(review, people):
    engine.save_path_tests(people["owner"], "review", PASSING)
    with pytest.raises(engine.PathTestsFailed):
        engine.deploy(draft_without_failing_back(), actor="owner", override_reason="   ")
    result = engine.deploy(draft_without_failing_back(), actor="owner", override_reason="不通过即结束，已与科室确认")
    assert (result.created, result.process.version) == (True, 2)
    with db.unit_of_work(write=False) as s:
        [event] = s.scalars(select(AuditEvent).where(AuditEvent.action == "process.path_tests.override")).all()
    assert event.actor == "owner" and event.after["reason"] == "不通过即结束，已与科室确认"
    assert [(f["scenario"], f["step"]) for f in event.after["failed"]] == [("验收不通过退回整改", 3)]


def test_passing_path_tests_let_the_deploy_through_and_the_audit_counts_them(review, people):
    engine.save_path_tests(people["owner"], "review", PASSING)
    result = engine.deploy(_review_text(**{'name="整改复核（测试）"': 'name="整改复核 v2"'}).encode("utf-8"), actor="owner")
    assert result.created
    with db.unit_of_work(write=False) as s:
        deploys = s.scalars(select(AuditEvent).where(AuditEvent.action == "process.deploy").order_by(AuditEvent.id)).all()
    assert deploys[-1].after["path_tests"] == {"run": 3, "failed": 0}


def test_a_camunda_modeler_diagram_runs_its_assignee_and_candidate_groups(people):
    bpmn = _review_text(**{
        'xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core"':
            'xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core" xmlns:camunda="http://camunda.org/schema/1.0/bpmn"',
        '<bpmn:userTask id="accept" name="验收">':
            '<bpmn:userTask id="accept" name="验收" camunda:candidateGroups="section_chief" camunda:assignee="reviewer">',
        '<bpmn:lane id="Lane_insp" name="bureau_inspector">': '<bpmn:lane id="Lane_insp" name="">'})
    engine.deploy(bpmn.encode("utf-8"), actor="owner", forms_given=read_forms())
    report = engine.run_path_tests("review", scenarios=[scenario("指定验收人", rectify(), accept("pass"), end="end")])
    assert report.passed, report.results
