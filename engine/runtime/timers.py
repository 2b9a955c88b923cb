"""The job sweep: BPMN timers, task reminders and escalations, fired once each.

``fire_due(now)`` claims due jobs with a lease (``FOR UPDATE SKIP LOCKED`` on PostgreSQL), runs
each under its case's lock in its own transaction, and returns how many fired. A failing job is
retried with backoff; after ``MAX_ATTEMPTS`` it becomes an incident and the sweep carries on.
"""
from __future__ import annotations

import logging
import os
import random
import socket
import time
from datetime import datetime, timedelta

from SpiffWorkflow.util.task import TaskState
from sqlalchemy import or_, select

from . import audit, clock, digests, instances, notifications, projection, schedules
from .db import DatabaseUnavailable, is_postgres, unit_of_work
from .models import Job, ProcessDefinition, ProcessInstance, Task
from .roles import LEADERS, RoleBook
from .views import SYSTEM

log = logging.getLogger("safeloop.timers")
MAX_ATTEMPTS = 5
LEASE = timedelta(minutes=5)
def _escalation_interval() -> timedelta:
    """How long after one escalation the next level is pressed (SAFELOOP_ESCALATION_INTERVAL, ISO, default P1D)."""
    from .projection import parse_duration
    try:
        return parse_duration(os.environ.get("SAFELOOP_ESCALATION_INTERVAL", "P1D"))
    except Exception:  # noqa: BLE001 - a bad setting falls back to one day
        return timedelta(days=1)
WORKER_ID = f"{socket.gethostname()}:{os.getpid()}"


def _claim(limit: int, now: datetime, worker: str) -> list[int]:
    with unit_of_work() as s:
        stmt = (select(Job).where(Job.status == "pending", Job.due_at <= now,
                                  or_(Job.locked_until.is_(None), Job.locked_until < now))
                .order_by(Job.due_at, Job.id).limit(limit))
        if is_postgres():
            stmt = stmt.with_for_update(skip_locked=True)
        jobs = list(s.scalars(stmt))
        for job in jobs:
            job.locked_by, job.locked_until = worker, now + LEASE
        return [j.id for j in jobs]


def _fire_timer(s, job: Job, loaded: instances.Loaded) -> None:  # noqa: ANN001
    # SpiffWorkflow fires a timer only once its time is strictly past: checked a microsecond on, a job swept at its
    # exact due instant (an injected clock, the simulator) fires its timer instead of being marked done idly
    token = clock.set_clock(_Fixed(max(clock.now(), job.due_at) + timedelta(microseconds=1)))
    try:
        loaded.wf.refresh_waiting_tasks()
    finally:
        clock.reset_clock(token)
    audit.record(s, "timer.fire", actor="system", instance_id=job.instance_id, task_id=job.task_id,
                 after={"due_at": job.due_at.isoformat()})
    instances.start_children(s, loaded.inst, instances.advance(s, loaded, "system"), instances.Actor("system"), 0)


def _fire_start(s, job: Job) -> None:  # noqa: ANN001
    definition = s.get(ProcessDefinition, job.payload.get("definition_id"))
    if definition is None:
        return
    index = int(job.payload.get("index", 0))
    # a queued one-off start (engine.campaign.notice_schedule) may carry prefilled data and its own business key
    data = {"scheduled_for": job.due_at.isoformat(), **(job.payload.get("data") or {})}
    inst = instances.create(s, definition, data, actor=SYSTEM,
                            business_key=job.payload.get("business_key")
                            or f"{definition.key}@{job.due_at.astimezone(clock.CHINA_TZ).date().isoformat()}",
                            scheduled=True)
    audit.record(s, "schedule.fire", actor="system", instance_id=inst.id, after={"process": definition.key, "index": index})
    schedules.schedule_next(s, definition, index)


