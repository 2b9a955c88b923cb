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
    # case → its events (at, kind 0: completed 1: created, step, counted: a completion of a task counted)
    events: dict[int, list[tuple[Any, int, str, bool]]] = {}
    of_case = events.get
    for row in walk.rows:  # (instance id, element id, status, created, completed in the period, …)
        case_events = of_case(row[0])
        if case_events is None:
            case_events = events[row[0]] = []
        case_events.append((row[3], 1, row[1], True))
        if row[4] is not None:
            case_events.append((row[4], 0, row[1], True))
    for instance_id, element, completed in walk.before:
        events[instance_id].append((completed, 0, element, False))
    found: Counter[tuple[str | None, str | None]] = Counter()
    ends: dict[int, str] = {}  # case → its last event's step: a completion of a counted task
    for instance_id, case_events in events.items():
        case_events.sort()  # time, completions first (ties at the same moment: by step, for a stable answer)
        prev: str | None = None
        created: str | set[str] | None = None  # the steps created since `prev` (one: its id)
        for _at, kind, element, _counted in case_events:
            if kind:
                if created is None:
                    created = element
                elif isinstance(created, set):
                    created.add(element)
                elif element != created:
                    created = {created, element}
                continue
            if created is not None:
                found[(prev, created if isinstance(created, str) else " ".join(sorted(created)))] += 1
                created = None
            prev = element
        if created is not None:
            found[(prev, created if isinstance(created, str) else " ".join(sorted(created)))] += 1
        elif case_events[-1][3]:
            ends[instance_id] = case_events[-1][2]
    if ends:  # which of those cases ended: the completed ones in the counted cases' id range
        completed = select(Case.id).where(Case.process_key == walk.source_key, Case.status == "completed",
                                          Case.id.between(min(ends), max(ends)))
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
