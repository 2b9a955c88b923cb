"""Timer sweep throughput: N due reminder jobs fired by one worker process, then by two."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import func, select, update

from engine.runtime import clock
from engine.runtime.db import unit_of_work
from engine.runtime.models import AuditEvent, Job, Task

from .targets import ROOT, Target


@dataclass(frozen=True)
class SweepResult:
    workers: int
    fired: int
    seconds: float
    duplicates: int
    lost: int
    maxrss_kb: int

    @property
    def per_second(self) -> float:
        return self.fired / self.seconds if self.seconds else 0.0


def make_due(n: int) -> list[int]:
    """Make n pending reminder jobs (on open filler tasks) due one minute ago; returns their ids."""
    with unit_of_work() as s:
        ids = list(s.scalars(select(Job.id).join(Task, Task.id == Job.task_id)
                             .where(Job.kind == "reminder", Task.status == "open").order_by(Job.id).limit(n)))
        s.execute(update(Job).where(Job.id.in_(ids)).values(status="pending", due_at=clock.now() - timedelta(minutes=1),
                                                            locked_by=None, locked_until=None, attempts=0))
    return ids


def sweep(target: Target, ids: list[int], workers: int) -> SweepResult:
    """Start `workers` worker processes at once; count firings per job from the audit trail."""
    with unit_of_work(write=False) as s:
        before = s.scalar(select(func.max(AuditEvent.id))) or 0
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    procs = [subprocess.Popen([sys.executable, "-m", "bench.worker", target.url, f"bench-w{i}"], cwd=ROOT, env=env,
                              stdout=subprocess.PIPE, text=True) for i in range(workers)]
    outs = [json.loads(p.communicate(timeout=1800)[0].strip().splitlines()[-1]) for p in procs]
    seconds = max(o["seconds"] for o in outs)  # the sweep itself, without interpreter start-up
    with unit_of_work(write=False) as s:
        events = list(s.scalars(select(AuditEvent.task_id).where(AuditEvent.id > before, AuditEvent.action == "task.remind")))
        done = s.scalar(select(func.count()).select_from(Job).where(Job.id.in_(ids), Job.status == "done")) or 0
    return SweepResult(workers, sum(o["fired"] for o in outs), seconds, len(events) - len(set(events)),
                       len(ids) - done, max(o["maxrss_kb"] for o in outs))
