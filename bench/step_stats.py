"""`--only stats`: the step statistics (heat map) of a process with 100,000 completed tasks, on each database.

The tasks are bulk-inserted (SQLAlchemy Core): cases of the `review` diagram spread over the last twelve months,
each rectify → accept, a quarter of them failing once (rectify → accept → rectify → accept); waits to be claimed
and done drawn at random, due times, fired reminders, escalations and some send-backs (audit rows), and filler
tasks of another process so that the index has to pick one process out. Then `engine.runtime.step_statistics
.process_statistics` — every query the page and the API run — is timed, median over repeats.
"""
from __future__ import annotations

import random
import time
import uuid
from datetime import timedelta
from typing import Any

from sqlalchemy import func, insert, select

from engine.runtime import clock, step_statistics
from engine.runtime.db import unit_of_work
from engine.runtime.models import AuditEvent, Job, ProcessDefinition, ProcessInstance, Task

from . import population, targets
from .stats import Table, median

BATCH = 2000
HOUR = timedelta(hours=1)


def _case(definition_id: int, ent: tuple[int, str], started: Any) -> dict[str, Any]:
    return {"definition_id": definition_id, "process_key": "review", "business_key": "STATS", "status": "completed",
            "state": "{}", "serializer_version": "1.5", "version": 1, "enterprise_id": ent[0], "industry_key": ent[1],
            "hazard_level": "general", "title": "统计填充案件", "summary": {}, "started_by": "bench",
            "started_at": started, "updated_at": started, "ended_at": started}


def _tasks(instance_id: int, ent: tuple[int, str], started: Any, rng: random.Random) -> list[dict[str, Any]]:
    steps = ["rectify", "accept"] * (2 if rng.random() < 0.25 else 1)
    rows, at = [], started
    for element in steps:
        claim = HOUR * rng.expovariate(1 / 6) if element == "rectify" else None
        done = (claim or timedelta()) + HOUR * rng.expovariate(1 / 30)
        rows.append({"id": str(uuid.uuid4()), "instance_id": instance_id, "process_key": "review",
                     "element_id": element, "name": "整改" if element == "rectify" else "验收",
                     "role_key": "enterprise_safety_officer" if element == "rectify" else "bureau_inspector",
                     "enterprise_id": ent[0], "industry_key": ent[1], "assignee": "bench", "status": "completed",
                     "created_at": at, "claimed_at": at + claim if claim else None, "completed_at": at + done,
                     "completed_by": "bench", "due_at": at + timedelta(days=3) if element == "rectify" else None,
                     "escalation_level": 1 if done > timedelta(days=3) else 0, "overdue": done > timedelta(days=3),
                     "version": 1})
        at = at + done
    return rows


def _side_rows(tasks: list[dict[str, Any]], rng: random.Random) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    jobs = [{"kind": "reminder", "instance_id": t["instance_id"], "task_id": t["id"], "due_at": t["created_at"],
             "status": "done", "attempts": 1, "payload": {}, "created_at": t["created_at"]}
            for t in tasks if t["due_at"] and t["completed_at"] > t["due_at"] - timedelta(days=1)]
    sent = [{"chain": f"sb:{t['id'][:32]}", "seq": 1, "at": t["completed_at"], "actor": "bench",
             "action": "task.send_back", "instance_id": t["instance_id"], "task_id": t["id"], "before": None,
             "after": None, "prev_hash": "0" * 64, "hash": "f" * 64}
            for t in tasks if t["element_id"] == "accept" and rng.random() < 0.03]
    return jobs, sent


def fill(total_tasks: int, seed: int = 19) -> int:
    """Insert completed `review` cases until about `total_tasks` task rows of them exist; returns the rows added."""
    rng = random.Random(seed)
    enterprises = population.add_enterprises()
    now = clock.now()
    with unit_of_work(write=False) as s:
        definition_id = s.scalar(select(ProcessDefinition.id).where(ProcessDefinition.key == "review"))
    added = 0
    while added < total_tasks:
        with unit_of_work() as s:
            picks = [enterprises[rng.randrange(len(enterprises))] for _ in range(BATCH // 2)]
            starts = [now - timedelta(days=rng.uniform(1, 360)) for _ in picks]
            ids = list(s.scalars(insert(ProcessInstance).returning(ProcessInstance.id, sort_by_parameter_order=True),
                                 [_case(definition_id, e, t) for e, t in zip(picks, starts)]))
            tasks = [row for i, e, t in zip(ids, picks, starts) for row in _tasks(i, e, t, rng)]
            s.execute(insert(Task), tasks)
            jobs, sent = _side_rows(tasks, rng)
            if jobs:
                s.execute(insert(Job), jobs)
            if sent:
                s.execute(insert(AuditEvent), sent)
            added += len(tasks)
    population._analyze()
    return added


def run(table: Table, target: targets.Target, total_tasks: int, repeats: int) -> None:
    """Fill `target` (the filler cases of another process first), then time the statistics of `review`."""
    targets.use(target)
    population.grow_to(20_000, target.people)  # 20k open tasks of other cases: the query must pick `review` out
    t0 = time.perf_counter()
    added = fill(total_tasks)
    print(f"  ({target.name}: {added} completed tasks inserted in {time.perf_counter() - t0:.0f}s)", flush=True)
    chief = target.people["chief"]
    with unit_of_work(write=False) as s:
        present = s.scalar(select(func.count()).select_from(Task).where(Task.status == "completed")) or 0
    for label, filters in (("all versions, 12 months", step_statistics.Filters()),
                           ("v1, one industry", step_statistics.Filters(version=1, industry="catering"))):
        step_statistics.process_statistics(chief, "review", filters)  # warm caches (diagram graph, pool)
        times = []
        for _ in range(repeats):
            t1 = time.perf_counter()
            step_statistics.process_statistics(chief, "review", filters)
            times.append((time.perf_counter() - t1) * 1000)
        ms = median(times)
        table.add("stats", f"heat map @{present // 1000}k completed tasks, {label}: ms", target.name, f"{ms:.0f}",
                  f"< 1000 ms: {'met' if ms < 1000 else 'MISSED'}")
