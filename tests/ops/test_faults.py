"""Faults: timer workers and completing processes killed with SIGKILL at random points, 30+ times.

Afterwards every case loads and its inbox matches its state, no job is lost or fired twice, and the
audit chains verify. A killed worker's claimed jobs wait for their lease to run out; the last sweep runs
past the lease, as a surviving worker would.
"""
from __future__ import annotations

import random
from datetime import datetime, timezone

import pytest

import engine
from engine import timers

from tests.ops.children import (Child, completer, worker, assert_consistent, cases_at, fired_more_than_once, open_task,
                                overdue_pending_jobs, spawn, wait_ready)

pytestmark = [pytest.mark.postgres, pytest.mark.timeout(240),
              pytest.mark.parametrize("database", ["postgresql"], indirect=True)]
KILLS = 32


def _kill_after(child: Child, seconds: float) -> bool:
    """SIGKILL the child after `seconds` (unless it finished first); True when it was killed."""
    child.process.join(seconds)
    killed = child.process.is_alive()
    if killed:
        child.process.kill()
        child.process.join()
    child.pipe.close()
    return killed


def test_workers_and_completers_killed_at_random_points_leave_every_case_whole(database, review, people, tmp_path):
    at_rectify = cases_at(people, 24, "rectify")
    at_accept = cases_at(people, 24, "accept")
    rectify_ids = [open_task(v, "rectify") for v in at_rectify]
    rng = random.Random(20251129)
    kills = 0
    for round_ in range(10 * KILLS):  # a child that finished before its kill does not count; keep going
        if kills >= KILLS:
            break
        remaining = [t for t in rectify_ids if engine.get_task(engine.SYSTEM, t).status == "open"]
        if round_ % 2 and remaining:  # a web-like process completing the rectify tasks still open
            child = spawn(completer, "officer_a", {"measures": "已整改"}, remaining)
        else:  # a timer worker firing timers, reminders and escalations, two jobs per claim
            child = spawn(worker, str(tmp_path / "never"), f"victim{round_}", 2)
        wait_ready(child)
        kills += _kill_after(child, rng.uniform(0.02, 0.6))
    assert kills >= KILLS

    past_every_lease = datetime.now(timezone.utc) + timers.LEASE * 2
    timers.fire_due(past_every_lease, worker="survivor")
    for task_id in rectify_ids:
        if engine.get_task(engine.SYSTEM, task_id).status == "open":
            engine.complete_task(people["officer_a"], task_id, {"measures": "已整改"})
    timers.fire_due(past_every_lease, worker="survivor")

    assert overdue_pending_jobs() == 0, "a killed worker's job was lost"
    assert fired_more_than_once() == [], "a job fired twice"
    for view in at_accept:  # the boundary timer fired exactly once and ended the case
        history = [h.action for h in engine.instance_history(engine.SYSTEM, view.id)]
        assert history.count("timer.fire") == 1 and engine.get_instance(engine.SYSTEM, view.id).status == "completed"
    for view in at_rectify:
        history = [h.action for h in engine.instance_history(engine.SYSTEM, view.id)]
        assert history.count("task.complete") == 1, history
    assert_consistent([v.id for v in at_rectify + at_accept])
    assert engine.verify_audit().ok
