"""The SQL behind the step statistics: one process's task rows in a period, and the few look-ups around them.

`task_rows` is the filtered set every figure is computed over, read once (`engine.runtime.task_pass`) from the covering
index `ix_task_statistics` (process, created, then every task column the figures use; migration 0019), with the
cases only when a case filter (version, industry, township, enterprise) asks for them. Counts, lateness,
percentiles, slowest cases and flows are then computed in Python from those rows (one index scan instead of a
grouped pass beside the read: docs/performance.md); reminders and send-backs are counted per step in SQL.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Integer, case, func, literal, literal_column, select, text
from sqlalchemy.orm import Session
from sqlalchemy.sql.selectable import Select

from .models import AuditEvent, Enterprise, Job, ProcessDefinition, Task, UTCDateTime
from .models import ProcessInstance as Case
from .sql_measures import seconds_between

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


def task_rows(scope: Scope) -> Select[Any]:
    """The tasks counted, one row each, with the columns the figures are computed from (`engine.runtime.task_pass.read`):
    (instance id, element id, status, created, completed in the period or NULL, time spent s, time to claim s,
    late: 1 | 0 | NULL without a due time, escalation level).

    Times are the driver's: SQLite's stored text (fixed width, microseconds always written, so it compares as the
    database does) and PostgreSQL's timestamps. A completion counts as an event of the period's hand-overs only
    before the period's end. The time spent is that of a worked task (open: until now; completed: the time to
    done, the same expression)."""
    now = literal(scope.now, UTCDateTime())
    done = Task.status == "completed"
    ended = case((done, Task.completed_at), else_=now)
    late = case((Task.due_at.is_(None) | Task.status.not_in(WORKED), None),
                (done & (Task.completed_at > Task.due_at), 1), (~done & (Task.due_at < now), 1), else_=0)
    return scoped(select(Task.instance_id, Task.element_id, Task.status, Task.created_at,
                         case((done & (Task.completed_at < scope.end), Task.completed_at)),
                         case((Task.status.in_(WORKED), seconds_between(Task.created_at, ended))),
                         seconds_between(Task.created_at, Task.claimed_at), late, Task.escalation_level), scope)


def reminders_and_send_backs(s: Session, scope: Scope) -> tuple[dict[str, int], dict[str, int]]:
    """Per element id: the counted tasks whose reminder fired, and the send-backs raised from counted tasks.

    Two small statements beside the read rather than two columns of it: the planner may drive them from the
    partial indexes of fired reminders and send-backs (migration 0019; the constants written out so that both
    databases see the indexes' conditions) instead of probing them once per counted task (SQLite: 30 ms against
    110 ms at 100k tasks)."""
    reminded = (select(Job.task_id)
                .where(Job.kind == literal_column("'reminder'"), Job.status == literal_column("'done'")))
    reminders = scoped(select(Task.element_id, func.count()).where(Task.id.in_(reminded)), scope)
    sent = scoped(select(Task.element_id, func.count())
                  .join(AuditEvent, (AuditEvent.task_id == Task.id)
                        & (AuditEvent.action == literal_column("'task.send_back'"))), scope)
    return ({e: int(n) for e, n in s.execute(reminders.group_by(Task.element_id))},
            {e: int(n) for e, n in s.execute(sent.group_by(Task.element_id))})


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


def tune(s: Session) -> None:
    """For this transaction on PostgreSQL: no JIT (the per-row probes make the planner's cost estimate large enough
    to compile the statements, which took 1.4 s of a 1.5 s statement at 100k tasks) and room to sort in memory."""
    if s.get_bind().dialect.name == "postgresql":
        s.execute(text("SET LOCAL jit = off"))
        s.execute(text("SET LOCAL work_mem = '32MB'"))


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
