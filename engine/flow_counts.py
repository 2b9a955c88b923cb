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

from sqlalchemy import and_, case, exists, func, literal_column, or_, select, union_all
from sqlalchemy.orm import Session
from sqlalchemy.sql.selectable import Subquery

from .flow_graph import FlowGraph
from .models import ProcessInstance as Case, Task
from .step_queries import Scope

START, END = "", ""  # a hand-over from the start event / to an end event (the empty element id)


@dataclass(frozen=True)
class FlowTotals:
    counts: dict[str, int]  # flow id → times taken
    unmatched: int  # created tasks whose hand-over the diagram had no way for


def _events(rows: Subquery, scope: Scope) -> Subquery:
    """Creations of the counted tasks, and every completion in their cases (kind 0: completed, 1: created).

    The counted rows carry their own completions; only tasks created before the period (in the same cases) are
    read again, through the case's tasks (`ix_task_instance_status`)."""
    created = select(rows.c.instance_id, rows.c.created_at.label("at"), literal_column("1").label("kind"),
                     rows.c.element_id, literal_column("1").label("counted"))
    completed = (select(rows.c.instance_id, rows.c.completed_at, literal_column("0"), rows.c.element_id,
                        literal_column("1"))
                 .where(rows.c.status == "completed", rows.c.completed_at < scope.end))
    before = (select(Task.instance_id, Task.completed_at, literal_column("0"), Task.element_id, literal_column("0"))
              .where(Task.status == "completed", Task.instance_id.in_(select(rows.c.instance_id)),
                     Task.created_at < scope.start, Task.completed_at < scope.end))
    return union_all(created, completed, before).subquery("events")


def _hand_overs(rows: Subquery, scope: Scope) -> Subquery:
    """One row per hand-over kind: the completed step (NULL: the start event), the created steps (space-separated),
    how many.

    One window pass numbers the hand-overs of each case (`grp`: completions so far) and marks a case's last event
    (`after`: the kind of the next event, NULL for the last); a completion that is its case's last event, counted
    in the period, in a completed case, is a hand-over to an end event."""
    ev = _events(rows, scope)
    order = (ev.c.at, ev.c.kind)
    numbered = select(ev, func.sum(1 - ev.c.kind).over(partition_by=ev.c.instance_id, order_by=order,
                                                       rows=(None, 0)).label("grp"),
                      func.lead(ev.c.kind).over(partition_by=ev.c.instance_id, order_by=order).label("after"),
                      ).subquery("numbered")
    last = and_(numbered.c.kind == 0, numbered.c.after.is_(None), numbered.c.counted == 1)
    grouped = select(
        numbered.c.instance_id,
        func.max(case((numbered.c.kind == 0, numbered.c.element_id))).label("prev"),
        func.aggregate_strings(case((numbered.c.kind == 1, numbered.c.element_id)), " ").label("nexts"),
        func.max(case((last, 1), else_=0)).label("ends"),
    ).group_by(numbered.c.instance_id, numbered.c.grp).subquery("grouped")
    completed = exists().where(Case.id == grouped.c.instance_id, Case.status == "completed")
    ends = and_(grouped.c.nexts.is_(None), grouped.c.ends == 1, completed)
    return (select(grouped.c.prev, grouped.c.nexts, func.count().label("n"))  # prev NULL: the start event
            .where(or_(grouped.c.nexts.is_not(None), ends)).group_by(grouped.c.prev, grouped.c.nexts)
            .subquery("hand_overs"))


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
