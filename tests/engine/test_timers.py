"""BPMN timers and task deadlines follow the injected clock."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

import engine
from engine import timers
from engine.db import unit_of_work
from engine.models import Job


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
    from engine.bootstrap import read_forms
    data = Path(__file__).parent.parent / "data"
    bpmn = (data / "review.bpmn").read_text(encoding="utf-8").replace(
        '<spiffworkflow:property name="dueIn" value="P3D"/>', '<spiffworkflow:property name="dueInWorkingDays" value="2"/>')
    engine.deploy(bpmn.encode(), actor="owner", forms_given=read_forms(data / "forms"))
    from datetime import datetime, timezone
    clock.set(datetime(2025, 9, 30, 2, 0, tzinfo=timezone.utc))  # Tue 30 Sep 2025, 10:00 in China
    case = engine.start_instance(people["officer_a"], "review", {"case_title": "节假日", "spawn": False})
    due = case.open_tasks[0].due_at.astimezone(engine.clock.CHINA_TZ)
    assert due.date().isoformat() == "2025-10-10"  # 1–8 Oct off; 9 Oct = day 1, 10 Oct = day 2
