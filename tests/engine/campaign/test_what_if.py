"""What-if (issue 19 §2): a draft and the deployed version replay the same months on scratch databases; the draft
that shortens a deadline shows more overdue tasks and escalations, deterministically, and nothing live changes."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

import engine
from engine.campaign import what_if
from engine.runtime import db
from engine.runtime.errors import BadRequest, DefinitionInvalid, NotFound
from engine.runtime.models import AuditEvent, Job, Notification, ProcessDefinition, ProcessInstance, Task
from tests.conftest import DATA, ENT_A, ENT_B, read_forms

BPMN = (DATA / "what_if.bpmn").read_text(encoding="utf-8")


def shortened(days: int = 1) -> bytes:
    """The draft: 整改 is due in `days` days instead of five."""
    assert '<spiffworkflow:property name="dueIn" value="P5D"/>' in BPMN
    return BPMN.replace('<spiffworkflow:property name="dueIn" value="P5D"/>',
                        f'<spiffworkflow:property name="dueIn" value="P{days}D"/>').encode("utf-8")


@pytest.fixture
def deployed(people: dict[str, engine.Actor]) -> engine.ProcessVersion:
    return engine.deploy(BPMN.encode("utf-8"), actor="owner", forms_given=read_forms()).process


def live_counts() -> dict[str, int]:
    with db.unit_of_work(write=False) as s:
        return {model.__tablename__: s.scalar(select(func.count()).select_from(model)) or 0
                for model in (ProcessDefinition, ProcessInstance, Task, Job, AuditEvent, Notification)}


def history(people: dict[str, engine.Actor], clock: engine.ManualClock, cases: int = 8) -> None:
    """Real cases in the last month: 整改 done in about two days, 验收 in about one."""
    back = clock.now()
    clock.set(back - timedelta(days=25))
    for n in range(cases):
        officer = people["officer_a"] if n % 2 else people["officer_b"]
        inst = engine.start_instance(officer, "what_if", {"case_title": f"隐患{n}"})
        clock.advance(days=2, hours=n % 3)
        with db.unit_of_work(write=False) as s:
            task_id = s.scalar(select(Task.id).where(Task.instance_id == inst.id, Task.status == "open"))
        engine.complete_task(officer, task_id, {"measures": "更换灭火器"})
        clock.advance(hours=12)
    clock.set(back)


def test_a_shorter_deadline_shows_more_overdue_tasks_and_escalations(deployed, clock):
    before = live_counts()
    result = what_if.compare("what_if", bpmn=shortened(), months=1, seed=7)
    assert live_counts() == before
    assert not result.partial
    assert result.deployed.version == "v1" and result.draft.version == "draft"
    assert result.basis.volume_source == "default" and result.notes_zh  # no history: said so
    assert result.deployed.cases_started == result.draft.cases_started == result.arrivals > 10
    assert result.draft.overdue_tasks > 2 * max(result.deployed.overdue_tasks, 1)
    assert result.draft.escalations > result.deployed.escalations
    assert result.draft.reminders >= result.deployed.reminders
    rows = {r["measure"]: r for r in result.rows()}
    assert rows["overdue_tasks"]["change"] == "worse"
    assert rows["escalations_per_working_day"]["draft"] > rows["escalations_per_working_day"]["deployed"]
    steps = {r["element_id"]: r for r in result.step_rows()}
    assert steps["rectify"]["draft_overdue"] > steps["rectify"]["deployed_overdue"]
    assert steps["accept"]["draft_overdue"] == steps["accept"]["deployed_overdue"]  # same people, same delays
    again = what_if.compare("what_if", bpmn=shortened(), months=1, seed=7)
    assert again.as_json() == result.as_json()
    other = what_if.compare("what_if", bpmn=shortened(), months=1, seed=8)
    assert other.as_json()["deployed"] != result.as_json()["deployed"]


def test_observed_delays_and_volumes_come_from_the_live_cases(deployed, people, clock):
    history(people, clock)
    result = what_if.compare("what_if", version=1, months=1, seed=3)
    rectify = result.basis.steps["rectify"]
    assert rectify.source == "history" and rectify.observed == 8
    assert 2 * 86400 <= rectify.median <= 2 * 86400 + 3 * 3600
    assert result.basis.steps["accept"].source == "due"  # no 验收 completed yet: guessed from P3D
    assert result.basis.volume_source == "history" and result.basis.cases == 8
    assert result.deployed.as_json() | {"version": "draft"} == result.draft.as_json()  # the same version twice


def test_a_run_stops_at_its_case_cap_and_time_limit(deployed, clock):
    capped = what_if.compare("what_if", bpmn=shortened(), months=3, seed=1, max_cases=5)
    assert capped.capped and capped.partial and capped.arrivals == 5
    assert capped.draft.cases_started == 5 and any("上限" in n for n in capped.notes_zh)
    timed = what_if.compare("what_if", bpmn=shortened(), months=3, seed=1, time_limit=0.0)
    assert timed.draft.partial and timed.partial
    assert any("时限" in n for n in timed.notes_zh)


def test_bad_input_is_refused_before_anything_runs(deployed, clock):
    before = live_counts()
    for months in (0, 13, "3", True):
        with pytest.raises(BadRequest):
            what_if.compare("what_if", bpmn=shortened(), months=months)
    with pytest.raises(BadRequest):
        what_if.compare("what_if", bpmn=shortened(), seed=-1)
    with pytest.raises(BadRequest):
        what_if.compare("what_if")  # neither draft nor version
    with pytest.raises(BadRequest):
        what_if.compare("what_if", bpmn=(DATA / "review.bpmn").read_bytes())  # another process's diagram
    with pytest.raises(NotFound):
        what_if.compare("what_if", version=9)
    with pytest.raises(NotFound):
        what_if.compare("nothing_here", version=1)
    with pytest.raises(DefinitionInvalid):
        what_if.compare("what_if", bpmn=BPMN.replace('targetRef="end"', 'targetRef="nowhere"').encode("utf-8"))
    assert live_counts() == before
