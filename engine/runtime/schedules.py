"""Scheduled starts: a process whose start event has a timer starts a *new case* at each occurrence.

SpiffWorkflow would keep one case alive and loop inside it (a cycle timer on a start event adds a
branch per cycle, so the case grows forever). We keep the schedule as a `start` job instead, start
a fresh case per occurrence, and let that case's start timer fire exactly once.
"""
from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.bpmn.specs.event_definitions.timer import CycleTimerEventDefinition, TimerEventDefinition
from SpiffWorkflow.bpmn.specs.mixins.events.start_event import StartEvent as StartEventMixin
from SpiffWorkflow.util.task import TaskState
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from . import clock
from .models import Job, ProcessDefinition

MAX_SCAN = 10_000
_PAST = "2000-01-01T00:00:00+00:00"


def _cycle(expr: str) -> tuple[int, datetime, dict[str, Any]]:
    parts = expr.upper().lstrip("R").split("/")
    count = int(parts[0]) if parts[0] else -1
    if len(parts) != 3:
        raise ValueError("a scheduled cycle needs a start: R[n]/<start>/<period>")
    start = TimerEventDefinition.get_datetime(parts[1])
    return count, start, TimerEventDefinition.parse_iso_duration(parts[2])


def occurrence(timer: dict[str, str], index: int, deployed_at: datetime) -> datetime | None:
    """The index-th (0-based) start time of a schedule, or None when there is no such occurrence."""
    kind, expr = timer["kind"], timer["expr"]
    if kind == "timeDate":
        return TimerEventDefinition.get_datetime(expr) if index == 0 else None
    if kind == "timeDuration":
        delta = TimerEventDefinition.get_timedelta_from_start(TimerEventDefinition.parse_iso_duration(expr), deployed_at)
        return deployed_at + delta if index == 0 else None
    count, start, period = _cycle(expr)
    if 0 <= count <= index:
        return None
    when = start
    for _ in range(index):
        when = when + TimerEventDefinition.get_timedelta_from_start(dict(period), when)
    return when


def next_index(timer: dict[str, str], after: datetime, deployed_at: datetime) -> tuple[int, datetime] | None:
    """The first occurrence at or after `after` (walking the cycle forward once)."""
    if timer["kind"] != "timeCycle":
        when = occurrence(timer, 0, deployed_at)
        return (0, when) if when is not None and when >= after else None
    count, when, period = _cycle(timer["expr"])
    for index in range(MAX_SCAN * 10):
        if 0 <= count <= index:
            return None
        if when >= after:
            return index, when
        when = when + TimerEventDefinition.get_timedelta_from_start(dict(period), when)
    return None


def reschedule(s: Session, definition: ProcessDefinition) -> Job | None:
    """On deploy: the newest version takes over the process's schedule."""
    s.execute(update(Job).where(Job.kind == "start", Job.definition_key == definition.key, Job.status == "pending")
              .values(status="cancelled"))
    timer = (definition.meta or {}).get("start_timer")
    if not timer:
        _keep_notices_queued(s, definition, holidays=False)  # campaign dates move to the new version at once
        return None
    try:
        found = next_index(timer, clock.now(), definition.deployed_at)
    except (ValueError, TypeError, KeyError):
        return None
    if found is None:
        return None
    return queue_start(s, definition, found[1], found[0])


def queue_start(s: Session, definition: ProcessDefinition, when: datetime, index: int = 0, **payload: Any) -> Job:
    """Queue one scheduled start of `definition` at `when`; `payload` may carry a business key and start data."""
    job = Job(kind="start", definition_key=definition.key, due_at=when, status="pending", attempts=0,
              payload={"definition_id": definition.id, "index": index, **payload}, created_at=clock.now())
    s.add(job)
    return job


def schedule_next(s: Session, definition: ProcessDefinition, index: int) -> Job | None:
    """After an occurrence fired: queue the next one (if the schedule has one)."""
    timer = (definition.meta or {}).get("start_timer")
    if not timer:
        _keep_notices_queued(s, definition, holidays=True)
        return None
    when = occurrence(timer, index + 1, definition.deployed_at)
    return queue_start(s, definition, when, index + 1) if when is not None else None


RefillHook = Callable[[Session, ProcessDefinition, bool], None]
_refill_hooks: list[RefillHook] = []


def on_scheduled_start(hook: RefillHook) -> RefillHook:
    """Register `hook(session, definition, fired)` for a process without a start timer whose starts are queued
    one by one by a layer above (the campaign's dated notices): called on deploy (`fired` False) and after one
    of its queued starts fired (`fired` True), in the same unit of work, to top its queue up."""
    _refill_hooks.append(hook)
    return hook


def _keep_notices_queued(s: Session, definition: ProcessDefinition, *, holidays: bool) -> None:
    for hook in _refill_hooks:
        hook(s, definition, holidays)


def fire_start_timer_once(wf: BpmnWorkflow) -> None:
    """Before a scheduled case first runs: its start timer fires now, exactly once (never loops inside the case)."""
    for task in wf.get_tasks():
        if not isinstance(task.task_spec, StartEventMixin) or task.state & TaskState.FINISHED_MASK:
            continue
        definition = getattr(task.task_spec, "event_definition", None)
        if isinstance(definition, CycleTimerEventDefinition):
            task._set_internal_data(event_value={"cycles": 1, "next": _PAST, "duration": 1.0})
        elif isinstance(definition, TimerEventDefinition):
            task._set_internal_data(event_value=_PAST)


def pending_schedules(s: Session) -> list[Job]:
    """Every scheduled start still to come, soonest first."""
    return list(s.scalars(select(Job).where(Job.kind == "start", Job.status.in_(("pending", "paused")))
                          .order_by(Job.due_at)))


def pause(s: Session, key: str, paused: bool) -> int:
    """Pause or resume a process's schedule; returns how many jobs changed."""
    old, new = ("pending", "paused") if paused else ("paused", "pending")
    result = s.execute(update(Job).where(Job.kind == "start", Job.definition_key == key, Job.status == old)
                       .values(status=new))
    return result.rowcount or 0


def pause_job(s: Session, job_id: int, paused: bool) -> Job | None:
    """Pause or resume one scheduled start (a queued notice); returns the job if its status changed."""
    old, new = ("pending", "paused") if paused else ("paused", "pending")
    job = s.get(Job, job_id)
    if job is None or job.kind != "start" or job.status != old:
        return None
    job.status, job.locked_by, job.locked_until = new, None, None
    return job


def catch_up(s: Session, definition: ProcessDefinition) -> int:
    """On resume: move a process's waiting starts that fell due while paused to the schedule's next occurrence
    (a dispatcher paused for a month must not dispatch every missed period at once); returns how many moved."""
    timer = (definition.meta or {}).get("start_timer")
    moved = 0
    for job in s.scalars(select(Job).where(Job.kind == "start", Job.definition_key == definition.key,
                                           Job.status == "pending", Job.due_at < clock.now())):
        found = next_index(timer, clock.now(), definition.deployed_at) if timer else None
        if found is None:
            job.status = "cancelled"
        else:
            job.payload, job.due_at = {**(job.payload or {}), "index": found[0]}, found[1]
        moved += 1
    return moved


__all__ = ["occurrence", "next_index", "reschedule", "schedule_next", "fire_start_timer_once", "pending_schedules",
           "pause", "pause_job", "catch_up"]
