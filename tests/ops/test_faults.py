"""Faults: timer workers, completing processes and gunicorn web workers killed with SIGKILL at random points.

32 kills of workers and completers, then 15 of a web process serving completions over HTTP. Afterwards every
case loads and its inbox matches its state, no completion or job is lost or done twice, and the audit chains
verify. A killed worker's claimed jobs wait for their lease to run out; the last sweep runs past the lease, as
a surviving worker would. A client whose request died with the web process retries it: a completion that had
committed answers 409.
"""
from __future__ import annotations

import http.client
import os
import random
import signal
import threading
import time
from datetime import datetime, timezone

import pytest

import engine
from engine.runtime import timers
from tests.ops.children import (
    Child,
    assert_consistent,
    cases_at,
    completer,
    fired_more_than_once,
    open_task,
    overdue_pending_jobs,
    spawn,
    wait_ready,
    worker,
)
from tests.ops.servers import Server, login, request, start_web, start_worker, wait_healthy, worker_pids

pytestmark = [pytest.mark.postgres, pytest.mark.timeout(240),
              pytest.mark.parametrize("database", ["postgresql"], indirect=True)]
KILLS = 32
WEB_KILLS = 15


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


def _complete_until_answered(port: int, token: str, task_id: str, dropped: list[str]) -> int:
    """POST the completion until the server answers (a killed web process drops the request); the status."""
    for _ in range(200):
        try:
            status = request(port, "POST", f"/api/v1/tasks/{task_id}/complete", {"data": {"measures": "已整改"}}, token)[0]
        except (OSError, http.client.HTTPException):
            dropped.append(task_id)
            time.sleep(0.05)  # the master is starting a new worker; the listening socket stays open
            continue
        if status != 503:
            return status
    raise AssertionError(f"task {task_id}: no answer after 200 tries")


def _kill_web_workers(web: Server, kills: int, rng: random.Random, deadline: float) -> int:
    """SIGKILL the gunicorn worker `kills` times at random moments (the clients keep it busy); how many."""
    done = 0
    while done < kills and time.monotonic() < deadline:
        wait_healthy(web)
        time.sleep(rng.uniform(0.05, 0.5))
        for pid in worker_pids(web):
            os.kill(pid, signal.SIGKILL)
            done += 1
    return done


def _read_until_answered(port: int, token: str, dropped: list[str]) -> None:
    """GET the inbox until the server answers (between completions: the server is never idle when killed)."""
    for _ in range(200):
        try:
            request(port, "GET", "/api/v1/tasks?scope=candidate", None, token)
            return
        except (OSError, http.client.HTTPException):
            dropped.append("read")
            time.sleep(0.05)
    raise AssertionError("the inbox did not answer after 200 tries")


def test_web_processes_killed_mid_request_lose_no_completion_and_complete_none_twice(database, review, people,
                                                                                     tmp_path):
    views = cases_at(people, 150, "rectify")
    task_ids = [open_task(v, "rectify") for v in views]
    web = start_web(tmp_path, "web", preload=True)  # preloaded: the master forks a new worker at once
    sweeper = start_worker(tmp_path, "worker")
    try:
        token = login(web.port, "officer_a")
        kills_done, statuses, dropped = threading.Event(), [], []

        def client(share: list[str]) -> None:
            # complete the share, each until answered; then read the inbox until the last kill, so that every
            # kill lands on a server with requests in flight however fast the completions went
            statuses.extend(_complete_until_answered(web.port, token, t, dropped) for t in share)
            while not kills_done.is_set():
                _read_until_answered(web.port, token, dropped)
        clients = [threading.Thread(target=client, args=(task_ids[i::4],)) for i in range(4)]
        for c in clients:
            c.start()
        try:
            kills = _kill_web_workers(web, WEB_KILLS, random.Random(20251130), time.monotonic() + 120)
        finally:
            kills_done.set()
            for c in clients:
                c.join()
    finally:
        web.stop()
        sweeper.stop()
    print(f"\n{kills} web kills, {len(dropped)} requests dropped and retried, {statuses.count(409)} answered 409")
    assert kills >= WEB_KILLS, f"only {kills} kills before the clients finished"
    assert len(dropped) >= kills, "a kill hit an idle server: it tested nothing"
    assert set(statuses) <= {200, 409} and len(statuses) == len(task_ids)

    timers.fire_due(datetime.now(timezone.utc) + timers.LEASE * 2, worker="survivor")
    for view in views:
        history = [h.action for h in engine.instance_history(engine.SYSTEM, view.id)]
        assert history.count("task.complete") == 1, history
    assert overdue_pending_jobs() == 0, "a job was lost"
    assert fired_more_than_once() == [], "a job fired twice"
    assert_consistent([v.id for v in views])
    assert engine.verify_audit().ok
