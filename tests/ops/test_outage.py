"""Database outages on PostgreSQL: a clear 503 with Retry-After, nothing half-written, and recovery.

The shared server is never restarted: "down" points the app at a port where nothing listens, and a
dropped connection is `pg_terminate_backend` on this test's own connections (found by a unique
`application_name`), fired from inside a request or a job while its transaction is open.
"""
from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import create_engine, event, text

import engine
from engine.runtime import db, timers
from engine.runtime.models import Job
from tests.conftest import PG_URL
from tests.ops.children import assert_consistent, cases_at, open_task, overdue_pending_jobs
from tests.ops.servers import json_lines, start_worker
from webui import auth_tokens, create_app

pytestmark = [pytest.mark.postgres, pytest.mark.timeout(120),
              pytest.mark.parametrize("database", ["postgresql"], indirect=True)]
APP_NAME = f"sl_outage_{os.getpid()}"
NOWHERE = "postgresql+psycopg://postgres@127.0.0.1:1/test?connect_timeout=2"
DONE = {"data": {"measures": "已整改"}}


@pytest.fixture
def named(database: str, tmp_path: Path) -> Iterator[str]:
    """The test's database under a unique application_name, so its connections can be found and killed."""
    url = f"{db.settings().database_url}&application_name={APP_NAME}"
    engine.configure(database_url=url, data_dir=tmp_path)
    yield url


@pytest.fixture
def app(named: str, tmp_path: Path) -> Flask:
    return create_app({"TESTING": True, "ENGINE_CONFIGURED": True, "DATA_DIR": str(tmp_path / "web"),
                       "SECRET_KEY": "outage-test"})


def terminate_connections(name: str = APP_NAME) -> int:
    """Kill every server connection of this test's engine (as a failover or an admin would); how many."""
    admin = create_engine(PG_URL)
    try:
        with admin.begin() as conn:
            return len(conn.execute(text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                                         "WHERE application_name = :name"), {"name": name}).all())
    finally:
        admin.dispose()


def drop_connection_on(fragment: str) -> dict[str, int]:
    """Terminate the connection the first time a statement containing `fragment` is about to run."""
    seen = {"drops": 0}

    def before(conn: Any, cursor: Any, statement: str, *_: Any) -> None:
        if fragment in statement and not seen["drops"]:
            seen["drops"] = terminate_connections()
    event.listen(db.sql_engine(), "before_cursor_execute", before)
    return seen


def bearer(app: Flask, username: str, lang: str = "zh-CN") -> dict[str, str]:
    return {"Authorization": f"Bearer {auth_tokens.init_app(app).issue(username).token}", "Accept-Language": lang}


def completions(instance_id: int) -> int:
    return [h.action for h in engine.instance_history(engine.SYSTEM, instance_id)].count("task.complete")


def assert_unavailable(response: Any) -> None:
    assert response.status_code == 503
    assert response.headers["Retry-After"] == str(db.RETRY_AFTER_SECONDS)


def test_database_down_answers_503_with_retry_after_and_the_retry_succeeds_once_it_is_back(app, named, review, people):
    view = cases_at(people, 1, "rectify")[0]
    task_id = open_task(view, "rectify")
    client = app.test_client()
    with client.session_transaction() as session:
        session["user"] = "officer_a"
    engine.configure(database_url=NOWHERE, data_dir=db.settings().data_dir)  # the same data dir: its audit key
    try:
        refused = client.post(f"/api/v1/tasks/{task_id}/complete", json=DONE, headers=bearer(app, "officer_a"))
        english = client.get("/api/v1/me", headers=bearer(app, "officer_a", "en"))
        page = client.get("/inbox")
        ready = app.test_client().get("/readyz")  # a probe carries no session
    finally:
        engine.configure(database_url=named, data_dir=db.settings().data_dir)
    assert_unavailable(refused)
    assert refused.json["error"] == "database_unavailable" and "数据库暂时无法访问" in refused.json["message"]
    assert_unavailable(english)
    assert english.json["message"] == "The database cannot be reached right now; try again in a few seconds."
    assert_unavailable(page)
    assert page.mimetype == "text/html" and "数据库暂时无法访问" in page.get_data(as_text=True)
    assert_unavailable(ready)
    assert ready.json["status"] == "unavailable"

    assert engine.get_task(engine.SYSTEM, task_id).status == "open" and completions(view.id) == 0
    assert client.post(f"/api/v1/tasks/{task_id}/complete", json=DONE, headers=bearer(app, "officer_a")).status_code == 200
    assert client.post(f"/api/v1/tasks/{task_id}/complete", json=DONE, headers=bearer(app, "officer_a")).status_code == 409
    assert client.get("/inbox").status_code == 200
    assert completions(view.id) == 1 and engine.verify_audit().ok


