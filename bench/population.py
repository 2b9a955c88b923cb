"""Bulk-filled databases: many open cases, each with one open inbox task and its two jobs.

Rows are written with SQLAlchemy Core in large batches (minutes of engine steps would be
needed otherwise). Each filler case carries the real stored state of a `review` case waiting at
`rectify`, so table and index sizes are those of real cases.
"""
from __future__ import annotations

import random
import uuid
from datetime import timedelta
from typing import Any

from sqlalchemy import func, insert, select

import engine
from engine.runtime import clock
from engine.runtime.db import unit_of_work
from engine.runtime.models import AuditEvent, AuditHead, Enterprise, Job, ProcessDefinition, ProcessInstance, Task

INDUSTRIES = ("catering", "commercial_complex", "key_commercial", "refined_oil", "renewable_recycling",
              "scrap_vehicle", "grain_storage")
ENTERPRISES = 200
USERS = 100
BATCH = 2000
# Share of open tasks per role; enterprise-side tasks are scoped to the case's enterprise.
ROLES = (("enterprise_safety_officer", 0.50), ("bureau_inspector", 0.35), ("section_chief", 0.10), ("expert", 0.05))


def add_enterprises() -> list[tuple[int, str]]:
    """Two hundred enterprises across the industries (ids and industry keys)."""
    with unit_of_work() as s:
        if s.scalar(select(func.count()).select_from(Enterprise)) < ENTERPRISES:
            s.execute(insert(Enterprise), [{"code": f"BENCH{i:013d}", "name": f"基准企业{i}",
                                            "industry_key": INDUSTRIES[i % len(INDUSTRIES)], "active": True}
                                           for i in range(ENTERPRISES)])
        return [(e.id, e.industry_key) for e in s.scalars(select(Enterprise))]


def template_state(people: dict[str, engine.Actor]) -> str:
    """The stored state of a real case waiting at `rectify`."""
    view = engine.start_instance(people["officer_a"], "review", {"case_title": "模板", "spawn": False})
    with unit_of_work(write=False) as s:
        return s.get(ProcessInstance, view.id).state


def cases_present() -> int:
    with unit_of_work(write=False) as s:
        return s.scalar(select(func.count()).select_from(ProcessInstance)) or 0


def grow_to(total: int, people: dict[str, engine.Actor], seed: int = 7) -> int:
    """Add filler cases until `total` cases are present; returns how many were added."""
    rng = random.Random(seed + cases_present())
    enterprises = add_enterprises()
    state = template_state(people)
    with unit_of_work(write=False) as s:
        definition_id = s.scalar(select(ProcessDefinition.id).where(ProcessDefinition.key == "review"))
    missing = total - cases_present()
    added = 0
    while added < missing:
        n = min(BATCH, missing - added)
        _insert_batch(n, definition_id, state, enterprises, rng)
        added += n
    _analyze()
    return added


def _analyze() -> None:
    """Refresh the planner's statistics, as autovacuum (PostgreSQL) or a periodic ANALYZE (SQLite) would."""
    from engine.runtime import db
    with db.sql_engine().connect() as conn:
        conn.exec_driver_sql("ANALYZE")
        conn.commit()


def _insert_batch(n: int, definition_id: int, state: str, enterprises: list[tuple[int, str]], rng: random.Random) -> None:
    now = clock.now()
    with unit_of_work() as s:
        picks = [enterprises[rng.randrange(len(enterprises))] for _ in range(n)]
        ids = list(s.scalars(insert(ProcessInstance).returning(ProcessInstance.id, sort_by_parameter_order=True),
                             [_case_row(definition_id, state, e, now) for e in picks]))
        tasks = [_task_row(i, e, rng, now) for i, e in zip(ids, picks)]
        s.execute(insert(Task), tasks)
        s.execute(insert(Job), [j for t in tasks for j in _job_rows(t, now)])
        s.execute(insert(AuditEvent), [_audit_row(i, now) for i in ids])
        s.execute(insert(AuditHead), [{"chain": f"case:{i}", "head_hash": "f" * 64, "count": 1} for i in ids])


def _case_row(definition_id: int, state: str, ent: tuple[int, str], now: Any) -> dict[str, Any]:
    return {"definition_id": definition_id, "process_key": "review", "business_key": "BENCH",
            "status": "running", "state": state, "serializer_version": "1.5", "version": 1,
            "enterprise_id": ent[0], "industry_key": ent[1], "hazard_level": "general", "title": "填充案件",
            "current_step": "整改", "summary": {}, "started_by": "bench", "started_at": now, "updated_at": now}


def _task_row(i: int, ent: tuple[int, str], rng: random.Random, now: Any) -> dict[str, Any]:
    role = rng.choices([r for r, _ in ROLES], [w for _, w in ROLES])[0]
    assignee = f"u{rng.randrange(USERS):03d}" if rng.random() < 0.2 else None
    return {"id": str(uuid.uuid4()), "instance_id": i, "process_key": "review", "element_id": "rectify", "name": "整改",
            "role_key": role, "enterprise_id": ent[0] if role.startswith("enterprise") else None,
            "industry_key": ent[1], "assignee": assignee, "status": "open", "form_key": "review_rectify",
            "created_at": now, "due_at": now + timedelta(hours=rng.randrange(-720, 720)), "escalation_level": 0,
            "overdue": False, "version": 1}


def _job_rows(task: dict[str, Any], now: Any) -> list[dict[str, Any]]:
    far = now + timedelta(days=3650)  # not due during the benchmark
    return [{"kind": kind, "instance_id": task["instance_id"], "task_id": task["id"], "due_at": far, "status": "pending",
             "attempts": 0, "payload": {"level": 1} if kind == "escalation" else {}, "created_at": now}
            for kind in ("reminder", "escalation")]


def _audit_row(i: int, now: Any) -> dict[str, Any]:
    return {"chain": f"case:{i}", "seq": 1, "at": now, "actor": "bench", "action": "case.start", "instance_id": i,
            "before": None, "after": {"process": "review"}, "prev_hash": "0" * 64, "hash": "f" * 64}
