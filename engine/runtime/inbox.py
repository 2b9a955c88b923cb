"""The inbox: a user's tasks by scope (mine, candidate, done, started, cc, all), filtered and paged."""
from __future__ import annotations

from typing import Any

from sqlalchemy import func, or_, select, union_all

from . import access, db
from .db import unit_of_work
from .errors import BadRequest, Forbidden
from .models import Enterprise, Notification, ProcessInstance, Task
from .row_views import task_view
from .views import Actor, Page

SCOPES = ("mine", "candidate", "all", "done", "started", "cc")


def _scope_clause(actor: Actor, scope: str) -> Any:
    if scope == "mine":
        return (Task.assignee == actor.username) & (Task.status == "open")
    if scope == "done":
        return Task.completed_by == actor.username
    if scope == "started":
        return ProcessInstance.started_by == actor.username
    if scope == "cc":
        return Task.id.in_(select(Notification.task_id).where(Notification.recipient == actor.username,
                                                              Notification.kind == "cc"))
    if scope == "all":
        if not access.sees_everything(actor):
            raise Forbidden("只有管理员、审计员和领导可以查看全部任务", "Only admins, auditors and leaders may list all tasks")
        return Task.id.is_not(None)
    raise BadRequest(f"未知范围：{scope}", f"Unknown scope: {scope}", {"allowed": SCOPES})


def list_tasks(actor: Actor, *, scope: str = "mine", status: str | None = None, process_key: str | None = None,
               enterprise_code: str | None = None, hazard_level: str | None = None, overdue: bool | None = None,
               text: str | None = None, limit: int = 50, offset: int = 0) -> Page:
    """The inbox: mine, candidate (my roles and scope), done, started (by me) or all (leaders/admin)."""
    limit = max(1, min(limit, 500))
    on_task: list[Any] = []  # conditions on task columns alone
    if scope in ("started", "all", "done") and status:
        on_task.append(Task.status == ("completed" if status == "done" else status))
    if process_key:
        on_task.append(Task.process_key == process_key)
    if overdue is not None:
        on_task.append(Task.overdue.is_(overdue))
    on_case: list[Any] = []  # conditions that need the case or its enterprise
    if enterprise_code:
        on_case.append(Enterprise.code == enterprise_code)
    if hazard_level:
        on_case.append(ProcessInstance.hazard_level == hazard_level)
    if text:
        like = f"%{text.replace('%', '').replace('_', '')}%"
        on_case.append(or_(Task.name.like(like), ProcessInstance.title.like(like)))
    if scope == "candidate":
        return _candidate_page(actor, on_task, on_case, limit, offset)
    where = [_scope_clause(actor, scope), *on_task]
    with unit_of_work(write=False) as s:
        # The plain inbox counts on `task` alone; the join is only for filters on the case or the enterprise.
        counted = select(func.count()).select_from(Task)
        if on_case or scope == "started":
            counted = _with_case(counted)
        total = s.scalar(counted.where(*where, *on_case)) or 0
        if total <= offset:
            return Page((), total, limit, offset)
        order = ((Task.completed_at.desc(),) if scope == "done"
                 else (Task.due_at.asc().nulls_last(), Task.created_at, Task.id))
        rows = s.execute(_with_case(select(Task, Enterprise.code, ProcessInstance.title))
                         .where(*where, *on_case).order_by(*order).limit(limit).offset(offset))
        return Page(tuple(task_view(t, code, title, actor) for t, code, title in rows), total, limit, offset)


def _with_case(stmt: Any) -> Any:
    return (stmt.join(ProcessInstance, ProcessInstance.id == Task.instance_id)
            .outerjoin(Enterprise, Enterprise.id == ProcessInstance.enterprise_id))


# Whether the pool is read as a UNION ALL of its branches: SQLite's planner uses the partial indexes only for one
# simple condition at a time; PostgreSQL combines the OR of the branches with a BitmapOr and was faster so
# (docs/performance.md, "Inbox").
UNION_POOL = {"sqlite": True, "postgresql": False}


def _candidate_page(actor: Actor, on_task: list[Any], on_case: list[Any], limit: int, offset: int) -> Page:
    """The claimable tasks: counted branch by branch (each one index range of the pool), the page taken from their
    union before the case and enterprise are joined to its rows."""
    branches = access.candidate_branches(actor)
    if not branches:
        return Page((), 0, limit, offset)
    if not UNION_POOL["postgresql" if db.is_postgres() else "sqlite"]:
        branches = [access.candidate_clause(actor)]
    parts = [select(Task.id.label("id"), Task.due_at.label("due_at"), Task.created_at.label("created_at"))
             .where(branch, *on_task) for branch in branches]
    pool = (union_all(*parts) if len(parts) > 1 else parts[0]).subquery("pool")
    order = (pool.c.due_at.asc().nulls_last(), pool.c.created_at, pool.c.id)
    with unit_of_work(write=False) as s:
        if on_case:
            # filters on the case: count and page the joined pool
            total = s.scalar(_with_case(select(func.count()).select_from(pool).join(Task, Task.id == pool.c.id))
                             .where(*on_case)) or 0
            picked, skip = pool, offset
        else:  # the page's rows are picked from the pool before anything is joined to them
            counts = [select(func.count()).where(branch, *on_task).scalar_subquery() for branch in branches]
            total = s.scalar(select(sum(counts[1:], counts[0]))) or 0
            picked, skip = select(pool).order_by(*order).limit(limit).offset(offset).subquery("picked"), 0
        if total <= offset:
            return Page((), total, limit, offset)
        page = (_with_case(select(Task, Enterprise.code, ProcessInstance.title).select_from(picked)
                           .join(Task, Task.id == picked.c.id))
                .where(*on_case).order_by(picked.c.due_at.asc().nulls_last(), picked.c.created_at, picked.c.id)
                .limit(limit).offset(skip))
        return Page(tuple(task_view(t, code, title, actor) for t, code, title in s.execute(page)), total, limit, offset)
