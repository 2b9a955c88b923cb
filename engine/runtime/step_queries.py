"""The SQL behind the step statistics: one process's task rows in a period, grouped by step (element id).

`task_rows` is the filtered set every figure is computed over. It reads the covering index `ix_task_statistics`
(process, created, then every task column the figures use; migration 0019) and joins the cases only when a case
filter (version, industry, township, enterprise) asks for it. `step_figures` is one grouped pass over it: counts,
lateness, escalations, reminders and send-backs (probes into two small partial indexes) and, on PostgreSQL, the
wait percentiles (`percentile_cont … WITHIN GROUP`); SQLite has no percentile_cont, so there they come from the
one read of the counted rows in `engine.runtime.task_pass`, as do the slowest cases and the flows.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Integer, case, func, literal, literal_column, select, text
from sqlalchemy.orm import Session
from sqlalchemy.sql.selectable import Select, Subquery

from .models import AuditEvent, Enterprise, Job, ProcessDefinition, Task, UTCDateTime
from .models import ProcessInstance as Case
from .sql_measures import PERCENTILES, seconds_between

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

    @property
    def filters_cases(self) -> bool:
        """Does a filter read the case row (otherwise the task index alone answers)."""
        return (self.definition_id is not None or bool(self.industry) or bool(self.township)
                or self.enterprise_id is not None)


def scoped(stmt: Select[Any], scope: Scope) -> Select[Any]:
    """`stmt` (over `Task`) limited to the scope's tasks: the process, the period and the case filters.

    The case filters pick the cases' ids once per statement (through the case indexes), rather than reading each
    task's wide case row."""
    stmt = stmt.where(Task.process_key == scope.key, Task.created_at >= scope.start, Task.created_at < scope.end)
    if not scope.filters_cases:
        return stmt
    cases = select(Case.id).where(Case.process_key == scope.key)
    if scope.definition_id is not None:
        cases = cases.where(Case.definition_id == scope.definition_id)
    if scope.industry:
        cases = cases.where(Case.industry_key == scope.industry)
    if scope.enterprise_id is not None:
        cases = cases.where(Case.enterprise_id == scope.enterprise_id)
    if scope.township:
        cases = cases.where(Case.enterprise_id.in_(select(Enterprise.id).where(Enterprise.township == scope.township)))
    return stmt.where(Task.instance_id.in_(cases))


def task_rows(scope: Scope) -> Subquery:
    """The tasks counted, one row each, with their durations in seconds and whether they ran late."""
    now = literal(scope.now, UTCDateTime())
    done = Task.status == "completed"
    ended = case((done, Task.completed_at), else_=now)
    late = case((Task.due_at.is_(None) | Task.status.not_in(WORKED), None),
                (done & (Task.completed_at > Task.due_at), 1), (~done & (Task.due_at < now), 1), else_=0)
    stmt = select(Task.id, Task.element_id, Task.instance_id, Task.status, Task.created_at, Task.completed_at,
                  Task.escalation_level,
                  seconds_between(Task.created_at, Task.claimed_at).label("claim_s"),
                  case((done, seconds_between(Task.created_at, Task.completed_at))).label("done_s"),
                  case((Task.status.in_(WORKED), seconds_between(Task.created_at, ended))).label("spent_s"),
                  late.label("late"))
    return scoped(stmt, scope).subquery("counted")


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


Waits = dict[tuple[str, str], dict[str, float | int]]  # ("claim" | "done", element id) → {"n", "p50", "p90"}


def _on_postgresql(s: Session) -> bool:
    return s.get_bind().dialect.name == "postgresql"


def tune(s: Session) -> None:
    """For this transaction on PostgreSQL: no JIT (the per-row probes make the planner's cost estimate large enough
    to compile the statements, which took 1.4 s of a 1.5 s statement at 100k tasks) and room to sort in memory."""
    if _on_postgresql(s):
        s.execute(text("SET LOCAL jit = off"))
        s.execute(text("SET LOCAL work_mem = '32MB'"))


def step_figures(s: Session, rows: Subquery) -> tuple[dict[str, Counts], Waits | None]:
    """Per element id: tasks, completed, open, late of those with a due time, escalations, reminders, send-backs;
    and on PostgreSQL the waits' percentiles (seconds; None on SQLite, `engine.runtime.task_pass.percentiles`). One grouped
    pass over `rows`."""
    # the constants written out, so that both databases see the partial indexes' conditions (migration 0019)
    reminded = (select(Job.task_id)
                .where(Job.kind == literal_column("'reminder'"), Job.status == literal_column("'done'")))
    sent = (select(AuditEvent.task_id, func.count().label("n"))
            .where(AuditEvent.action == literal_column("'task.send_back'")).group_by(AuditEvent.task_id)
            .subquery("sent_back"))
    flag = lambda cond: func.sum(case((cond, 1), else_=0))  # noqa: E731
    columns: list[ColumnElement[Any]] = [
        rows.c.element_id, func.count(), flag(rows.c.status == "completed"), flag(rows.c.status == "open"),
        func.coalesce(func.sum(rows.c.late), 0), func.count(rows.c.late),
        func.coalesce(func.sum(rows.c.escalation_level), 0), flag(rows.c.id.in_(reminded)),
        func.coalesce(func.sum(sent.c.n), 0)]
    postgres = _on_postgresql(s)
    if postgres:  # the percentiles in the same pass: (n, p50, p90) per wait
        for value in (rows.c.claim_s, rows.c.done_s):
            columns.append(func.count(value))
            columns.extend(func.percentile_cont(a / b).within_group(value) for a, b in PERCENTILES.values())
    counts: dict[str, Counts] = {}
    waits: Waits = {}
    stmt = select(*columns).outerjoin(sent, sent.c.task_id == rows.c.id).group_by(rows.c.element_id)
    for element, *numbers in s.execute(stmt):
        counts[element] = Counts(*(int(v or 0) for v in numbers[:8]))
        for i, metric in enumerate(("claim", "done") if postgres else ()):
            n, *points = numbers[8 + i * 3: 11 + i * 3]
            if n:
                waits[(metric, element)] = {"n": int(n), **{k: float(p) for k, p in zip(PERCENTILES, points)}}
    return counts, waits if postgres else None


def step_names(s: Session, scope: Scope, elements: list[str]) -> dict[str, str]:
    """The names the tasks of `elements` carry (for steps the shown diagram does not name): read from those
    steps' rows only, as the name is not in the statistics index."""
    if not elements:
        return {}
    stmt = scoped(select(Task.element_id, func.max(Task.name)), scope).where(Task.element_id.in_(elements))
    return {e: n for e, n in s.execute(stmt.group_by(Task.element_id)) if n}


@dataclass(frozen=True)
class SlowRow:
    element_id: str
    instance_id: int
    seconds: float
    still_open: bool


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
