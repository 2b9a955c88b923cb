"""Administration: jobs and incidents, the audit trail (search, CSV), users and enterprises.

Every read needs an administrator or an auditor; every change needs an administrator (auditors
read everything and change nothing; `engine.admin_rights`). Users and roles live in `engine.user_admin` (re-exported
here). Each function is one unit of work, audited where it changes
something. Version comparison lives in `engine.diagram_diff`, case migration in `engine.migration`,
the enterprise import in `engine.enterprise_import`.
"""
from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select, exists, func, or_, select
from sqlalchemy.orm import Session

from . import audit, cases, clock
from .admin_rights import require_admin, require_reader
from .db import unit_of_work
from .deliveries import DeliveryStatus
from .errors import Conflict, not_found
from .models import AuditEvent, Delivery, Job, Notification, ProcessDefinition, ProcessInstance, Task
from .user_admin import _enterprise_id, get_user, reset_password, set_user_active, set_user_roles  # noqa: F401
from .views import Actor, InstanceView, Page

CSV_LIMIT = 200_000
AUDIT_COLUMNS = ("id", "at", "chain", "seq", "actor", "action", "instance_id", "task_id", "before", "after",
                 "prev_hash", "hash")


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
class AuditView:
    id: int
    at: datetime
    chain: str
    seq: int
    actor: str | None
    action: str
    instance_id: int | None
    task_id: str | None
    before: Any
    after: Any
    hash: str


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


def _page(s: Session, stmt: Select[Any], limit: int, offset: int) -> tuple[int, list[Any]]:
    total = s.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    return total, list(s.scalars(stmt.limit(max(1, min(limit, 500))).offset(max(0, offset))))


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
        total, rows = _page(s, stmt, limit, offset)
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


# --- audit trail --------------------------------------------------------------------------------

def _audit_query(actor_name: str | None, action: str | None, instance_id: int | None, since: datetime | None,
                 until: datetime | None) -> Select[Any]:
    stmt = select(AuditEvent)
    if actor_name:
        stmt = stmt.where(AuditEvent.actor == actor_name)
    if action:
        stmt = stmt.where(AuditEvent.action.like(f"{action.replace('%', '')}%"))
    if instance_id is not None:
        stmt = stmt.where(AuditEvent.instance_id == instance_id)
    if since:
        stmt = stmt.where(AuditEvent.at >= since)
    if until:
        stmt = stmt.where(AuditEvent.at < until)
    return stmt


def _audit_view(e: AuditEvent) -> AuditView:
    return AuditView(e.id, e.at, e.chain, e.seq, e.actor, e.action, e.instance_id, e.task_id, e.before, e.after, e.hash)


def list_audit(actor: Actor, *, actor_name: str | None = None, action: str | None = None,
               instance_id: int | None = None, since: datetime | None = None, until: datetime | None = None,
               limit: int = 100, offset: int = 0) -> Page:
    """The audit trail, newest first, filtered by actor, action (prefix), case and time."""
    require_reader(actor)
    with unit_of_work(write=False) as s:
        stmt = _audit_query(actor_name, action, instance_id, since, until).order_by(AuditEvent.id.desc())
        total, rows = _page(s, stmt, limit, offset)
        return Page(tuple(_audit_view(e) for e in rows), total, limit, offset)


def audit_actions(actor: Actor) -> list[str]:
    """Every action name recorded so far (for the filter)."""
    require_reader(actor)
    with unit_of_work(write=False) as s:
        return sorted(s.scalars(select(AuditEvent.action).distinct()))


def export_audit_csv(actor: Actor, **filters: Any) -> Iterator[str]:
    """The filtered trail as CSV text chunks, oldest first, with the hashes (so a copy can be checked)."""
    require_reader(actor)
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(AUDIT_COLUMNS)
    with unit_of_work(write=False) as s:
        stmt = _audit_query(**filters).order_by(AuditEvent.id).limit(CSV_LIMIT)
        for e in s.scalars(stmt.execution_options(yield_per=1000)):
            writer.writerow([e.id, e.at.isoformat(), e.chain, e.seq, e.actor or "", e.action, e.instance_id or "",
                             e.task_id or "", _json(e.before), _json(e.after), e.prev_hash, e.hash])
            if buffer.tell() > 64_000:
                yield buffer.getvalue()
                buffer.seek(0)
                buffer.truncate()
    yield buffer.getvalue()


def _json(value: Any) -> str:
    return "" if value is None else json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)


def search_cases(actor: Actor, *, process_key: str | None = None, version: int | None = None,
                 status: str | None = None, enterprise_code: str | None = None, step: str | None = None,
                 since: datetime | None = None, until: datetime | None = None, limit: int = 50,
                 offset: int = 0) -> Page:
    """Every case, newest first: by process and version, status, enterprise, start date, open step (id or name)."""
    require_reader(actor)
    with unit_of_work(write=False) as s:
        stmt = select(ProcessInstance)
        if process_key:
            stmt = stmt.where(ProcessInstance.process_key == process_key)
        if process_key and version:
            stmt = stmt.join(ProcessDefinition, ProcessDefinition.id == ProcessInstance.definition_id) \
                .where(ProcessDefinition.version == version)
        if status:
            stmt = stmt.where(ProcessInstance.status == status)
        if enterprise_code:
            stmt = stmt.where(ProcessInstance.enterprise_id == _enterprise_id(s, enterprise_code))
        if step:
            stmt = stmt.where(exists(select(Task.id).where(
                Task.instance_id == ProcessInstance.id, Task.status == "open",
                or_(Task.element_id == step, Task.name.like(f"%{step.replace('%', '')}%")))))
        if since:
            stmt = stmt.where(ProcessInstance.started_at >= since)
        if until:
            stmt = stmt.where(ProcessInstance.started_at < until)
        total, rows = _page(s, stmt.order_by(ProcessInstance.id.desc()), limit, offset)
        return Page(tuple(cases._view(s, r, actor) for r in rows), total, limit, offset)


def case_count_by_status(actor: Actor) -> dict[str, int]:
    """How many cases are in each status (for the admin overview)."""
    require_reader(actor)
    with unit_of_work(write=False) as s:
        return {k: int(v) for k, v in s.execute(select(ProcessInstance.status, func.count())
                                                 .group_by(ProcessInstance.status))}


@dataclass(frozen=True)
class CasePath:
    """The diagram elements a case has passed (completed), where it stands (active) and where it failed."""

    completed: tuple[str, ...]
    active: tuple[str, ...]
    failed: tuple[str, ...]


def case_path(actor: Actor, instance_id: int) -> CasePath:
    """The path a case took, read from its workflow state (automatic steps and gateways included)."""
    require_reader(actor)
    from SpiffWorkflow.util.task import TaskState

    from . import compaction, instances
    with unit_of_work(write=False) as s:
        inst = instances.visible(s, actor, instance_id)
        wf = instances.load(s, inst).wf

        def ids(mask: int) -> tuple[str, ...]:  # SpiffWorkflow's own helper specs: Start, End, <process>.EndJoin
            names = {t.task_spec.name for t in wf.get_tasks(state=mask)}
            if mask == TaskState.COMPLETED:  # steps compacted out of a long-lived case's tree
                names.update(compaction.compacted_elements(wf))
            return tuple(sorted(n for n in names if n not in ("Start", "End") and "." not in n))
        return CasePath(ids(TaskState.COMPLETED), ids(TaskState.READY | TaskState.WAITING | TaskState.STARTED),
                        ids(TaskState.ERROR))
