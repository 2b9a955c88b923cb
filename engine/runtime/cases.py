"""Public case functions: start, read, list, history, and admin transitions."""
from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import func, or_, select

from . import access, case_data, definitions, instances, start_rights, step_writes
from .db import unit_of_work
from .errors import Forbidden
from .models import AuditEvent, Enterprise, ProcessInstance
from .projection import CONFIDENTIAL_PREFIX
from .roles import CONFIDENTIAL_READERS
from .row_views import instance_view
from .views import Actor, HistoryEntry, InstanceView, Page


def start_instance(actor: Actor, process_key: str, data: dict[str, Any] | None = None, *,
                   business_key: str | None = None) -> InstanceView:
    """Start a case on the newest version; start data is checked against the start form.

    Raises:
        Forbidden: the diagram does not let the actor's roles (or username) start it, or the actor is read-only.
    """
    if actor.has("auditor") and not actor.roles - {"auditor"}:
        raise Forbidden("审计员只读，不能发起事项", "Auditors are read-only and cannot start cases")
    payload = dict(data or {})
    case_data.check_input(payload)
    with unit_of_work() as s:
        definition = definitions.load_definition(s, process_key)
        start_rights.check(s, actor, definition)  # who may start comes from the diagram (403 otherwise)
        instances.start_form_check(s, definition, payload)
        inst = instances.create(s, definition, payload, actor=actor, business_key=business_key)
        step_writes.write_pending(s)  # SQLite: flushed now; PostgreSQL: with the commit, in one round trip
        return instance_view(s, inst, actor)


def get_instance(actor: Actor, instance_id: int, *, with_data: bool = True) -> InstanceView:
    """One case the actor may see, with its data (confidential fields only for the designated role)."""
    with unit_of_work(write=False) as s:
        return instance_view(s, instances.visible(s, actor, instance_id), actor, with_data)


def list_instances(actor: Actor, *, process_key: str | None = None, status: str | None = None,
                   enterprise_code: str | None = None, industry: str | None = None, hazard_level: str | None = None,
                   source: str | None = None, overdue: bool | None = None, text: str | None = None,
                   started_after: datetime | None = None, started_before: datetime | None = None,
                   parent_id: int | None = None, limit: int = 50, offset: int = 0, today: date | None = None) -> Page:
    """Cases the actor may see, newest first, filtered."""
    limit = max(1, min(limit, 500))
    with unit_of_work(write=False) as s:
        stmt = select(ProcessInstance).where(access.instance_clause(actor))
        for column, value in ((ProcessInstance.process_key, process_key), (ProcessInstance.status, status),
                              (ProcessInstance.industry_key, industry), (ProcessInstance.hazard_level, hazard_level),
                              (ProcessInstance.source, source), (ProcessInstance.parent_id, parent_id)):
            if value is not None and value != "":
                stmt = stmt.where(column == value)
        if enterprise_code:
            stmt = stmt.join(Enterprise, Enterprise.id == ProcessInstance.enterprise_id).where(Enterprise.code == enterprise_code)
        if overdue is not None and today is not None:
            late = (ProcessInstance.deadline < today) & (ProcessInstance.status == "running")
            stmt = stmt.where(late if overdue else ~late | ProcessInstance.deadline.is_(None))
        if text:
            like = f"%{text.replace('%', '').replace('_', '')}%"
            stmt = stmt.where(or_(ProcessInstance.title.like(like), ProcessInstance.business_key.like(like)))
        if started_after:
            stmt = stmt.where(ProcessInstance.started_at >= started_after)
        if started_before:
            stmt = stmt.where(ProcessInstance.started_at < started_before)
        total = s.scalar(select(func.count()).select_from(stmt.subquery())) or 0
        rows = s.scalars(stmt.order_by(ProcessInstance.id.desc()).limit(limit).offset(offset))
        return Page(tuple(instance_view(s, r, actor) for r in rows), total, limit, offset)


def instance_history(actor: Actor, instance_id: int) -> list[HistoryEntry]:
    """The case's audit trail, oldest first (confidential values masked for most roles)."""
    with unit_of_work(write=False) as s:
        instances.visible(s, actor, instance_id)
        rows = s.scalars(select(AuditEvent).where(AuditEvent.chain == f"case:{instance_id}").order_by(AuditEvent.seq))
        mask = not actor.has(*CONFIDENTIAL_READERS)
        return [HistoryEntry(r.id, r.at, r.actor, r.action, r.task_id, _mask(r.before, mask), _mask(r.after, mask))
                for r in rows]


def _mask(value: Any, mask: bool) -> Any:
    if not mask or not isinstance(value, dict):
        return value
    out = {}
    for k, v in value.items():
        out[k] = "***" if k.startswith(CONFIDENTIAL_PREFIX) else _mask(v, mask)
    return out


def _transition(actor: Actor, instance_id: int, name: str, reason: str | None) -> InstanceView:
    with unit_of_work() as s:
        instances.visible(s, actor, instance_id)
        inst = instances.lock(s, instance_id)
        assert inst is not None
        instances.transition(s, inst, name, actor, reason)
        if name == "retry":
            loaded = instances.load(s, inst)
            for t in loaded.wf.get_tasks(state=instances.TaskState.ERROR):
                t.set_state(instances.TaskState.READY)
            inst.error_element = inst.error_message = None
            instances.start_children(s, inst, instances.advance(s, loaded, actor.username), actor, 0)
        step_writes.write_pending(s)  # SQLite: flushed now; PostgreSQL: with the commit, in one round trip
        return instance_view(s, inst, actor)


def suspend_instance(actor: Actor, instance_id: int, reason: str | None = None) -> InstanceView:
    """Suspend a case: its tasks cannot be completed and its timers wait."""
    return _transition(actor, instance_id, "suspend", reason)


def resume_instance(actor: Actor, instance_id: int, reason: str | None = None) -> InstanceView:
    """Resume a suspended case."""
    return _transition(actor, instance_id, "resume", reason)


def terminate_instance(actor: Actor, instance_id: int, reason: str) -> InstanceView:
    """End a case for good, with a reason."""
    return _transition(actor, instance_id, "terminate", reason)


def retry_instance(actor: Actor, instance_id: int, reason: str | None = None) -> InstanceView:
    """Run the failed step of a case in error again."""
    return _transition(actor, instance_id, "retry", reason)
