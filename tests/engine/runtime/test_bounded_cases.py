"""A case's stored state and task tree stay bounded however often it loops (engine/runtime/compaction.py).

The full-length runs (5,000 loops, ms per step at 10 / 1,000 / 5,000) are in `make bench` (bench/bounded.py); here
each shape of repetition runs long enough to pass the point where SpiffWorkflow's tree would keep growing.
"""
from __future__ import annotations

import json

import pytest
from sqlalchemy import select, update

import engine
from engine.runtime import case_search, compaction, instances, specs, timers
from engine.runtime.db import unit_of_work
from engine.runtime.models import ProcessDefinition, ProcessInstance, Task
from tests.conftest import DATA, ENT_A

LOOPS = 150  # each loop of `review` is two completions and ~7 tree levels: far past the kept window


def _stored(case_id: int) -> tuple[int, int, int]:
    """(bytes, tasks, deepest level) of the stored state."""
    with unit_of_work(write=False) as s:
        state = s.scalar(select(ProcessInstance.state).where(ProcessInstance.id == case_id))
    return (len(state), *compaction.stored_shape(state))


def _review_round(people, task_id: str) -> str:
    accept = engine.complete_task(people["officer_a"], task_id, {"measures": "整改"}).open_tasks[0]
    back = engine.complete_task(people["inspector_catering"], accept.id, {"result": "fail"})
    [task] = back.open_tasks
    assert task.element_id == "rectify"
    return task.id


def test_a_send_back_loop_keeps_the_same_size_however_often_it_repeats(review, people):
    case = engine.start_instance(people["officer_a"], "review", {"case_title": "循环", "hazard_level": "general",
                                                                 "deadline": "2025-03-10", "spawn": False})
    task_id = case.open_tasks[0].id
    shapes = {}
    for n in range(1, LOOPS + 1):
        task_id = _review_round(people, task_id)
        if n in (10, 50, LOOPS):
            shapes[n] = _stored(case.id)
    size10, tasks10, depth10 = shapes[10]
    for size, tasks, depth in shapes.values():
        assert size <= size10 * 1.1 and tasks <= tasks10 + 4 and depth <= depth10 + 2
    assert depth10 <= compaction.KEEP + 20
    # the inbox still shows the one open step, and the history is all in the audit trail and task rows
    assert [t.id for t in engine.list_tasks(people["officer_a"], scope="candidate").items] == [task_id]
    history = engine.instance_history(people["admin"], case.id)
    assert sum(h.action == "task.complete" for h in history) == 2 * LOOPS
    with unit_of_work(write=False) as s:
        assert s.scalar(select(engine_count()).where(Task.instance_id == case.id, Task.status == "completed")) == 2 * LOOPS
    # the case still closes normally
    accept = engine.complete_task(people["officer_a"], task_id, {"measures": "整改"}).open_tasks[0]
    done = engine.complete_task(people["inspector_catering"], accept.id, {"result": "pass"})
    assert done.status == "completed"


def engine_count():  # noqa: ANN201 - a tiny helper for the row count
    from sqlalchemy import func
    return func.count()


def test_send_back_still_reaches_the_previous_step_after_many_loops(review, people):
    case = engine.start_instance(people["officer_a"], "review", {"case_title": "退回", "hazard_level": "general",
                                                                 "deadline": "2025-03-10", "spawn": False})
    task_id = case.open_tasks[0].id
    for _ in range(40):
        task_id = _review_round(people, task_id)
    accept = engine.complete_task(people["officer_a"], task_id, {"measures": "整改"}).open_tasks[0]
    back = engine.send_back(people["inspector_catering"], accept.id, "照片不清楚，请重新上传")
    assert [t.element_id for t in back.open_tasks] == ["rectify"]


@pytest.fixture
def loops(people):
    return engine.deploy((DATA / "loops.bpmn").read_bytes(), actor="owner").process


