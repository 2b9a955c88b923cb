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


def candidate_branches(actor: Actor) -> list[ColumnElement[bool]]:
    """The tasks this actor may claim, as disjoint conditions that each one partial pool index answers.

    Open, unassigned tasks whose role (or, failing that, whose alternate role) is one of the actor's, within
    the actor's enterprise, or industries (tasks of no industry included). An OR across columns keeps SQLite's
    planner off the pool indexes (`ix_task_pool_*`), so the inbox counts and pages the union of these instead.
    """
    roles = sorted(actor.roles - READ_ONLY)
    if not roles:
        return []
    pool = and_(Task.status == "open", Task.assignee.is_(None))
    if is_enterprise_user(actor):
        scopes: list[ColumnElement[bool]] = [Task.enterprise_id == actor.enterprise_id]
    elif sees_everything(actor) or not actor.industries:
        scopes = [true()]
    else:
        scopes = [Task.industry_key.in_(sorted(actor.industries)), Task.industry_key.is_(None)]
    alternate = and_(pool, Task.alt_role_key.in_(roles), Task.role_key.not_in(roles), or_(*scopes))
    return [and_(pool, Task.role_key.in_(roles), scope) for scope in scopes] + [alternate]


def candidate_clause(actor: Actor) -> ColumnElement[bool]:
    """SQL condition: open, unassigned tasks this actor may claim (the branches in one condition)."""
    branches = candidate_branches(actor)
    return or_(*branches) if branches else false()


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


def can_claim(actor: Actor, task: Task) -> bool:
    """May take the task now: it is open, nobody holds it, and the actor is a candidate who may work."""
    return task.status == "open" and task.assignee is None and can_work(actor, task)
