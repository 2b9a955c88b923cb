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

from collections import Counter, defaultdict
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from .flow_graph import FlowGraph
from .models import ProcessInstance as Case
from .task_pass import TaskPass

START, END = "", ""  # a hand-over from the start event / to an end event (the empty element id)


@dataclass(frozen=True)
class FlowTotals:
    counts: dict[str, int]  # flow id → times taken
    unmatched: int  # created tasks whose hand-over the diagram had no way for


def hand_overs(s: Session, walk: TaskPass) -> Counter[tuple[str | None, str | None]]:
    """Hand-overs by kind: (the completed step, None: the start event; the created steps, space-separated and
    sorted, None: an end event) → how many.

    Per case its events in time order, completions before creations at the same moment: the creations after a
    completion (or before the first: the start event) are one hand-over; a completion in the period that is the
    case's last event, in a completed case, is a hand-over to an end event."""
    # case → (at, kind 0: completed 1: created, step, counted: a task created in the period)
    events: dict[int, list[tuple[Any, int, str, bool]]] = defaultdict(list)
    for instance_id, element, _status, created, completed, *_ in walk.rows:
        events[instance_id].append((created, 1, element, True))
        if completed is not None:
            events[instance_id].append((completed, 0, element, True))
    for instance_id, element, completed in walk.before:
        events[instance_id].append((completed, 0, element, False))
    found: Counter[tuple[str | None, str | None]] = Counter()
    ends: dict[int, str] = {}  # case → its last event's step: a completion of a counted task
    for instance_id, case_events in events.items():
        case_events.sort(key=lambda e: (e[0], e[1]))
        prev: str | None = None
        created: set[str] = set()
        for _at, kind, element, _counted in case_events:
            if kind == 1:
                created.add(element)
                continue
            if created:
                found[(prev, " ".join(sorted(created)))] += 1
                created = set()
            prev = element
        if created:
            found[(prev, " ".join(sorted(created)))] += 1
        elif case_events[-1][3]:
            ends[instance_id] = case_events[-1][2]
    if ends:
        completed = select(Case.id).where(Case.status == "completed", Case.id.in_(select(walk.source.c.instance_id)))
        for instance_id in s.scalars(completed):
            if instance_id in ends:
                found[(ends[instance_id], None)] += 1
    return found


def flow_totals(s: Session, walk: TaskPass, graph: FlowGraph) -> FlowTotals:
    """Times each flow of `graph` was taken by the counted tasks' cases (see the module's docstring)."""
    counts: Counter[str] = Counter()
    unmatched = 0
    for (prev, nexts), n in hand_overs(s, walk).items():
        targets = sorted(set((nexts or "").split())) or [END]
        ways = [graph.path(prev or None, target or None) for target in targets]
        unmatched += n * sum(way is None for way in ways)
        for flow_id in {f for way in ways if way is not None for f in way}:
            counts[flow_id] += n
    return FlowTotals(dict(counts), unmatched)
