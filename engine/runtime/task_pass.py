"""One read of the counted task rows, and every figure of the step statistics computed from it in Python.

Counting in SQL took a grouped pass over the tasks beside the read the flows need (each case's events in time
order) and the slowest cases (a rank per step over per-case sums): two scans of the same index, and on SQLite
window passes of 1–2 s. So `read` fetches the counted rows' few columns once (`step_queries.task_rows`), in the
read transaction the other statistics statements use, straight from the driver's cursor (no Row objects), and
`figures` and `engine.runtime.flow_counts` work on the tuples (docs/performance.md, the statistics
section). The cyclic garbage collector is paused meanwhile (`paused_gc`): the rows are a few hundred thousand
young objects, and the collections they triggered cost about a fifth of the call.

Times are compared as the database compares them: SQLite's stored text (fixed width, microseconds always
written) and PostgreSQL's timestamps.
"""
from __future__ import annotations

import gc
import heapq
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session
from sqlalchemy.sql.selectable import Select

from .models import Task
from .sql_measures import PERCENTILES, percentile_cont
from .step_queries import Counts, Scope, SlowRow, Waits, scoped, task_rows

# the columns of a row (step_queries.task_rows)
CASE, STEP, STATUS, CREATED, COMPLETED, SPENT, CLAIM, LATE, ESCALATIONS = range(9)


@dataclass(frozen=True)
class TaskPass:
    """The counted rows (`step_queries.task_rows`), and the completions in the same cases of tasks created before
    the period: (instance id, element id, completed)."""

    source_key: str  # the process
    rows: list[tuple[Any, ...]]
    before: list[tuple[Any, ...]]


@contextmanager
def paused_gc() -> Iterator[None]:
    """No cyclic garbage collection inside (the rows hold no cycles; reference counting frees them)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def fetch(s: Session, stmt: Select[Any]) -> list[tuple[Any, ...]]:
    """The statement's rows as the driver's tuples: no result processing, no Row objects (a third of the read)."""
    result = s.connection().execute(stmt)
    try:
        return result.cursor.fetchall()
    finally:
        result.close()


def read(s: Session, scope: Scope) -> TaskPass:
    """The counted rows, and the earlier completions in their cases that start the period's first hand-overs.

    Those are probed per case (by `ix_task_instance_status`, then the task rows), but only in the counted cases
    whose id is at most the largest case id of the process's tasks created before the period (read from the
    covering index): no other counted case has an earlier task (a task's process is its case's), and with the
    cases started in the period left out the probe costs little (SQLite: 0.1 s for 60k cases)."""
    counted = fetch(s, task_rows(scope))
    # `+ 0`: read from the covering index over the period's past, not by walking the case-id index backwards (the
    # planners' max() shortcut, which reads every task of later cases while none of them matches)
    latest = (select(func.max(Task.instance_id + 0))
              .where(Task.process_key == scope.key, Task.created_at < scope.start).correlate(None).scalar_subquery())
    cases = scoped(select(Task.instance_id), scope).where(Task.instance_id <= latest).correlate(None)
    before = (select(Task.instance_id, Task.element_id, Task.completed_at)
              .where(Task.status == "completed", Task.instance_id.in_(cases),
                     Task.created_at < scope.start, Task.completed_at < scope.end))
    return TaskPass(scope.key, counted, fetch(s, before))


@dataclass(frozen=True)
class Figures:
    counts: dict[str, Counts]  # per element id
    waits: Waits
    slowest: list[SlowRow]  # per step (in element id order) its slowest cases, slowest first


def figures(walk: TaskPass, limit: int, reminders: dict[str, int], send_backs: dict[str, int]) -> Figures:
    """The step figures of the counted rows, in one pass over them:
    - counts per element id: tasks, completed, open, late of those with a due time, escalations (a tally per kind
      of row, summed per step), and the reminders and send-backs counted in SQL;
    - the waits' percentiles in seconds, as percentile_cont: per step the time to claim of the tasks taken from a
      pool and the time to done of the completed ones (their time spent), sorted;
    - per step the `limit` cases that spent longest in it (all their visits; an open task counts until now): per
      (step, case) the sum, then a bounded heap per step (ties: the lower case id first)."""
    kinds: dict[tuple[Any, ...], int] = {}
    claims: dict[str, list[float]] = {}
    dones: dict[str, list[float]] = {}
    spent_in: dict[str, dict[int, float]] = {}  # step → case → seconds
    still: set[tuple[str, int]] = set()
    for instance_id, step, status, _created, _completed, spent, claim, late, escalations in walk.rows:
        kind = (step, status, late, escalations)
        kinds[kind] = kinds.get(kind, 0) + 1
        if claim is not None:
            values = claims.get(step)
            if values is None:
                claims[step] = [claim]
            else:
                values.append(claim)
        if spent is None:  # a cancelled task
            continue
        per_case = spent_in.get(step)
        if per_case is None:
            per_case = spent_in[step] = {}
        per_case[instance_id] = per_case.get(instance_id, 0.0) + spent
        if status == "completed":
            values = dones.get(step)
            if values is None:
                dones[step] = [spent]
            else:
                values.append(spent)
        elif status == "open":
            still.add((step, instance_id))
    return Figures(_counts(kinds, reminders, send_backs), _percentiles(claims, dones), _slowest(spent_in, still, limit))


def _counts(kinds: dict[tuple[Any, ...], int], reminders: dict[str, int], send_backs: dict[str, int]
            ) -> dict[str, Counts]:
    found: dict[str, list[int]] = {}
    for (element, status, late, escalations), n in kinds.items():
        c = found.get(element)
        if c is None:
            c = found[element] = [0] * 6
        c[0] += n
        if status == "completed":
            c[1] += n
        elif status == "open":
            c[2] += n
        if late is not None:
            c[3] += n * int(late)
            c[4] += n
        c[5] += n * int(escalations or 0)
    return {element: Counts(*c[:6], reminders.get(element, 0), send_backs.get(element, 0))
            for element, c in found.items()}


def _percentiles(claims: dict[str, list[float]], dones: dict[str, list[float]]) -> Waits:
    waits: Waits = {}
    for metric, per_step in (("claim", claims), ("done", dones)):
        for element, values in per_step.items():
            values.sort()
            waits[(metric, element)] = {"n": len(values), **{label: percentile_cont(values, a, b)
                                                              for label, (a, b) in PERCENTILES.items()}}
    return waits


def _slowest(spent_in: dict[str, dict[int, float]], still: set[tuple[str, int]], limit: int) -> list[SlowRow]:
    found: list[SlowRow] = []
    for element in sorted(spent_in):
        per_case = spent_in[element]
        least = heapq.nlargest(limit, per_case.values())[-1]  # the cases at least as slow as the limit-th
        ranked = sorted((-seconds, instance_id) for instance_id, seconds in per_case.items() if seconds >= least)
        for seconds, instance_id in ranked[:limit]:
            found.append(SlowRow(element, int(instance_id), float(-seconds), (element, instance_id) in still))
    return found
