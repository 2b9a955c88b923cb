"""A case that loops for ever: the `review` send-back loop driven thousands of times through the engine.

Prints, at a few points (10, 1,000, 5,000 rounds): the stored state in bytes, the task tree's tasks and depth,
and the median ms per completion over a window of rounds there — the step must cost the same at 5,000 rounds as at
10 (<= 1.3x). Raw SpiffWorkflow (full JSON save and load per step) runs the same loop until its recursion fails.
"""
from __future__ import annotations

import time

import engine
from engine.runtime import compaction
from engine.runtime.db import unit_of_work
from engine.runtime.models import ProcessInstance

from .paths import START, new_raw
from .stats import Table, median
from .targets import Target, use

WINDOW = 10  # rounds timed around each checkpoint


def _stored(case_id: int) -> tuple[int, int, int]:
    with unit_of_work(write=False) as s:
        state = s.get(ProcessInstance, case_id).state
    return (len(state.encode()), *compaction.stored_shape(state))


def _round(people: dict[str, engine.Actor], task_id: str) -> str:
    accept = engine.complete_task(people["officer_a"], task_id, {"measures": "整改"}).open_tasks[0]
    back = engine.complete_task(people["inspector_catering"], accept.id, {"result": "fail"})
    return back.open_tasks[0].id


def engine_loop(table: Table, target: Target, rounds: int) -> None:
    """Drive one case `rounds` times round the loop; note size, depth and ms/step at the checkpoints."""
    use(target)
    people = target.people
    case = engine.start_instance(people["officer_a"], "review", dict(START))
    task_id = case.open_tasks[0].id
    checkpoints = sorted({10, min(1000, rounds), rounds})
    ms: dict[int, list[float]] = {c: [] for c in checkpoints}
    for n in range(1, rounds + 1):
        t0 = time.perf_counter()
        task_id = _round(people, task_id)
        elapsed = (time.perf_counter() - t0) / 2 * 1000
        for c in checkpoints:
            if c - WINDOW < n <= c:
                ms[c].append(elapsed)
        if n in checkpoints:
            size, tasks, depth = _stored(case.id)
            table.add("loops", f"review loop @{n} rounds: state bytes / tasks / depth", target.name,
                      f"{size} / {tasks} / {depth}")
    base = median(ms[checkpoints[0]])
    for c in checkpoints:
        ratio = median(ms[c]) / base
        verdict = f"<= 1.3x: {'met' if ratio <= 1.3 else 'MISSED'}" if c == rounds else ""
        table.add("loops", f"review loop @{c} rounds: ms/step (vs @10)", target.name,
                  f"{median(ms[c]):.1f} ({ratio:.2f}x)", verdict)


def raw_loop(table: Table, rounds: int) -> None:
    """The same loop on raw SpiffWorkflow: how far it gets, and its ms/step at 10 rounds."""
    raw = new_raw()
    state = raw.start({**START, "enterprise_code": "91220881MA00000000"})
    times: list[float] = []
    reached, failure = 0, "none"
    for n in range(1, rounds + 1):
        t0 = time.perf_counter()
        try:
            state = raw.complete(state, "rectify", {"measures": "整改"})
            state = raw.complete(state, "accept", {"result": "fail"})
        except (RecursionError, StopIteration) as err:  # StopIteration: the ready task is past the iterator's depth
            failure = type(err).__name__
            break
        if n <= 10:
            times.append((time.perf_counter() - t0) / 2 * 1000)
        reached = n
    table.add("loops", "raw SpiffWorkflow: ms/step @10 rounds", "-", f"{median(times):.1f}")
    table.add("loops", "raw SpiffWorkflow: rounds completed before failing", "-",
              f"{reached} ({failure}, {len(state.encode())} bytes)")
