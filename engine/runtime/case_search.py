"""Every case for administrators and auditors: search by process and version, status, enterprise, start date and
open step; counts per status; the path one case took on its diagram. Reading needs an administrator or an auditor."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import exists, func, or_, select

from . import compaction, instances
from .admin_rights import require_reader
from .db import paged, unit_of_work
from .models import ProcessDefinition, ProcessInstance, Task
from .row_views import instance_view
from .user_admin import enterprise_id
from .views import Actor, Page


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
            stmt = stmt.where(ProcessInstance.enterprise_id == enterprise_id(s, enterprise_code))
        if step:
            stmt = stmt.where(exists(select(Task.id).where(
                Task.instance_id == ProcessInstance.id, Task.status == "open",
                or_(Task.element_id == step, Task.name.like(f"%{step.replace('%', '')}%")))))
        if since:
            stmt = stmt.where(ProcessInstance.started_at >= since)
        if until:
            stmt = stmt.where(ProcessInstance.started_at < until)
        total, rows = paged(s, stmt.order_by(ProcessInstance.id.desc()), limit, offset)
        return Page(tuple(instance_view(s, r, actor) for r in rows), total, limit, offset)


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
