"""Helpers for the multi-process and fault tests: real OS processes against one PostgreSQL schema.

Children are forked from a forkserver that has imported the engine once (a fresh interpreter per child
would spend seconds importing): a timer worker (`engine.runtime.timers.fire_due` in a loop) or a completer
(`engine.complete_task` over a list of tasks, as a web worker serving requests would), or a sender
(`engine.runtime.deliveries.deliver_pending` in a loop). Each reports over
its own pipe, so a child killed with SIGKILL corrupts nothing shared. Children read wall time while the
test's cases were made at the `clock` fixture's 2025 date, so every job is already due.
"""
from __future__ import annotations

import multiprocessing
from collections import Counter
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any, Callable
from uuid import UUID

from SpiffWorkflow.util.task import TaskState
from sqlalchemy import func, select

import engine
from engine.runtime import db, instances
from engine.runtime.models import AuditEvent, Job, ProcessInstance, Task

CTX = multiprocessing.get_context("forkserver")
CTX.set_forkserver_preload(["engine", "engine.runtime.timers", "engine.runtime.deliveries", "tests.ops.children"])


def worker(out: Connection, url: str, data_dir: str, stop: str, name: str, limit: int) -> None:
    """A timer worker: fire due jobs until none is left and the stop file exists."""
    from engine.runtime import timers
    engine.configure(database_url=url, data_dir=data_dir)
    out.send("ready")
    total = 0
    while True:
        fired = timers.fire_due(limit=limit, worker=name)
        total += fired
        if fired == 0 and Path(stop).exists():
            break
    out.send({"fired": total})


def sender(out: Connection, url: str, data_dir: str, stop: str, name: str, limit: int, webhook: str) -> None:
    """A delivery worker: send due notifications to `webhook` until none is left and the stop file exists."""
    import os

    from engine.runtime import deliveries
    os.environ["SAFELOOP_WEBHOOK_URL"] = webhook  # the forkserver may predate the test's environment
    engine.configure(database_url=url, data_dir=data_dir)
    out.send("ready")
    total = 0
    while True:
        sent = deliveries.deliver_pending(limit, worker=name)
        total += sent
        if sent == 0 and Path(stop).exists():
            break
    out.send({"sent": total})


def completer(out: Connection, url: str, data_dir: str, who: str, data: dict[str, Any], ids: list[str]) -> None:
    """A web-like process: complete each task; a lost race (409) or a vanished task (404) is counted."""
    engine.configure(database_url=url, data_dir=data_dir)
    actor = engine.get_actor(who)
    out.send("ready")
    won, lost = [], 0
    for task_id in ids:
        try:
            engine.complete_task(actor, task_id, data)
            won.append(task_id)
        except (engine.Conflict, engine.NotFound):
            lost += 1
    out.send({"won": won, "lost": lost})


@dataclass
class Child:
    process: Any
    pipe: Connection


def spawn(target: Callable[..., None], *args: Any) -> Child:
    """Start a child on the test's database (it reports 'ready' once configured)."""
    receive, send = CTX.Pipe(duplex=False)
    proc = CTX.Process(target=target, args=(send, db.settings().database_url, str(db.settings().data_dir), *args))
    proc.start()
    send.close()
    return Child(proc, receive)


def wait_ready(child: Child, timeout: float = 120) -> None:
    assert child.pipe.poll(timeout) and child.pipe.recv() == "ready", "the child did not start"


def result(child: Child, timeout: float = 180) -> dict[str, Any]:
    assert child.pipe.poll(timeout), "the child did not finish in time"
    out = child.pipe.recv()
    child.process.join(30)
    child.pipe.close()
    assert child.process.exitcode == 0
    return out


def cases_at(people: dict[str, engine.Actor], n: int, step: str) -> list[engine.InstanceView]:
    """n `review` cases waiting at `rectify` or at `accept` (whose 10-day boundary timer is then pending)."""
    views = []
    for i in range(n):
        view = engine.start_instance(people["officer_a"], "review", {"case_title": f"案件{i}", "spawn": False})
        if step == "accept":
            task = next(t for t in view.open_tasks if t.element_id == "rectify")
            view = engine.complete_task(people["officer_a"], task.id, {"measures": "已整改"})
        views.append(view)
    return views


def open_task(view: engine.InstanceView, element: str) -> str:
    return next(t.id for t in view.open_tasks if t.element_id == element)


def assert_consistent(instance_ids: list[int]) -> None:
    """Every case loads; its open inbox rows are exactly the ready user tasks of its stored state."""
    with db.unit_of_work(write=False) as s:
        for instance_id in instance_ids:
            inst = s.get(ProcessInstance, instance_id)
            wf = instances.load(s, inst).wf
            ready = {str(t.id) for t in wf.get_tasks(state=TaskState.READY, manual=True)}
            rows = set(s.scalars(select(Task.id).where(Task.instance_id == instance_id, Task.status == "open")))
            assert rows == ready, f"case {instance_id}: inbox {rows} but state has {ready}"
            assert (inst.status == "completed") == wf.completed, f"case {instance_id}: status {inst.status}"
            assert all(wf.get_task_from_id(UUID(r)) is not None for r in rows)
    for instance_id in instance_ids:
        engine.get_instance(engine.SYSTEM, instance_id)


def fired_more_than_once() -> list[tuple]:
    """Job effects recorded twice: a timer fired, a reminder sent or an escalation level reached twice."""
    with db.unit_of_work(write=False) as s:
        events = s.execute(select(AuditEvent.action, AuditEvent.task_id, AuditEvent.after)
                           .where(AuditEvent.action.in_(("timer.fire", "task.remind", "task.escalate")))).all()
    keys = Counter((a, t, (after or {}).get("level") if a == "task.escalate" else None) for a, t, after in events)
    return [k for k, n in keys.items() if n > 1]


def overdue_pending_jobs() -> int:
    """Jobs still pending whose time has passed (lost, once every worker has finished)."""
    from datetime import datetime, timezone
    with db.unit_of_work(write=False) as s:
        return s.scalar(select(func.count()).select_from(Job).where(
            Job.status == "pending", Job.due_at <= datetime.now(timezone.utc))) or 0
