"""Where an engine step's time goes, in plain (unprofiled) milliseconds, beside raw SpiffWorkflow's step.

`python -m bench.phases sqlite|postgresql [cases]` — the `review` path (start, rectify, accept) with a timer around
each phase of a step (cProfile, `--profile`, inflates Python calls unevenly; these timers cost about a microsecond
each). Phases nest: *advance* holds *projection*, *state dump* and *writes*; *commit* is the unit of work's end,
including PostgreSQL's one statement of writes. Phases the raw step also has are marked `raw too`: what remains is the
price of keeping a case (rows, inbox, audit, checks); the line `raw SpiffWorkflow step` is the raw step in the same run.
"""
from __future__ import annotations

import functools
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy.orm import Session

from engine.runtime import audit, cases, instances, projection, sandbox_pool, scripting, specs, step_writes, tasks

from . import paths, targets

# (module, function, label, what the raw step also does)
PHASES: tuple[tuple[Any, str, str, str], ...] = (
    (tasks, "_lock_task", "lock: case, task, chain head, timer jobs (1 statement)", ""),
    (instances, "_resolve_enterprise", "start: the enterprise", ""),
    (specs, "new_workflow", "start: new workflow from the cached spec", "raw too"),
    (specs, "load_state", "state load (JSON → workflow)", "raw too (with the spec)"),
    (sandbox_pool, "execute", "scripts in the sandbox's worker process", "raw: in-process"),
    (sandbox_pool, "evaluate", "conditions in the sandbox's worker process", "raw: in-process"),
    (audit, "record", "audit: canonical JSON, HMAC, queued rows", ""),
    (instances, "advance", "advance: run on, project, dump, write", ""),
    (projection, "sync", "  projection: inbox rows, jobs, case columns", ""),
    (scripting, "check_case_data", "  case data check (JSON, cap)", ""),
    (specs, "dump_state", "  state dump (workflow → JSON)", "raw too (with the spec)"),
    (step_writes, "write_pending", "  writes (SQLite: statements; PostgreSQL: queued)", "raw + row: 1 UPDATE"),
    (tasks, "instance_view", "the answer (case view)", ""),
    (cases, "instance_view", "the answer (case view, start)", ""),
    (step_writes, "commit_pending", "PostgreSQL: the step's one statement + COMMIT", "raw + row: 1 UPDATE"),
    (Session, "commit", "commit (SQLite: the WAL write)", "raw + row: 1 COMMIT"),
)


@contextmanager
def _timed(acc: Counter[str]) -> Iterator[None]:
    wrapped: list[tuple[Any, str, Any]] = []
    for module, name, label, _raw in PHASES:
        original = getattr(module, name)

        def timer(*args: Any, _f: Callable[..., Any] = original, _label: str = label, **kwargs: Any) -> Any:
            t0 = time.perf_counter()
            try:
                return _f(*args, **kwargs)
            finally:
                acc[_label] += time.perf_counter() - t0
        setattr(module, name, functools.wraps(original)(timer))
        wrapped.append((module, name, original))
    try:
        yield
    finally:
        for module, name, original in wrapped:
            setattr(module, name, original)


def measure(target: targets.Target, cases_n: int) -> tuple[dict[str, float], float, float]:
    """ms per step by phase, the whole engine step, and the raw step (medians are not needed: one long run each)."""
    acc: Counter[str] = Counter()
    for _ in range(5):
        paths.engine_case(target.people)
    steps = cases_n * (1 + len(paths.STEPS))
    with _timed(acc):
        t0 = time.perf_counter()
        for _ in range(cases_n):
            paths.engine_case(target.people)
        total = time.perf_counter() - t0
    raw = paths.new_raw()
    for _ in range(5):
        paths.raw_case(raw)
    t0 = time.perf_counter()
    for _ in range(cases_n):
        paths.raw_case(raw)
    raw_total = time.perf_counter() - t0
    return {k: v / steps * 1000 for k, v in acc.items()}, total / steps * 1000, raw_total / steps * 1000


def main(argv: list[str]) -> int:
    which, cases_n = (argv[0] if argv else "sqlite"), int(argv[1]) if len(argv) > 1 else 100
    target = targets.chosen(which, "phases")
    if target is None:
        return 1
    try:
        by_phase, total, raw = measure(target, cases_n)
    finally:
        target.drop()
    print(f"{target.name}, review path, {cases_n} cases: ms per step (mean over start, rectify, accept)")
    print(f"  {'engine step (all of it)':55s} {total:6.3f}")
    for _module, _name, label, raw_too in PHASES:
        if label in by_phase:
            print(f"  {label:55s} {by_phase[label]:6.3f}  {raw_too}")
    print(f"  {'raw SpiffWorkflow step (JSON save+load, no database)':55s} {raw:6.3f}")
    print(f"  engine / raw {total / raw:.2f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
