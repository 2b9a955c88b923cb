"""Jobs and incidents for administrators: the job queue, failed jobs and deliveries, and retrying them.

Every read needs an administrator or an auditor; every change needs an administrator (`engine.runtime.admin_rights`).
Each function is one unit of work, audited where it changes something."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select

from . import audit, cases, clock
from .admin_rights import require_admin, require_reader
from .db import paged, unit_of_work
from .deliveries import DeliveryStatus
from .errors import Conflict, not_found
from .models import Delivery, Job, Notification
from .views import Actor, InstanceView, Page


@dataclass(frozen=True)
class JobView:
    id: int
    kind: str
    status: str
    instance_id: int | None
    task_id: str | None
    definition_key: str | None
    due_at: datetime
    attempts: int
    locked_by: str | None
    locked_until: datetime | None
    last_error: str | None
    payload: dict[str, Any]


@dataclass(frozen=True)
class DeliveryView:
    """A notification's e-mail or webhook delivery (a failed one has used every try)."""

    id: int
    notification_id: int
    channel: str
    target: str
    status: str
    attempts: int
    next_at: datetime
    last_error: str | None
    instance_id: int | None
    title_zh: str


@dataclass(frozen=True)
class Incidents:
    """Failed jobs (every retry used), cases stopped in error, deliveries given up."""

    jobs: tuple[JobView, ...]
    cases: tuple[InstanceView, ...]
    deliveries: tuple[DeliveryView, ...] = ()


def _job_view(j: Job) -> JobView:
    return JobView(j.id, j.kind, j.status, j.instance_id, j.task_id, j.definition_key, j.due_at, j.attempts,
                   j.locked_by, j.locked_until, j.last_error, dict(j.payload or {}))


# --- jobs and incidents -------------------------------------------------------------------------

def list_jobs(actor: Actor, *, status: str | None = "pending", kind: str | None = None, limit: int = 100,
              offset: int = 0) -> Page:
    """Jobs (timers, reminders, escalations, scheduled starts), soonest due first, with their lease."""
    require_reader(actor)
    with unit_of_work(write=False) as s:
        stmt = select(Job).order_by(Job.due_at, Job.id)
        if status:
            stmt = stmt.where(Job.status == status)
        if kind:
            stmt = stmt.where(Job.kind == kind)
        total, rows = paged(s, stmt, limit, offset)
        return Page(tuple(_job_view(j) for j in rows), total, limit, offset)


def list_incidents(actor: Actor) -> Incidents:
    """Jobs that failed every retry, cases stopped in error (both with message and element), deliveries given up."""
    require_reader(actor)
    jobs = list_jobs(actor, status="incident", limit=500).items
    errored = cases.list_instances(actor, status="error", limit=500).items
    return Incidents(tuple(jobs), tuple(errored), failed_deliveries(actor))


def failed_deliveries(actor: Actor, limit: int = 500) -> tuple[DeliveryView, ...]:
    """Deliveries that failed every try, newest first, with their last error."""
    require_reader(actor)
    with unit_of_work(write=False) as s:
        rows = s.execute(select(Delivery, Notification).join(Notification, Notification.id == Delivery.notification_id)
                         .where(Delivery.status == DeliveryStatus.FAILED).order_by(Delivery.id.desc()).limit(limit))
        return tuple(DeliveryView(d.id, d.notification_id, d.channel, d.target, d.status, d.attempts, d.next_at,
                                  d.last_error, n.instance_id, n.title_zh) for d, n in rows)


def retry_delivery(actor: Actor, delivery_id: int) -> None:
    """Send a failed delivery again, now, with a fresh count of tries."""
    require_admin(actor)
    with unit_of_work() as s:
        row = s.get(Delivery, delivery_id)
        if row is None:
            raise not_found("通知投递", "delivery", delivery_id)
        if row.status != DeliveryStatus.FAILED:
            raise Conflict("只有失败的投递可以重试", "Only a failed delivery can be retried")
        before = {"status": row.status, "attempts": row.attempts, "error": row.last_error}
        row.status, row.attempts, row.next_at, row.locked_by, row.locked_until = (
            DeliveryStatus.PENDING, 0, clock.now(), None, None)
        audit.record(s, "delivery.retry", actor=actor.username, before=before,
                     after={"delivery": row.id, "status": row.status})


def retry_job(actor: Actor, job_id: int) -> JobView:
    """Put a failed job back in the queue, due now, with a fresh count of attempts."""
    require_admin(actor)
    with unit_of_work() as s:
        job = s.get(Job, job_id)
        if job is None:
            raise not_found("后台任务", "job", job_id)
        if job.status != "incident":
            raise Conflict("只有失败的后台任务可以重试", "Only a failed job can be retried")
        before = {"status": job.status, "attempts": job.attempts, "error": job.last_error}
        job.status, job.attempts, job.due_at = "pending", 0, clock.now()
        job.locked_by = job.locked_until = None
        audit.record(s, "job.retry", actor=actor.username, instance_id=job.instance_id, task_id=job.task_id,
                     before=before, after={"job": job.id, "status": "pending"})
        s.flush()
        return _job_view(job)


def retry_all(actor: Actor) -> tuple[int, int]:
    """Retry every failed job and every case in error; returns (jobs, cases) retried."""
    require_admin(actor)
    incidents = list_incidents(actor)
    for job in incidents.jobs:
        retry_job(actor, job.id)
    for case in incidents.cases:  # each case in its own transaction: one failure does not undo the others
        cases.retry_instance(actor, case.id, "retry all")
    return len(incidents.jobs), len(incidents.cases)