def _fire_task_job(s, job: Job, roles: RoleBook) -> bool:  # noqa: ANN001
    task = s.get(Task, job.task_id)
    if task is None or task.status != "open":
        return False
    if job.kind == "reminder":
        recipients = [task.assignee] if task.assignee else sorted({
            name for role in filter(None, (task.role_key, task.alt_role_key))
            for name in notifications.role_members(s, role, task.enterprise_id, task.industry_key)})
        notifications.notify(s, recipients, "reminder", f"即将到期：{task.name}", f"Due soon: {task.name}",
                             instance_id=job.instance_id, task_id=task.id)
        audit.record(s, "task.remind", actor="system", instance_id=job.instance_id, task_id=task.id,
                     after={"assignee": task.assignee, "role": task.role_key, "recipients": recipients,
                            "due_at": task.due_at.isoformat() if task.due_at else None})
        return True
    return _escalate(s, job, task, roles)


def _escalate(s, job: Job, task: Task, roles: RoleBook) -> bool:  # noqa: ANN001
    """One level of the ladder: mark the task overdue, tell the level's role, queue the next level once.

    Leaders (section chief, deputy director, director) hear through their daily digest (engine/runtime/digests.py),
    everyone else at once; the task's assignee hears at the first level only."""
    level = int(job.payload.get("level", 1))
    if task.escalation_level >= level:  # this level was reached already (a duplicate queued before 0009)
        return False
    target = job.payload.get("escalate_to") or roles.escalates_to(task.escalated_to if level > 1 else task.role_key)
    task.overdue, task.escalation_level, task.escalated_to = True, level, target or task.escalated_to
    side_enterprise = task.enterprise_id if roles.is_enterprise_side(target) else None
    recipients = notifications.role_members(s, target, side_enterprise, task.industry_key) if target else []
    digest = target in LEADERS
    if recipients and not digest:
        notifications.notify(s, recipients, "escalation", f"逾期督办（第{level}级）：{task.name}",
                             f"Overdue, escalated (level {level}): {task.name}", instance_id=job.instance_id,
                             task_id=task.id)
    if task.assignee and level == 1:
        notifications.notify(s, [task.assignee], "overdue", f"任务已逾期：{task.name}", f"Task overdue: {task.name}",
                             instance_id=job.instance_id, task_id=task.id)
    audit.record(s, "task.escalate", actor="system", instance_id=job.instance_id, task_id=task.id,
                 after={"level": level, "to_role": target, "recipients": recipients, "digest": digest})
    following = roles.escalates_to(target) if target else None
    if following:  # the next level counts from this one's firing, so a late sweep never climbs several at once
        projection.queue_once(s, Job(kind="escalation", instance_id=job.instance_id, task_id=task.id,
                                     due_at=clock.now() + _escalation_interval(), status="pending", attempts=0,
                                     payload={"level": level + 1, "escalate_to": following}, created_at=clock.now()))
    return True


def _describe(job: Job) -> str:
    where = f"case {job.instance_id}" if job.instance_id else f"process {job.definition_key}"
    return f"{job.kind:<10} {where:<18} task={job.task_id or '-'} due={job.due_at.isoformat()}"


def _run_one(job_id: int, worker: str, report: list[str] | None = None) -> bool:
    with unit_of_work() as s:
        job = s.get(Job, job_id)
        if job is None or job.status != "pending" or job.locked_by != worker:
            return False
        inst = instances.lock(s, job.instance_id) if job.instance_id else None
        if inst is not None and inst.status != "running":
            job.locked_by = job.locked_until = None  # wait until the case runs again
            return False
        fired = True
        if job.kind == "start":
            _fire_start(s, job)
        elif job.kind == "timer" and inst is not None:
            _fire_timer(s, job, instances.load(s, inst))
        else:
            fired = _fire_task_job(s, job, RoleBook.load(s))
        job.status, job.fired_at, job.locked_by, job.locked_until = ("done" if fired else "cancelled"), clock.now(), None, None
        line, kind, instance_id = ("fired     " if fired else "skipped   ") + _describe(job), job.kind, job.instance_id
    # logged once committed: a line in the log means the job's effect is in the database
    log.info("job %s %s", job_id, "fired" if fired else "skipped",
             extra={"job_id": job_id, "job_kind": kind, "instance_id": instance_id, "outcome": "fired" if fired else "skipped"})
    if report is not None:
        report.append(line)
    return fired


