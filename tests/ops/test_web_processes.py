"""Scale-out over HTTP: two gunicorn web processes and two `safeloop worker`s on one PostgreSQL schema.

Client threads start 200 `review` cases through both servers and complete each rectify step; every third
completion is sent to both servers at once. Meanwhile the workers fire the due reminders, escalations and
boundary timers of cases made beforehand. Each task completes exactly once (the loser gets 409), no job
fires twice, every case loads, the audit chains verify, and every process logged JSON lines.
A token logged out on one server is refused by the other at its next request (revocations live in the database).
"""
from __future__ import annotations

import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

import engine
from tests.ops.children import assert_consistent, cases_at, fired_more_than_once, overdue_pending_jobs
from tests.ops.servers import Server, json_lines, login, request, start_web, start_worker

pytestmark = [pytest.mark.postgres, pytest.mark.timeout(240),
              pytest.mark.parametrize("database", ["postgresql"], indirect=True)]
CASES = 200
CLIENTS = 8
DONE = {"data": {"measures": "已整改"}}


def start_case(port: int, token: str, i: int) -> tuple[int, str]:
    status, body = request(port, "POST", "/api/v1/processes/review/instances",
                           {"data": {"case_title": f"并发案件{i}", "spawn": False}}, token)
    assert status == 201, body
    return body["id"], next(t["id"] for t in body["open_tasks"] if t["element_id"] == "rectify")


def complete_on(ports: list[int], token: str, task_id: str) -> list[int]:
    """Send the same completion to each port at once; the statuses, sorted."""
    statuses: list[int] = []
    gate = threading.Barrier(len(ports))

    def send(port: int) -> None:
        gate.wait()
        statuses.append(request(port, "POST", f"/api/v1/tasks/{task_id}/complete", DONE, token)[0])
    threads = [threading.Thread(target=send, args=(p,)) for p in ports]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return sorted(statuses)


def wait_until_no_job_is_due(timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while overdue_pending_jobs() and time.monotonic() < deadline:
        time.sleep(0.5)


def test_two_web_processes_and_two_workers_complete_each_task_once_and_fire_each_job_once(
        database, review, people, tmp_path: Path):
    due_reminders = cases_at(people, 20, "rectify")  # made at the 2025 test clock: their jobs are long due
    due_timers = cases_at(people, 20, "accept")
    servers: list[Server] = []
    try:
        webs = [start_web(tmp_path, f"web{i}") for i in range(2)]
        servers += webs
        servers += [start_worker(tmp_path, f"worker{i}") for i in range(2)]
        ports = [w.port for w in webs]
        token = login(ports[0], "officer_a")

        started = time.monotonic()
        with ThreadPoolExecutor(CLIENTS) as pool:
            made = list(pool.map(lambda i: start_case(ports[i % 2], token, i), range(CASES)))
            outcomes = list(pool.map(
                lambda item: complete_on(ports if item[0] % 3 == 0 else [ports[item[0] % 2]], token, item[1][1]),
                enumerate(made)))
        elapsed = time.monotonic() - started
        wait_until_no_job_is_due()
    finally:
        for server in servers:
            server.stop()

    print(f"\n{CASES} starts + {CASES} completions ({sum(len(o) for o in outcomes)} requests) through 2 web "
          f"processes in {elapsed:.1f}s")
    assert Counter(tuple(o) for o in outcomes) == {(200, 409): len(range(0, CASES, 3)),
                                                   (200,): CASES - len(range(0, CASES, 3))}
    case_ids = [case_id for case_id, _ in made]
    for case_id in case_ids:
        history = [h.action for h in engine.instance_history(engine.SYSTEM, case_id)]
        assert history.count("task.complete") == 1, history
    assert overdue_pending_jobs() == 0, "the workers left a due job"
    assert fired_more_than_once() == [], "a job fired twice"
    for view in due_timers:
        assert engine.get_instance(engine.SYSTEM, view.id).status == "completed"
    assert_consistent(case_ids + [v.id for v in due_reminders + due_timers])
    assert engine.verify_audit().ok
    _assert_json_logs(servers)


def _assert_json_logs(servers: list[Server]) -> None:
    for web in servers[:2]:
        requests = [e for e in json_lines(web, skip_gunicorn=True) if e["logger"] == "safeloop.http"]
        assert requests, "the web process logged no request"
        assert {"time", "level", "message", "method", "path", "status", "duration_ms", "request_id"} <= requests[0].keys()
    fired = [e for w in servers[2:] for e in json_lines(w) if e.get("job_id")]
    assert fired and {"time", "level", "logger", "message", "job_kind", "instance_id"} <= fired[0].keys()


def test_a_token_logged_out_on_one_web_process_is_refused_by_the_other(database, people, tmp_path: Path):
    webs = [start_web(tmp_path, f"web{i}", threads=1) for i in range(2)]
    try:
        first, second = (w.port for w in webs)
        token = login(first, "officer_a")
        assert request(second, "GET", "/api/v1/me", token=token)[0] == 200
        assert request(first, "DELETE", "/api/v1/auth/token", token=token)[0] == 204
        status, body = request(second, "GET", "/api/v1/me", token=token)
    finally:
        for web in webs:
            web.stop()
    assert status == 401 and body["details"]["reason"] == "revoked"
