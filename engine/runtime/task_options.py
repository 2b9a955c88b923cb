"""What an actor can do with one task right now, and whom a task may be handed to — so that pages offer only
actions that can work (the operations in `tasks` still check everything again)."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from . import access, instances, tasks
from .db import unit_of_work
from .errors import Forbidden
from .models import Enterprise, ProcessInstance, User, UserIndustry, UserRole
from .views import Actor, UserView

HANDOVER_LIMIT = 50
_SCAN = 400  # users read per request at most, before the exact rule filters them

HANDOVER_ROLES = ("admin", "section_chief", "deputy_director", "director")  # may reassign a task they do not hold


@dataclass(frozen=True)
class TaskActions:
    """Yes/no per action on one task for one actor, by the same rules the operations in `tasks` check."""

    claim: bool = False
    release: bool = False
    complete: bool = False
    reassign: bool = False
    delegate: bool = False
    send_back: bool = False


def _may_send_back(s: Session, inst: ProcessInstance, task_id: str) -> bool:
    loaded = instances.load(s, inst)
    current = tasks._spiff_task(loaded.wf, task_id)
    target = tasks._previous_human_step(current)
    return current is not None and target is not None and tasks._reaches(current.task_spec, target.task_spec.name)


def task_actions(actor: Actor, task_id: str) -> TaskActions:
    """The actions the actor may take on a task now; 退回 only where the diagram has a path back to the previous
    human step (NotFound when the task is not visible)."""
    with unit_of_work(write=False) as s:
        row = tasks._visible_task(s, actor, task_id)
        inst = s.get(ProcessInstance, row.instance_id)
        if row.status != "open" or inst is None or inst.status != instances.Status.RUNNING.value:
            return TaskActions()
        holds = row.assignee == actor.username
        works = access.can_work(actor, row)
        return TaskActions(
            claim=access.can_claim(actor, row), release=holds or (actor.has("admin") and row.assignee is not None),
            complete=works and row.owner is None, reassign=holds or actor.has(*HANDOVER_ROLES), delegate=works,
            send_back=works and _may_send_back(s, inst, task_id))


def handover_candidates(actor: Actor, task_id: str, text: str | None = None,
                        limit: int = HANDOVER_LIMIT) -> list[UserView]:
    """Active users a task may be reassigned or delegated to — who could see the case and hold the task's role in
    its scope (the rule of 转办/委派) — by display name, optionally filtered by name; at most `limit` (≤ 50).

    Raises:
        NotFound: the task is not visible to the actor.
        Forbidden: the actor may neither reassign nor delegate it.
    """
    limit = max(1, min(limit, HANDOVER_LIMIT))
    with unit_of_work(write=False) as s:
        row = tasks._visible_task(s, actor, task_id)
        inst = s.get(ProcessInstance, row.instance_id)
        if row.assignee != actor.username and not actor.has(*HANDOVER_ROLES) and not access.can_work(actor, row):
            raise Forbidden("只能转办或委派自己的任务", "You can only hand over your own tasks")
        stmt = (select(User).join(UserRole, UserRole.user_id == User.id)
                .where(User.active.is_(True), User.username != actor.username,
                       UserRole.role_key.in_([r for r in (row.role_key, row.alt_role_key) if r]),
                       or_(User.enterprise_id.is_(None), User.enterprise_id == row.enterprise_id))
                .distinct().order_by(User.display_name, User.username).limit(_SCAN))
        if text and text.strip():
            like = f"%{text.strip().replace('%', '').replace('_', '')}%"
            stmt = stmt.where(or_(User.username.like(like), User.display_name.like(like)))
        found = list(s.scalars(stmt))
        ids = [u.id for u in found]
        roles: dict[int, set[str]] = {}
        for user_id, key in s.execute(select(UserRole.user_id, UserRole.role_key).where(UserRole.user_id.in_(ids))):
            roles.setdefault(user_id, set()).add(key)
        industries: dict[int, set[str]] = {}
        for user_id, key in s.execute(select(UserIndustry.user_id, UserIndustry.industry_key)
                                      .where(UserIndustry.user_id.in_(ids))):
            industries.setdefault(user_id, set()).add(key)
        code = s.scalar(select(Enterprise.code).where(Enterprise.id == row.enterprise_id)) if row.enterprise_id else None
        out = []
        for user in found:
            target = Actor(user.username, user.display_name, frozenset(roles.get(user.id, ())), user.enterprise_id,
                           None, frozenset(industries.get(user.id, ())), user.id)
            if inst is not None and access.is_candidate(target, row) and access.can_see(target, inst):
                out.append(UserView(user.id, user.username, user.display_name, tuple(sorted(target.roles)),
                                    code if user.enterprise_id else None, tuple(sorted(target.industries)), True))
                if len(out) >= limit:
                    break
        return out
