"""One read of the counted task rows, for the figures SQL computes slowly: flows, slowest cases, SQLite percentiles.

Flow counts need each case's events in time order and the slowest cases a rank per step over per-case sums; as
SQL window passes over 100k tasks they took 1–2 s on SQLite (its window functions are slow) and 0.5–0.8 s on
PostgreSQL, while reading the few columns they need takes a few hundred milliseconds and the work in Python a
little more (docs/performance.md, the statistics section). So `read` fetches them once, in the read transaction
the other statistics statements use, and the callers (`engine.runtime.flow_counts`, `engine.runtime.step_queries`) work on it.

Times are compared as the database compares them: SQLite's stored text (fixed width, microseconds always
written) and PostgreSQL's timestamps.
"""
from __future__ import annotations

import heapq
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from sqlalchemy import DateTime, String, case, select, type_coerce
from sqlalchemy.orm import Session
from sqlalchemy.sql.selectable import Subquery

from .models import Task
from .sql_measures import PERCENTILES, interpolate
from .step_queries import Scope, SlowRow, Waits


@dataclass(frozen=True)
class TaskPass:
    """The counted rows: (instance id, element id, status, created, completed in the period or None, spent s[,
    claim s]), and the completions in the same cases of tasks created before the period: (instance id,
    element id, completed)."""

    source_key: str  # the process
    rows: list[tuple[Any, ...]]
    before: list[tuple[Any, ...]]


def _moment(s: Session, column: Any) -> Any:
    return type_coerce(column, String() if s.get_bind().dialect.name == "sqlite" else DateTime())


def read(s: Session, rows: Subquery, scope: Scope, *, waits: bool) -> TaskPass:
    """The counted rows' columns the flows, the slowest cases and (`waits`) the percentiles need."""
    # a completion is an event of the period's hand-overs only before the period's end (as it was in SQL)
    completed = case(((rows.c.status == "completed") & (rows.c.completed_at < scope.end), rows.c.completed_at))
    columns = [rows.c.instance_id, rows.c.element_id, rows.c.status, _moment(s, rows.c.created_at),
               _moment(s, completed), rows.c.spent_s]
    if waits:
        columns.append(rows.c.claim_s)  # a completed task's time to done is its time spent: the same expression
    counted = list(s.execute(select(*columns)).all())
    # tasks created before the period in the same cases: their completions start the period's first hand-overs
    before = (select(Task.instance_id, Task.element_id, _moment(s, Task.completed_at))
              .where(Task.status == "completed", Task.instance_id.in_(select(rows.c.instance_id)),
                     Task.created_at < scope.start, Task.completed_at < scope.end))
    return TaskPass(scope.key, counted, list(s.execute(before).all()))


def slowest(walk: TaskPass, limit: int) -> list[SlowRow]:
    """Per step the `limit` cases that spent longest in it (all their visits; an open task counts until now):
    per (step, case) the sum, then a bounded heap per step (ties: the lower case id first)."""
    spent: dict[str, dict[int, float]] = {}  # step → case → seconds
    still: set[tuple[str, int]] = set()
    for row in walk.rows:  # (instance id, element id, status, created, completed, spent s, …)
        seconds = row[5]
        if seconds is None:
            continue
        per_case = spent.get(row[1])
        if per_case is None:
            per_case = spent[row[1]] = {}
        per_case[row[0]] = per_case.get(row[0], 0.0) + seconds
        if row[2] == "open":
            still.add((row[1], row[0]))
    found: list[SlowRow] = []
    for element in sorted(spent):
        for instance_id, seconds in heapq.nsmallest(limit, spent[element].items(), key=lambda p: (-p[1], p[0])):
            found.append(SlowRow(element, int(instance_id), float(seconds), (element, instance_id) in still))
    return found


def percentiles(walk: TaskPass) -> Waits:
    """{("claim" | "done", element id): {"n", "p50", "p90"}} in seconds, as percentile_cont (for SQLite, which
    has none): the values per step sorted, the two around each percentile's position interpolated."""
    values: dict[tuple[str, str], list[float]] = defaultdict(list)
    for _instance, element, status, _created, _completed, spent, claim in walk.rows:
        if claim is not None:
            values[("claim", element)].append(claim)
        if status == "completed":
            values[("done", element)].append(spent)
    points = []
    for (metric, element), found in values.items():
        found.sort()
        n = len(found)
        wanted = {p for a, b in PERCENTILES.values() for low in [(n - 1) * a // b] for p in (low, low + 1) if p < n}
        points.extend((metric, element, pos, n, found[pos]) for pos in wanted)
    return interpolate(points)
