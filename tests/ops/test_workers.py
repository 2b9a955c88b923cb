"""Scale-out on PostgreSQL: two timer-worker processes and two completing processes share one database."""
from __future__ import annotations

import random

import pytest

import engine
from tests.ops.children import (
    assert_consistent,
    cases_at,
    completer,
    fired_more_than_once,
    open_task,
    overdue_pending_jobs,
    result,
    spawn,
    wait_ready,
    worker,
)

pytestmark = [pytest.mark.postgres, pytest.mark.timeout(240),
              pytest.mark.parametrize("database", ["postgresql"], indirect=True)]


def test_two_workers_and_two_racing_completers_lose_no_update_and_fire_no_job_twice(database, review, people, tmp_path):
    at_rectify = cases_at(people, 40, "rectify")   # reminders and escalations are due; both completers race here
    at_accept = cases_at(people, 40, "accept")     # the 10-day boundary timer is due; a completer races the timer
    untouched = cases_at(people, 10, "rectify")    # only the workers act on these: reminders and escalations
    rectify_ids = [open_task(v, "rectify") for v in at_rectify]
    accept_ids = [open_task(v, "accept") for v in at_accept]
    stop = tmp_path / "stop"
    workers = [spawn(worker, str(stop), f"w{i}", 5) for i in range(2)]
    shuffled = random.Random(8).sample(rectify_ids, len(rectify_ids))
    completers = [spawn(completer, "officer_a", {"measures": "已整改"}, ids) for ids in (rectify_ids, shuffled)]
    completers.append(spawn(completer, "inspector_catering", {"result": "pass"}, accept_ids))
    for proc in workers + completers:
        wait_ready(proc)
    outcomes = [result(p) for p in completers]
    stop.touch()
    fired = sum(result(p)["fired"] for p in workers)

    won = outcomes[0]["won"] + outcomes[1]["won"]
    assert sorted(won) == sorted(rectify_ids), "each rectify task completed exactly once"
    assert outcomes[0]["lost"] + outcomes[1]["lost"] == len(rectify_ids)
    assert fired > 0 and fired_more_than_once() == []
    for view in untouched:
        history = [h.action for h in engine.instance_history(engine.SYSTEM, view.id)]
        assert history.count("task.remind") == 1 and "task.escalate" in history, history
    assert overdue_pending_jobs() == 0
    for view in at_accept:  # either the inspector or the timer won, never both
        case = engine.get_instance(engine.SYSTEM, view.id)
        history = [h.action for h in engine.instance_history(engine.SYSTEM, view.id)]
        assert case.status == "completed"
        assert (history.count("timer.fire") + history.count("task.complete")) == 2, history  # rectify + one of them
    assert_consistent([v.id for v in at_rectify + at_accept + untouched])
    assert engine.verify_audit().ok
