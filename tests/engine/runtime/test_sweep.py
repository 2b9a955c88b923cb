"""The sweep under load and faults: two workers, exactly-once firing, incidents, expired leases."""
from __future__ import annotations

import threading
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import func, insert, select, update

import engine
from engine.runtime import timers
from engine.runtime.db import unit_of_work
from engine.runtime.models import AuditEvent, Job


def _due_jobs(n: int, kind: str = "noop", when: datetime | None = None) -> None:
    when = when or datetime(2025, 1, 1, tzinfo=timezone.utc)
    with unit_of_work() as s:
        s.execute(insert(Job), [{"kind": kind, "due_at": when, "status": "pending", "attempts": 0, "payload": {},
                                 "created_at": when} for _ in range(n)])


def test_two_workers_fire_each_of_2000_jobs_exactly_once(database, clock, monkeypatch):
    if database != "postgresql":
        pytest.skip("several workers share PostgreSQL (SQLite runs one worker)")
    fired_ids: list[int] = []
    lock = threading.Lock()
    original = timers._fire_task_job

    def counting(s, job, roles):  # noqa: ANN001
        with lock:
            fired_ids.append(job.id)
        return True

    monkeypatch.setattr(timers, "_fire_task_job", counting)
    _due_jobs(2000)
    counts: dict[str, int] = {}

    def worker(name: str) -> None:
        token = engine.set_clock(clock)
        counts[name] = timers.fire_due(limit=50, worker=name)
        engine.reset_clock(token)

    threads = [threading.Thread(target=worker, args=(f"w{i}",)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(300)
    assert len(fired_ids) == 2000 and len(set(fired_ids)) == 2000
    assert sum(counts.values()) == 2000 and all(counts.values())
    with unit_of_work(write=False) as s:
        assert s.scalar(select(func.count()).where(Job.status == "done")) == 2000
    assert original is not None


def test_a_job_that_always_fails_becomes_an_incident_and_the_sweep_goes_on(database, clock, monkeypatch):
    def boom(s, job, roles):  # noqa: ANN001
        if job.id == 1:
            raise RuntimeError("下游故障 downstream failure")
        return True

    monkeypatch.setattr(timers, "_fire_task_job", boom)
    _due_jobs(3)
    assert timers.fire_due() == 2
    for _ in range(timers.MAX_ATTEMPTS):
        clock.advance(hours=2)
        timers.fire_due()
    with unit_of_work(write=False) as s:
        job = s.get(Job, 1)
        assert job.status == "incident" and job.attempts == timers.MAX_ATTEMPTS and "downstream" in job.last_error
        assert s.scalar(select(func.count()).where(AuditEvent.action == "job.incident")) == 1


def test_a_crashed_workers_lease_is_taken_over_after_it_expires(database, clock, monkeypatch):
    monkeypatch.setattr(timers, "_fire_task_job", lambda s, job, roles: True)
    _due_jobs(5)
    assert timers._claim(10, clock.now(), "crashed") != []  # claimed, then the worker died
    assert timers.fire_due(worker="alive") == 0  # leases still held
    clock.advance(minutes=6)
    assert timers.fire_due(worker="alive") == 5
    with unit_of_work(write=False) as s:
        assert s.scalar(select(func.count()).where(Job.status == "done")) == 5


def test_sweep_is_idempotent_and_fires_missed_jobs_in_due_order(database, clock, monkeypatch):
    order: list[datetime] = []
    monkeypatch.setattr(timers, "_fire_task_job", lambda s, job, roles: order.append(job.due_at) or True)
    base = datetime(2025, 1, 1, tzinfo=timezone.utc)
    for days in (3, 1, 2):
        _due_jobs(1, when=base + timedelta(days=days))
    assert timers.fire_due() == 3
    assert order == sorted(order)
    assert timers.fire_due() == 0
    with unit_of_work() as s:
        s.execute(update(Job).values(status="pending"))