def _fail(job_id: int, err: Exception) -> None:
    with unit_of_work() as s:
        job = s.get(Job, job_id)
        if job is None:
            return
        job.attempts += 1
        job.last_error = f"{type(err).__name__}: {err}"[:4000]
        job.locked_by = job.locked_until = None
        if job.attempts >= MAX_ATTEMPTS:
            job.status = "incident"
            audit.record(s, "job.incident", actor="system", instance_id=job.instance_id, task_id=job.task_id,
                         after={"job": job.id, "error": job.last_error})
        else:
            backoff = timedelta(seconds=30 * 2 ** job.attempts) * (0.5 + random.random())
            job.locked_until = clock.now() + backoff


def fire_due(now: datetime | None = None, *, limit: int = 500, worker: str = WORKER_ID,
             report: list[str] | None = None) -> int:
    """Fire every job due at `now` (default: the clock); returns how many fired.

    `report`, when given, receives one line per job handled (for `safeloop timers run-due`)."""
    if now is not None:
        token = clock.set_clock(_Fixed(now))
        try:
            return fire_due(None, limit=limit, worker=worker, report=report)
        finally:
            clock.reset_clock(token)
    fired = 0
    while True:
        batch = _claim(limit, clock.now(), worker)
        if not batch:
            return fired
        for position, job_id in enumerate(batch):
            try:
                fired += 1 if _run_one(job_id, worker, report) else 0
            except DatabaseUnavailable:  # not the job's fault: no attempt counted; the next sweep retries
                _release(batch[position:], worker)
                raise
            except Exception as err:  # noqa: BLE001 - one failing case must not stop the sweep
                log.warning("job %s failed: %s", job_id, err, exc_info=True)
                _fail(job_id, err)
                if report is not None:
                    report.append(f"failed     job {job_id}: {type(err).__name__}: {err}")
        if len(batch) < limit:
            return fired


def _release(job_ids: list[int], worker: str) -> None:
    """Give back this worker's leases (best effort) so the next sweep need not wait for them to expire."""
    try:
        with unit_of_work() as s:
            for job in s.scalars(select(Job).where(Job.id.in_(job_ids), Job.locked_by == worker, Job.status == "pending")):
                job.locked_by = job.locked_until = None
    except DatabaseUnavailable:
        log.warning("could not release %s leased jobs; they fire after the lease", len(job_ids))


class _Fixed:
    def __init__(self, when: datetime) -> None:
        self.when = when

    def now(self) -> datetime:
        return self.when


def sweep(now: datetime | None = None) -> tuple[int, int]:
    """One pass of the worker: fire due jobs, write leaders' daily digests, send due notifications. Returns (fired, sent)."""
    fired = fire_due(now)
    digests.send_due(now)
    return fired, notifications.deliver_pending()


def tick() -> None:
    """One tick of `safeloop worker`: sweep and log the outcome; never raises, so the next tick runs."""
    started = time.perf_counter()
    try:
        fired, sent = sweep()
    except DatabaseUnavailable as err:
        log.warning("database unavailable, retrying at the next tick: %s", getattr(err.cause, "orig", err.cause),
                    extra={"error": "database_unavailable"})
        return
    except Exception:  # noqa: BLE001 - a failed sweep is logged and retried at the next tick
        log.exception("sweep failed")
        return
    if fired or sent:
        log.info("fired %s jobs, sent %s notifications", fired, sent,
                 extra={"fired": fired, "sent": sent, "duration_ms": round((time.perf_counter() - started) * 1000, 1)})


def pending(limit: int = 200) -> list[Job]:
    """Pending jobs, soonest first (for `safeloop timers list`)."""
    with unit_of_work(write=False) as s:
        return list(s.scalars(select(Job).where(Job.status == "pending").order_by(Job.due_at).limit(limit)))


__all__ = ["fire_due", "pending", "TaskState", "ProcessInstance"]
