"""How often each sequence flow was taken, inferred from the task rows (the flows themselves are not recorded).

The engine keeps a row per human task, not per flow or gateway; SpiffWorkflow's task tree, which has them, is JSON
inside the case and compacted as a case loops. So per case the task rows are put in time order — completions before
creations at the same moment — and every task created is paired with the human step completed last before it
(none yet: the case's start event). One completion and the tasks created right after it are one *hand-over*; a
completion followed by nothing while the case ended is a hand-over to an end event. Each hand-over adds one to every
flow on the diagram's way from the completed step to each created one (`FlowGraph.path`; a flow shared by two
ways, before a parallel split, counts once). Hand-overs the diagram has no way for (a task cancelled by a boundary
timer, a case migrated across versions, a step after one reopened by a send-back) are counted as `unmatched`. Send-backs (退回) reopen an earlier task and
create none, so they are counted per step instead (`step_queries.step_counts`).
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from sqlalchemy import String, and_, case, cast, func, literal_column, null, or_, select, union_all
from sqlalchemy.orm import Session
from sqlalchemy.sql.selectable import Subquery

from .flow_graph import FlowGraph
from .models import Task
from .step_queries import Scope

START, END = "", ""  # a hand-over from the start event / to an end event (the empty element id)


@dataclass(frozen=True)
class FlowTotals:
    counts: dict[str, int]  # flow id → times taken
    unmatched: int  # created tasks whose hand-over the diagram had no way for


def _events(rows: Subquery, scope: Scope) -> Subquery:
    """Creations of the counted tasks, and every completion in their cases (kind 0: completed, 1: created)."""
    in_period = and_(Task.created_at >= scope.start, Task.created_at < scope.end)
    created = select(rows.c.instance_id, rows.c.created_at.label("at"), literal_column("1").label("kind"),
                     rows.c.element_id, literal_column("1").label("counted"), rows.c.case_status)
    completed = (select(Task.instance_id, Task.completed_at.label("at"), literal_column("0").label("kind"),
                        Task.element_id, case((in_period, 1), else_=0).label("counted"),
                        cast(null(), String(20)).label("case_status"))
                 .where(Task.status == "completed", Task.instance_id.in_(select(rows.c.instance_id)),
                        Task.completed_at < scope.end))
    return union_all(created, completed).subquery("events")


def _hand_overs(rows: Subquery, scope: Scope) -> Subquery:
    """One row per hand-over: the completed step ('' = start), the created steps (space-separated), its count."""
    ev = _events(rows, scope)
    order = (ev.c.at, ev.c.kind)
    numbered = select(ev, func.sum(1 - ev.c.kind).over(partition_by=ev.c.instance_id, order_by=order,
                                                       rows=(None, 0)).label("grp")).subquery("numbered")
    grouped = select(
        numbered.c.instance_id, numbered.c.grp,
        func.max(case((numbered.c.kind == 0, numbered.c.element_id))).label("prev"),
        func.max(case((numbered.c.kind == 0, numbered.c.counted), else_=0)).label("prev_counted"),
        func.aggregate_strings(case((numbered.c.kind == 1, numbered.c.element_id)), " ").label("nexts"),
        func.max(numbered.c.case_status).label("case_status"),
        func.max(func.max(numbered.c.grp)).over(partition_by=numbered.c.instance_id).label("last"),
    ).group_by(numbered.c.instance_id, numbered.c.grp).subquery("grouped")
    # a case's status rides on its created rows: carry it to every group of the case
    status = func.max(grouped.c.case_status).over(partition_by=grouped.c.instance_id)
    keep = select(func.coalesce(grouped.c.prev, START).label("prev"), grouped.c.nexts, grouped.c.grp,
                  grouped.c.last, grouped.c.prev_counted, status.label("case_status")).subquery("kept")
    ends = and_(keep.c.nexts.is_(None), keep.c.grp == keep.c.last, keep.c.prev_counted == 1,
                keep.c.case_status == "completed", keep.c.grp > 0)
    return (select(keep.c.prev, keep.c.nexts, func.count().label("n"))
            .where(or_(keep.c.nexts.is_not(None), ends)).group_by(keep.c.prev, keep.c.nexts).subquery("hand_overs"))


def flow_totals(s: Session, rows: Subquery, scope: Scope, graph: FlowGraph) -> FlowTotals:
    """Times each flow of `graph` was taken by the counted tasks' cases (see the module's docstring)."""
    hand_overs = _hand_overs(rows, scope)
    counts: Counter[str] = Counter()
    unmatched = 0
    for prev, nexts, n in s.execute(select(hand_overs)):
        targets = sorted(set((nexts or "").split())) or [END]
        ways = [graph.path(prev or None, target or None) for target in targets]
        unmatched += n * sum(way is None for way in ways)
        for flow_id in {f for way in ways if way is not None for f in way}:
            counts[flow_id] += n
    return FlowTotals(dict(counts), unmatched)
