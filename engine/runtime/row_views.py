"""Rows as the API's views: a task row as a `TaskView`, a case row as an `InstanceView` with its open tasks (and,
when asked, its data without the confidential fields the viewer may not read). Shared by cases, tasks, the inbox
and the admin case search, so none of them imports another for it."""
from __future__ import annotations

from typing import Any

from sqlalchemy import select

from . import access, fixed_rows, instances, projection
from .models import ProcessInstance, Task
from .projection import CONFIDENTIAL_PREFIX
from .roles import CONFIDENTIAL_READERS
from .views import Actor, InstanceView, TaskView


def task_view(t: Task, enterprise_code: str | None = None, case_title: str | None = None,
              viewer: Actor | None = None) -> TaskView:
    return TaskView(t.id, t.instance_id, t.process_key, t.element_id, t.name, t.role_key, t.assignee, t.owner, t.status,
                    t.form_key, t.due_at, t.created_at, t.completed_at, t.completed_by, t.overdue, t.escalation_level,
                    t.version, enterprise_code, case_title, t.draft, t.alt_role_key,
                    viewer is not None and access.can_claim(viewer, t))



def instance_view(s: Any, inst: ProcessInstance, actor: Actor, with_data: bool = False) -> InstanceView:
    definition = fixed_rows.definition(s, inst.definition_id)
    code = fixed_rows.enterprise_code(s, inst.enterprise_id) if inst.enterprise_id else None
    data: dict[str, Any] = {}
    if with_data:
        data = projection.case_data(instances.load(s, inst).wf)
        if not actor.has(*CONFIDENTIAL_READERS):
            data = {k: v for k, v in data.items() if not k.startswith(CONFIDENTIAL_PREFIX)}
    tasks = projection.open_rows(s, inst.id)  # this step's projection knows them already
    if tasks is None:
        tasks = s.scalars(select(Task).where(Task.instance_id == inst.id, Task.status == "open").order_by(Task.created_at))
    return InstanceView(
        inst.id, inst.process_key, definition.version if definition else 0, inst.business_key, inst.status, inst.version,
        code, inst.industry_key, inst.hazard_level, inst.deadline, inst.source, inst.title, inst.current_step,
        inst.started_by, inst.started_at, inst.updated_at, inst.ended_at, inst.parent_id, inst.error_element,
        inst.error_message, data, tuple(task_view(t, code, inst.title) for t in tasks))
