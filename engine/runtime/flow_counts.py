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
from operator import itemgetter
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from .flow_graph import FlowGraph
from .models import ProcessInstance as Case
from .task_pass import CASE, COMPLETED, CREATED, STEP, TaskPass, fetch

START, END = "", ""  # a hand-over from the start event / to an end event (the empty element id)
_CREATED, _STEP = itemgetter(CREATED), itemgetter(STEP)


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
    found, ends = case_hand_overs(walk.rows, walk.before)
    if ends:  # which of those cases ended: the completed ones in the counted cases' id range
        completed = select(Case.id).where(Case.process_key == walk.source_key, Case.status == "completed",
                                          Case.id.between(min(ends), max(ends)))
        for instance_id, in fetch(s, completed):
            if instance_id in ends:
                found[(ends[instance_id], None)] += 1
    return found


def _chained(case_rows: list[tuple[Any, ...]]) -> bool:
    """Were the case's tasks (in creation order) one after the other: each completed after it was created, and at
    or before the next one's creation (only the last may be open)? Then its events need no sort."""
    last = len(case_rows) - 1
    for i, row in enumerate(case_rows):
        done = row[COMPLETED]
        if done is None:
            if i != last:
                return False
        elif not row[CREATED] < done or (i != last and case_rows[i + 1][CREATED] < done):
            return False
    return True


def case_hand_overs(rows: list[tuple[Any, ...]], before: list[tuple[Any, ...]]
                    ) -> tuple[Counter[tuple[str | None, str | None]], dict[int, str]]:
    """The hand-overs of the counted rows' cases (`hand_overs`), and the cases whose last event is a completion of
    a counted task (case → its step): those ended if the case did.

    Most cases are one task or a chain of steps (`_chained`): their hand-overs are the consecutive steps, counted
    per chain of step names; the others' events are sorted (time, completions first, then step: a stable answer
    for ties)."""
    by_case: dict[int, list[tuple[Any, ...]]] = {}
    of_case = by_case.get
    for row in rows:
        case_rows = of_case(row[CASE])
        if case_rows is None:
            by_case[row[CASE]] = [row]
        else:
            case_rows.append(row)
    earlier: dict[int, list[tuple[Any, ...]]] = {}  # case → the completions of tasks created before the period
    for instance_id, element, completed in before:
        earlier.setdefault(instance_id, []).append((completed, 0, element, False))
    found: Counter[tuple[str | None, str | None]] = Counter()
    chains: Counter[tuple[str, ...]] = Counter()
    ends: dict[int, str] = {}  # case → its last event's step: a completion of a counted task
    singles: Counter[str] = Counter()  # step → cases of that one task (a hand-over from the start event each)
    for instance_id, case_rows in by_case.items():
        if instance_id not in earlier:
            if len(case_rows) == 1:
                row = case_rows[0]
                done = row[COMPLETED]
                if done is None:
                    singles[row[STEP]] += 1
                    continue
                if row[CREATED] < done:
                    singles[row[STEP]] += 1
                    ends[instance_id] = row[STEP]
                    continue
            else:
                case_rows.sort(key=_CREATED)
                if _chained(case_rows):
                    chains[tuple(map(_STEP, case_rows))] += 1
                    if case_rows[-1][COMPLETED] is not None:
                        ends[instance_id] = case_rows[-1][STEP]
                    continue
        # events: (at, kind 0: completed 1: created, step, counted: a completion of a task counted)
        events: list[tuple[Any, int, str, bool]] = earlier.get(instance_id, [])
        for row in case_rows:
            events.append((row[CREATED], 1, row[STEP], True))
            if row[COMPLETED] is not None:
                events.append((row[COMPLETED], 0, row[STEP], True))
        events.sort()
        prev: str | None = None
        created: str | set[str] | None = None  # the steps created since `prev` (one: its id)
        for _at, kind, element, _counted in events:
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
        elif events[-1][3]:
            ends[instance_id] = events[-1][2]
    for step, n in singles.items():
        found[(None, step)] += n
    for chain, n in chains.items():
        step: str | None = None
        for following in chain:
            found[(step, following)] += n
            step = following
    return found, ends


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