def test_timers_parallel_branches_and_subprocesses_stay_bounded(loops, people, clock):
    """A daily non-interrupting cycle timer, a parallel split/join and an embedded subprocess, every round."""
    officer = people["officer_a"]
    case = engine.start_instance(officer, "loops", {"case_title": "每日循环", "enterprise_code": ENT_A})
    shapes = []
    for n in range(1, 91):
        clock.advance(days=1, hours=1)
        timers.fire_due()
        [task] = engine.get_instance(officer, case.id).open_tasks
        engine.complete_task(officer, task.id, {"finished": False})
        if n in (15, 90):
            shapes.append(_stored(case.id))
    view = engine.get_instance(officer, case.id)
    assert view.status == "running" and len(view.open_tasks) == 1
    assert view.data["rounds"] == 90
    fired = [h for h in engine.instance_history(people["admin"], case.id) if h.action == "timer.fire"]
    assert len(fired) == 90  # the daily cycle timer fired once each round (its branch keeps its own data)
    (size15, tasks15, depth15), (size90, tasks90, depth90) = shapes
    assert size90 <= size15 * 1.15 and depth90 <= depth15 + 3 and tasks90 <= tasks15 + 10
    # the case's path on the diagram still lists every element it ever completed
    path = case_search.case_path(people["admin"], case.id)
    assert {"init", "left", "right", "inner", "count_tick"} <= set(path.completed)
    done = engine.complete_task(officer, view.open_tasks[0].id, {"finished": True})
    assert done.status == "completed"


def _grow_without_compaction(parsed: specs.ParsedSpec, rounds: int) -> str:
    """A `review` state as the engine stored it before compaction existed: every round kept."""
    from SpiffWorkflow.util.task import TaskState
    wf = specs.new_workflow(parsed)
    wf.task_tree.data.update({"case_title": "旧案件", "hazard_level": "general", "deadline": "2025-03-10",
                              "spawn": False, "enterprise_code": ENT_A})
    wf.do_engine_steps()
    for _ in range(rounds):
        for answer in ({"measures": "整改"}, {"result": "fail"}):
            task = wf.get_tasks(state=TaskState.READY, manual=True)[0]
            task.data.update(answer)
            task.run()
            wf.do_engine_steps()
    return specs.dump_state(wf)


def test_a_case_stored_too_deep_heals_on_load_and_can_be_worked_again(review, people):
    """Before compaction, a few hundred rounds took a case so deep that SpiffWorkflow's recursive helpers failed (and
    past 1,000 levels its iterator no longer finds the ready task): loading such a case compacts it, and it runs on."""
    case = engine.start_instance(people["officer_a"], "review", {"case_title": "旧案件", "hazard_level": "general",
                                                                 "deadline": "2025-03-10", "spawn": False})
    with unit_of_work() as s:
        inst = s.get(ProcessInstance, case.id)
        definition = instances.definition_spec(s.get(ProcessDefinition, inst.definition_id))
        old = _grow_without_compaction(definition, 180)
        inst.state = old
    assert compaction.stored_shape(old)[1] > 700  # near where SpiffWorkflow recursion fails
    task_id = case.open_tasks[0].id
    # the projected task row is the old open one; the state's ready task is another: point the row at it
    wf = specs.load_state(old, definition)
    from SpiffWorkflow.util.task import TaskState
    ready = [t for t in wf.tasks.values() if t.state == TaskState.READY]
    assert len(ready) == 1
    with unit_of_work() as s:
        s.execute(update(Task).where(Task.id == task_id).values(id=str(ready[0].id)))
    after = engine.complete_task(people["officer_a"], str(ready[0].id), {"measures": "整改"})
    assert [t.element_id for t in after.open_tasks] == ["accept"]
    assert _stored(case.id)[2] < 60


def test_a_case_beyond_the_hard_bound_becomes_an_incident_not_a_crash(review, people, monkeypatch):
    monkeypatch.setattr(compaction, "MAX_DEPTH", 5)
    monkeypatch.setattr(compaction, "MAX_TASKS", 8)
    case = engine.start_instance(people["officer_a"], "review", {"case_title": "超限", "hazard_level": "general",
                                                                 "deadline": "2025-03-10", "spawn": False})
    view = engine.get_instance(people["admin"], case.id)
    assert view.status == "error"
    with unit_of_work(write=False) as s:
        message = s.scalar(select(ProcessInstance.error_message).where(ProcessInstance.id == case.id))
    assert "超出上限" in message and "limit" in message
    assert any(h.action == "incident" for h in engine.instance_history(people["admin"], case.id))


def test_stored_shape_reads_depth_without_recursion():
    chain = {str(i): {"parent": str(i - 1) if i else None} for i in range(5000)}
    assert compaction.stored_shape(json.dumps({"tasks": chain, "subprocesses": {}})) == (5000, 4999)
