"""Who may see and act on what. One place, so the API, the pages and the CLI agree.

| actor                      | sees cases                         | works tasks                               |
|----------------------------|------------------------------------|-------------------------------------------|
| enterprise principal/officer| own enterprise only (others: 404)  | own enterprise's tasks of their roles      |
| inspector, expert, grid, committee | their industries (none given = all) | tasks of their roles in those industries |
| section chief and above    | all                                | tasks of their roles                       |
| admin / auditor            | all (auditor: read only)           | admin: reassign; auditor: nothing          |
| anyone                     | cases they started or have a task on | tasks assigned to them                    |
"""
from __future__ import annotations

from sqlalchemy import ColumnElement, and_, exists, false, or_, select, true

from .models import ProcessInstance, Task
from .roles import SEE_ALL
from .views import Actor

ENTERPRISE_ROLES = frozenset({"enterprise_principal", "enterprise_safety_officer"})
READ_ONLY = frozenset({"auditor"})


def sees_everything(actor: Actor) -> bool:
    """Leaders, admins and auditors see every case."""
    return actor.has(*SEE_ALL)


def is_enterprise_user(actor: Actor) -> bool:
    """An enterprise-side user: bound to one enterprise."""
    return actor.enterprise_id is not None


def instance_clause(actor: Actor) -> ColumnElement[bool]:
    """SQL condition: the cases this actor may see."""
    if sees_everything(actor):
        return true()
    involved = or_(ProcessInstance.started_by == actor.username,
                   exists(select(Task.id).where(Task.instance_id == ProcessInstance.id,
                                                or_(Task.assignee == actor.username,
                                                    Task.completed_by == actor.username))))
    if is_enterprise_user(actor):
        return or_(ProcessInstance.enterprise_id == actor.enterprise_id, and_(ProcessInstance.enterprise_id.is_(None), involved))
    if not actor.roles - READ_ONLY - {"process_owner"}:
        return involved
    if not actor.industries:
        return true()
    return or_(ProcessInstance.industry_key.in_(sorted(actor.industries)), ProcessInstance.industry_key.is_(None), involved)


def can_see(actor: Actor, inst: ProcessInstance) -> bool:
    """The Python twin of instance_clause for one loaded case (excluding task involvement)."""
    if sees_everything(actor) or inst.started_by == actor.username:
        return True
    if is_enterprise_user(actor):
        return inst.enterprise_id == actor.enterprise_id
    if not actor.roles - READ_ONLY - {"process_owner"}:
        return False
    return not actor.industries or inst.industry_key is None or inst.industry_key in actor.industries


def candidate_clause(actor: Actor) -> ColumnElement[bool]:
    """SQL condition: open, unassigned tasks this actor may claim."""
    roles = sorted(actor.roles - READ_ONLY)
    if not roles:
        return false()
    base = and_(Task.status == "open", Task.assignee.is_(None),
                or_(Task.role_key.in_(roles), Task.alt_role_key.in_(roles)))
    if is_enterprise_user(actor):
        return and_(base, Task.enterprise_id == actor.enterprise_id)
    if sees_everything(actor) or not actor.industries:
        return base
    return and_(base, or_(Task.industry_key.in_(sorted(actor.industries)), Task.industry_key.is_(None)))


def is_candidate(actor: Actor, task: Task) -> bool:
    """The Python twin of candidate_clause for one task."""
    if not {task.role_key, task.alt_role_key} & (actor.roles - READ_ONLY):
        return False
    if is_enterprise_user(actor):
        return task.enterprise_id == actor.enterprise_id
    return sees_everything(actor) or not actor.industries or task.industry_key is None or task.industry_key in actor.industries


def can_work(actor: Actor, task: Task) -> bool:
    """May complete the task: its assignee, or (if unassigned) a candidate."""
    if actor.has(*READ_ONLY) and not actor.roles - READ_ONLY:
        return False
    if task.assignee is not None:
        return task.assignee == actor.username
    return is_candidate(actor, task)
