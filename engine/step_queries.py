"""The SQL behind the step statistics: one process's task rows in a period, grouped by step (element id).

`task_rows` is the filtered set every figure is computed over; `step_counts`, `step_percentiles` and `slowest_cases`
each read it once (SQLAlchemy Core; PostgreSQL and SQLite alike, see `engine.sql_measures`).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Integer, case, func, literal, select
from sqlalchemy.orm import Session
from sqlalchemy.sql.selectable import Subquery

from .models import AuditEvent, Enterprise, Job, ProcessDefinition, ProcessInstance as Case, Task, UTCDateTime
from .sql_measures import interpolate, percentile_points, seconds_between

WORKED = ("open", "completed")  # a cancelled task (sent back, a boundary timer, the case ended) was never done


@dataclass(frozen=True)
class Scope:
    """Which task rows: a process (one version or all), tasks created in [start, end), and the cases' filters."""

    key: str
    start: datetime
    end: datetime
    now: datetime
    definition_id: int | None = None
    industry: str | None = None
    township: str | None = None
    enterprise_id: int | None = None


def task_rows(scope: Scope) -> Subquery:
    """The tasks counted, one row each, with their durations in seconds and whether they ran late."""
    now = literal(scope.now, UTCDateTime())
    done = Task.status == "completed"
    ended = case((done, Task.completed_at), else_=now)
    late = case((Task.due_at.is_(None) | Task.status.not_in(WORKED), None),
                (done & (Task.completed_at > Task.due_at), 1), (~done & (Task.due_at < now), 1), else_=0)
    stmt = (select(Task.id, Task.element_id, Task.instance_id, Task.status, Task.name, Task.created_at,
                   Task.escalation_level, Case.status.label("case_status"),
                   seconds_between(Task.created_at, Task.claimed_at).label("claim_s"),
                   case((done, seconds_between(Task.created_at, Task.completed_at))).label("done_s"),
                   case((Task.status.in_(WORKED), seconds_between(Task.created_at, ended))).label("spent_s"),
                   late.label("late"))
            .join(Case, Case.id == Task.instance_id)
            .where(Task.process_key == scope.key, Task.created_at >= scope.start, Task.created_at < scope.end))
    if scope.definition_id is not None:
        stmt = stmt.where(Case.definition_id == scope.definition_id)
    if scope.industry:
        stmt = stmt.where(Case.industry_key == scope.industry)
    if scope.enterprise_id is not None:
        stmt = stmt.where(Case.enterprise_id == scope.enterprise_id)
    if scope.township:
        stmt = stmt.where(Case.enterprise_id.in_(select(Enterprise.id).where(Enterprise.township == scope.township)))
    return stmt.subquery("counted")


@dataclass(frozen=True)
class Counts:
    tasks: int
    completed: int
    open: int
    late: int
    with_due: int
    escalations: int
    reminders: int
    send_backs: int
    name: str


def step_counts(s: Session, rows: Subquery) -> dict[str, Counts]:
    """Per element id: tasks, completed, open, late of those with a due time, escalations, reminders, send-backs."""
    reminded = (select(Job.task_id).where(Job.kind == "reminder", Job.status == "done")
                .group_by(Job.task_id).subquery("reminded"))
    sent = (select(AuditEvent.task_id, func.count().label("n")).where(AuditEvent.action == "task.send_back")
            .group_by(AuditEvent.task_id).subquery("sent_back"))
    flag = lambda cond: func.sum(case((cond, 1), else_=0))  # noqa: E731
    stmt = (select(rows.c.element_id, func.count(), flag(rows.c.status == "completed"), flag(rows.c.status == "open"),
                   func.coalesce(func.sum(rows.c.late), 0), func.count(rows.c.late),
                   func.coalesce(func.sum(rows.c.escalation_level), 0), func.count(reminded.c.task_id),
                   func.coalesce(func.sum(sent.c.n), 0), func.max(rows.c.name))
            .outerjoin(reminded, reminded.c.task_id == rows.c.id).outerjoin(sent, sent.c.task_id == rows.c.id)
            .group_by(rows.c.element_id))
    return {element: Counts(*(int(v or 0) for v in numbers), name=name or element)
            for element, *numbers, name in s.execute(stmt)}


def step_percentiles(s: Session, rows: Subquery) -> dict[tuple[str, str], dict[str, float | int]]:
    """{("claim" | "done", element id): {"n", "p50", "p90"}} in seconds."""
    stmt = percentile_points(rows, "element_id", "claim_s", "claim").union_all(
        percentile_points(rows, "element_id", "done_s", "done"))
    return interpolate(s.execute(stmt))


@dataclass(frozen=True)
class SlowRow:
    element_id: str
    instance_id: int
    seconds: float
    still_open: bool


def slowest_cases(s: Session, rows: Subquery, limit: int) -> list[SlowRow]:
    """Per step the `limit` cases that spent longest in it (all their visits; an open task counts until now)."""
    per_case = (select(rows.c.element_id, rows.c.instance_id, func.sum(rows.c.spent_s).label("spent"),
                       func.max(case((rows.c.status == "open", 1), else_=0)).label("still"))
                .where(rows.c.spent_s.is_not(None)).group_by(rows.c.element_id, rows.c.instance_id).subquery())
    rank = func.row_number().over(partition_by=per_case.c.element_id,
                                  order_by=(per_case.c.spent.desc(), per_case.c.instance_id))
    ranked = select(per_case, rank.label("rank")).subquery()
    stmt = (select(ranked.c.element_id, ranked.c.instance_id, ranked.c.spent, ranked.c.still)
            .where(ranked.c.rank <= limit).order_by(ranked.c.element_id, ranked.c.rank))
    return [SlowRow(e, int(i), float(v), bool(o)) for e, i, v, o in s.execute(stmt)]


def case_labels(s: Session, ids: list[int], visible: Any) -> dict[int, tuple[str | None, str | None, str | None, bool]]:
    """Business key, title, enterprise name and whether the actor may open the case (`visible`: its SQL clause)."""
    if not ids:
        return {}
    seen = case((visible, 1), else_=0).cast(Integer)
    stmt = (select(Case.id, Case.business_key, Case.title, Enterprise.name, seen)
            .outerjoin(Enterprise, Enterprise.id == Case.enterprise_id).where(Case.id.in_(ids)))
    return {i: (key, title, name, bool(ok)) for i, key, title, name, ok in s.execute(stmt)}


def versions_of(s: Session, key: str) -> list[tuple[int, int, str]]:
    """(definition id, version, checksum) of every version of `key`, newest first."""
    stmt = (select(ProcessDefinition.id, ProcessDefinition.version, ProcessDefinition.checksum)
            .where(ProcessDefinition.key == key).order_by(ProcessDefinition.version.desc()))
    return [(i, v, c) for i, v, c in s.execute(stmt)]
