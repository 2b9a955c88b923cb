"""Task links: a receiving body without a staff login fills exactly one task's form (issue 16 §4).

A step opts in with the task property `externalLink`, naming the case-data field that says who the outside party
is (enforcement_referral: `receiving_office`, e.g. 市安委办). Bureau staff who may see the case hand out a link
(`issue`, audited as `task.link_issued`); the web layer signs the task id and the party with the app secret
(HMAC, itsdangerous) and sets the expiry. This module never sees the token: it answers for a task id and party
the signature already vouched for. The link is single-use by construction: it names one task, and a completed or
cancelled task is no longer open (`LinkClosed`). A completion through a link runs `tasks.complete_task` as the
actor `外部链接:<party>` holding only the task's own roles — the audit trail names the party, and the actor never
reaches anything but that one task.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select

from . import access, audit, forms, instances, tasks
from .attachments import Upload
from .db import unit_of_work
from .errors import BadRequest, Conflict, NotFound
from .models import Enterprise, ProcessDefinition, ProcessInstance, Task
from .views import Actor

LINK_PROPERTY = "externalLink"
ACTOR_PREFIX = "外部链接:"
PREFILL = ("receiving_office", "received_on", "receiver_name", "receiving_department", "handling", "forwarded_to",
           "handled_by")


class LinkClosed(Conflict):
    """The linked task was completed or cancelled, or its case is no longer running: the link is spent."""


@dataclass(frozen=True)
class LinkedTask:
    """What a link's page shows: the step, its form, whose link it is, and the case it belongs to."""

    task_id: str
    instance_id: int
    element_id: str
    name: str
    form_key: str | None
    schema: dict[str, Any]
    party: str
    case_title: str | None
    enterprise_name: str | None
    due_at: datetime | None
    values: dict[str, Any]  # what the form starts from (the case's answers to the same fields)


def _party_field(s: Any, row: Task) -> str | None:
    inst = s.get(ProcessInstance, row.instance_id)
    definition = s.get(ProcessDefinition, inst.definition_id) if inst else None
    step = ((definition.meta or {}).get("steps") or {}).get(row.element_id) or {} if definition else {}
    return (step.get("properties") or {}).get(LINK_PROPERTY) or None


def _party(inst: ProcessInstance, field: str) -> str:
    name = str((inst.summary or {}).get(field) or "").strip()
    return name[:60] or "接收单位"


def link_actor(party: str, row: Task) -> Actor:
    """The actor a completion through a link runs as: named after the party, holding only the task's roles."""
    roles = frozenset(r for r in (row.role_key, row.alt_role_key) if r)
    return Actor(username=f"{ACTOR_PREFIX}{party}"[:80], display_name=party, roles=roles)


def issue(actor: Actor, task_id: str) -> str:
    """Record that `actor` hands out a link to an open linkable task; returns the party the link is for.

    Raises:
        NotFound: no such task, or its case is not visible to the actor (enterprise users: never).
        BadRequest: the step does not take outside parties.
        Conflict: the task is no longer open.
    """
    with unit_of_work() as s:
        row = s.get(Task, task_id)
        if row is None or access.is_enterprise_user(actor) or actor.has(*access.READ_ONLY):
            raise NotFound("没有这个任务或无权查看", "No such task, or not yours to see", {"task_id": task_id})
        inst = instances.visible(s, actor, row.instance_id)
        field = _party_field(s, row)
        if field is None:
            raise BadRequest("这一步不能由外部单位通过链接办理", "This step cannot be done by an outside party through a link")
        if row.status != "open" or inst.status != "running":
            raise Conflict("任务已办理或已取消，不能再生成链接", "The task is done or cancelled; no link can be made")
        party = _party(inst, field)
        audit.record(s, "task.link_issued", actor=actor.username, instance_id=inst.id, task_id=row.id,
                     after={"party": party, "task": row.element_id})
        return party


def linkable_tasks(actor: Actor, instance_id: int) -> set[str]:
    """Ids of the case's open tasks the actor may make a link for (bureau staff who see the case; at most 20 looked at)."""
    if access.is_enterprise_user(actor) or actor.has(*access.READ_ONLY):
        return set()
    with unit_of_work(write=False) as s:
        try:
            instances.visible(s, actor, instance_id)
        except NotFound:
            return set()
        rows = s.scalars(select(Task).where(Task.instance_id == instance_id, Task.status == "open").limit(20)).all()
        return {r.id for r in rows if _party_field(s, r) is not None}


def _open_row(s: Any, task_id: str) -> tuple[Task, ProcessInstance]:
    row = s.get(Task, task_id)
    if row is None or _party_field(s, row) is None:
        raise NotFound("链接无效", "This link is not valid", {"task_id": task_id})
    inst = s.get(ProcessInstance, row.instance_id)
    if row.status != "open" or inst is None or inst.status != "running":
        raise LinkClosed("此链接对应的事项已办理或已结束", "The step behind this link was already done or has ended",
                         {"status": row.status})
    return row, inst


def open_task(task_id: str, party: str) -> LinkedTask:
    """The linked task, if it is still open.

    Raises:
        NotFound: no such task, or not a step that takes outside parties.
        LinkClosed: the task was done or cancelled.
    """
    with unit_of_work(write=False) as s:
        row, inst = _open_row(s, task_id)
        schema = (forms.latest_schema(s, row.form_key) if row.form_key else None) or {"type": "object", "properties": {}}
        ent = s.get(Enterprise, inst.enterprise_id) if inst.enterprise_id else None
        names = set((schema.get("properties") or {}).keys())
        values = {k: v for k, v in (inst.summary or {}).items() if k in names and k in PREFILL}
        values.update(row.draft or {})
        return LinkedTask(row.id, inst.id, row.element_id, row.name, row.form_key, schema, party, inst.title,
                          ent.name if ent else None, row.due_at, values)


def complete(task_id: str, party: str, data: dict[str, Any], uploads: list[Upload] | None = None) -> str | None:
    """Complete the linked task as the party; returns the case's next open linkable task id, if any (the page
    offers its link, so the body that signed the receipt can later report the outcome), recorded as issued.

    Raises:
        NotFound, LinkClosed: as `open_task`.
        FormInvalid: field-by-field errors; nothing is stored.
        Conflict / Forbidden: done meanwhile, or claimed by a committee member in the inbox.
    """
    with unit_of_work(write=False) as s:
        row, _inst = _open_row(s, task_id)
        actor = link_actor(party, row)
    tasks.complete_task(actor, task_id, data, uploads=uploads)
    return _next_linkable(actor, row.instance_id, party)


def _next_linkable(actor: Actor, instance_id: int, party: str) -> str | None:
    with unit_of_work() as s:
        rows = s.scalars(select(Task).where(Task.instance_id == instance_id, Task.status == "open")
                         .order_by(Task.created_at, Task.id).limit(20)).all()
        row = next((r for r in rows if _party_field(s, r) is not None), None)
        if row is None:
            return None
        audit.record(s, "task.link_issued", actor=actor.username, instance_id=instance_id, task_id=row.id,
                     after={"party": party, "task": row.element_id, "after_completion": True})
        return row.id


__all__ = ["LINK_PROPERTY", "ACTOR_PREFIX", "LinkClosed", "LinkedTask", "link_actor", "issue", "linkable_tasks", "open_task", "complete"]
