"""BPMN timers and task deadlines follow the injected clock."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

import engine
from engine.runtime import timers
from engine.runtime.db import unit_of_work
from engine.runtime.models import Job


def _to_accept(people):
    case = engine.start_instance(people["officer_a"], "review", {"case_title": "定时", "spawn": False})
    return engine.complete_task(people["officer_a"], case.open_tasks[0].id, {"measures": "更换"})


def test_boundary_timer_waits_by_the_injected_clock_then_fires(review, people, clock):
    case = _to_accept(people)
    with unit_of_work(write=False) as s:
        [job] = s.scalars(select(Job).where(Job.instance_id == case.id, Job.kind == "timer", Job.status == "pending"))
    assert job.due_at == clock.now() + timedelta(days=10)
    clock.advance(days=9, hours=23)
    assert timers.fire_due() == 0
    clock.advance(hours=2)
    assert timers.fire_due() == 1
    after = engine.get_instance(people["admin"], case.id)
    assert after.status == "completed" and after.open_tasks == ()
    assert timers.fire_due() == 0  # never twice


def test_a_timer_fired_at_its_exact_due_instant_fires(review, people, clock):
    """SpiffWorkflow compares strictly (due < now): a sweep at the due instant must not mark the job done idly."""
    case = _to_accept(people)
    with unit_of_work(write=False) as s:
        [job] = s.scalars(select(Job).where(Job.instance_id == case.id, Job.kind == "timer", Job.status == "pending"))
    clock.set(job.due_at)
    assert timers.fire_due() == 1
    after = engine.get_instance(people["admin"], case.id)
    assert after.status == "completed" and after.open_tasks == ()


def test_due_in_makes_reminder_and_escalation_jobs(review, people, clock):
    case = engine.start_instance(people["officer_a"], "review", {"case_title": "期限", "spawn": False})
    task = case.open_tasks[0]
    assert task.due_at == clock.now() + timedelta(days=3)
    clock.advance(days=2, minutes=1)
    assert timers.fire_due() == 1  # the reminder
    clock.advance(days=1)
    assert timers.fire_due() == 1  # overdue: escalation level 1
    view = engine.get_task(people["admin"], task.id)
    assert view.overdue and view.escalation_level == 1
    actions = [h.action for h in engine.instance_history(people["admin"], case.id)]
    assert "task.remind" in actions and "task.escalate" in actions


def test_completed_task_cancels_its_pending_jobs(review, people, clock):
    case = engine.start_instance(people["officer_a"], "review", {"case_title": "取消", "spawn": False})
    engine.complete_task(people["officer_a"], case.open_tasks[0].id, {"measures": "更换"})
    clock.advance(days=5)
    fired = timers.fire_due()
    assert fired == 0


def test_due_in_working_days_skips_the_national_day_holiday(people, clock):
    from pathlib import Path

    from engine.campaign.bootstrap import read_forms
    data = Path(__file__).parents[2] / "data"
    bpmn = (data / "review.bpmn").read_text(encoding="utf-8").replace(
        '<spiffworkflow:property name="dueIn" value="P3D"/>', '<spiffworkflow:property name="dueInWorkingDays" value="2"/>')
    engine.deploy(bpmn.encode(), actor="owner", forms_given=read_forms(data / "forms"))
    from datetime import datetime, timezone
    clock.set(datetime(2025, 9, 30, 2, 0, tzinfo=timezone.utc))  # Tue 30 Sep 2025, 10:00 in China
    case = engine.start_instance(people["officer_a"], "review", {"case_title": "节假日", "spawn": False})
    due = case.open_tasks[0].due_at.astimezone(engine.runtime.clock.CHINA_TZ)
    assert due.date().isoformat() == "2025-10-10"  # 1–8 Oct off; 9 Oct = day 1, 10 Oct = day 2


def _escalations(case_id: int) -> list[dict]:
    return [h.after for h in engine.instance_history(engine.get_actor("admin"), case_id) if h.action == "task.escalate"]


def test_each_level_escalates_once_and_the_ladder_climbs_one_level_per_interval(review, people, clock):
    case = engine.start_instance(people["officer_a"], "review", {"case_title": "阶梯", "spawn": False})
    clock.advance(days=30)  # a sweep that was down for weeks climbs one level, not the whole ladder
    while timers.fire_due():
        pass
    assert [e["level"] for e in _escalations(case.id)] == [1]
    for _ in range(6):
        clock.advance(days=1)
        timers.fire_due()
    ladder = [(e["level"], e["to_role"]) for e in _escalations(case.id)]
    # the enterprise officer's step: inspector, then section chief → deputy director → director, each once
    assert ladder == [(1, "bureau_inspector"), (2, "section_chief"), (3, "deputy_director"), (4, "director")]
    task = engine.get_task(people["admin"], case.open_tasks[0].id)
    assert task.escalation_level == 4


def test_a_second_escalation_job_at_the_same_level_is_refused_and_never_fires(review, people, clock):
    from sqlalchemy.exc import IntegrityError

    from engine.runtime import projection
    case = engine.start_instance(people["officer_a"], "review", {"case_title": "重复", "spawn": False})
    task_id = case.open_tasks[0].id

    def level_one() -> Job:
        return Job(kind="escalation", instance_id=case.id, task_id=task_id, due_at=clock.now(), status="pending",
                   attempts=0, payload={"level": 1}, created_at=clock.now())

    with unit_of_work() as s:
        assert projection.queue_once(s, level_one()) is False
    try:  # written past the check, the unique key still refuses it
        with unit_of_work() as s:
            job = level_one()
            job.dedupe_key = f"escalation:{task_id}:1"
            s.add(job)
        raise AssertionError("a duplicate escalation job was stored")
    except IntegrityError:
        pass
    with unit_of_work() as s:  # a duplicate from before the unique key (no key) is skipped when it comes due
        s.add(level_one())
    clock.advance(days=3, minutes=1)
    while timers.fire_due():
        pass
    assert [e["level"] for e in _escalations(case.id)] == [1]


def test_a_step_sent_back_and_reopened_never_repeats_a_level(review, people, clock):
    case = engine.start_instance(people["officer_a"], "review", {"case_title": "退回", "spawn": False})
    clock.advance(days=3, minutes=1)
    timers.fire_due()
    rectify = case.open_tasks[0].id
    after = engine.complete_task(people["officer_a"], rectify, {"measures": "更换"})
    engine.claim(people["inspector_catering"], after.open_tasks[0].id)
    engine.send_back(people["inspector_catering"], after.open_tasks[0].id, "佐证不全")
    assert engine.get_task(people["admin"], rectify).status == "open"  # the same step, reopened
    for _ in range(5):
        clock.advance(days=1)
        timers.fire_due()
    levels = [e["level"] for e in _escalations(case.id)]
    assert levels == sorted(set(levels)) and levels.count(1) == 1
    with unit_of_work(write=False) as s:
        keys = list(s.scalars(select(Job.dedupe_key).where(Job.task_id == rectify)))
    assert len(keys) == len(set(keys))


def test_a_step_created_after_its_deadline_starts_its_ladder_at_level_one_from_its_creation(people, clock):
    from pathlib import Path

    from engine.campaign.bootstrap import read_forms
    data = Path(__file__).parents[2] / "data"
    bpmn = (data / "review.bpmn").read_text(encoding="utf-8").replace(
        '<spiffworkflow:property name="dueIn" value="P3D"/>', '<spiffworkflow:property name="dueIn" value="deadline"/>')
    engine.deploy(bpmn.encode(), actor="owner", forms_given=read_forms(data / "forms"))
    case = engine.start_instance(people["officer_a"], "review",
                                 {"case_title": "迟到", "spawn": False, "deadline": "2025-01-31"})  # a month ago
    task = case.open_tasks[0]
    assert task.due_at == clock.now() + timedelta(days=1)  # due one grace period after its creation
    assert timers.fire_due() == 1  # the reminder only
    assert _escalations(case.id) == []
    clock.advance(days=1, minutes=1)
    timers.fire_due()
    assert [e["level"] for e in _escalations(case.id)] == [1]
    assert engine.get_task(people["admin"], task.id).escalation_level == 1