def test_connection_dropped_mid_completion_answers_503_writes_nothing_and_the_retry_completes_once(app, review, people):
    view = cases_at(people, 1, "rectify")[0]
    task_id = open_task(view, "rectify")
    before = engine.get_instance(engine.SYSTEM, view.id)
    client = app.test_client()
    dropped = drop_connection_on("INSERT INTO audit_event")
    response = client.post(f"/api/v1/tasks/{task_id}/complete", json=DONE, headers=bearer(app, "officer_a"))
    assert dropped["drops"] >= 1, "the hook never fired: the test proves nothing"
    assert_unavailable(response)
    assert response.json["error"] == "database_unavailable"

    after = engine.get_instance(engine.SYSTEM, view.id)  # the pool replaced the dead connection
    assert engine.get_task(engine.SYSTEM, task_id).status == "open" and completions(view.id) == 0
    assert (after.version, [t.id for t in after.open_tasks]) == (before.version, [t.id for t in before.open_tasks])
    assert client.post(f"/api/v1/tasks/{task_id}/complete", json=DONE, headers=bearer(app, "officer_a")).status_code == 200
    assert client.post(f"/api/v1/tasks/{task_id}/complete", json=DONE, headers=bearer(app, "officer_a")).status_code == 409
    assert completions(view.id) == 1
    assert_consistent([view.id])
    assert engine.verify_audit().ok


def test_connections_killed_between_requests_are_replaced_without_an_error(app, review, people):
    view = cases_at(people, 1, "rectify")[0]
    client = app.test_client()
    assert client.get(f"/api/v1/instances/{view.id}", headers=bearer(app, "officer_a")).status_code == 200
    assert terminate_connections() >= 1
    assert client.get(f"/api/v1/instances/{view.id}", headers=bearer(app, "officer_a")).status_code == 200


def test_a_worker_tick_survives_a_connection_dropped_mid_job_and_the_next_tick_fires_it_once(
        named, review, people, clock, caplog):
    views = cases_at(people, 3, "accept")
    clock.advance(days=11)  # the accept step's 10-day boundary timers are due
    dropped = drop_connection_on("INSERT INTO audit_event")
    with caplog.at_level(logging.WARNING, logger="safeloop.timers"):
        timers.tick()  # must not raise
    assert dropped["drops"] >= 1
    assert any("database unavailable" in r.getMessage() for r in caplog.records)
    with db.unit_of_work(write=False) as s:
        jobs = list(s.query(Job).filter(Job.kind == "timer"))
    assert all(j.attempts == 0 and j.locked_by is None for j in jobs), "an outage is not the job's fault"
    assert sum(j.status == "done" for j in jobs) < len(views)

    timers.tick()
    for view in views:
        history = [h.action for h in engine.instance_history(engine.SYSTEM, view.id)]
        assert history.count("timer.fire") == 1 and engine.get_instance(engine.SYSTEM, view.id).status == "completed"
    assert_consistent([v.id for v in views])
    assert engine.verify_audit().ok


def wait_for(condition: Callable[[], bool], timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.2)


def test_a_safeloop_worker_process_carries_on_after_its_connections_are_killed_and_logs_json(
        named, review, people, tmp_path):
    name = f"{APP_NAME}_worker"
    first = cases_at(people, 3, "rectify")  # made at the 2025 test clock: reminders and escalations are due
    worker = start_worker(tmp_path, "worker", interval=0.2,
                          SAFELOOP_DATABASE_URL=named.replace(APP_NAME, name))
    try:
        wait_for(lambda: overdue_pending_jobs() == 0)
        kills = 0
        for _ in range(5):
            kills += terminate_connections(name)
            time.sleep(0.3)
        second = cases_at(people, 3, "rectify")
        wait_for(lambda: overdue_pending_jobs() == 0)
    finally:
        worker.stop()
    assert kills >= 1, "the worker held no connection: nothing was dropped"
    entries = json_lines(worker)  # every line is one JSON object
    assert all({"time", "level", "logger", "message"} <= e.keys() for e in entries)
    assert not [e for e in entries if e["level"] == "ERROR"], "a dropped connection is not a failed sweep"
    fired = {e["instance_id"] for e in entries if e.get("job_id") and e.get("outcome") == "fired"}
    assert fired == {v.id for v in first + second}
    sweeps = [e for e in entries if "fired" in e and "duration_ms" in e]
    assert sweeps and sweeps[0]["logger"] == "safeloop.timers"
