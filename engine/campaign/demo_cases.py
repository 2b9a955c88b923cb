"""Demo cases in every stage, from reference_data/demo_cases.json (idempotent by business key).

Each entry starts a case and completes its listed `steps`; `child_steps` then complete tasks of the cases it
started, picked by enterprise (e.g. some enterprises' read receipts of a published notice). A value
`"@people:principal,safety_manager"` stands for the ids of the case enterprise's people of those posts (the staff
register's ids are not known before the demo is loaded).
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from sqlalchemy import select

from ..runtime import cases, tasks, users
from ..runtime.db import unit_of_work
from ..runtime.models import Enterprise, ProcessInstance, Task
from ..runtime.views import SYSTEM
from . import staff

REFERENCE = Path(__file__).parent.parent / "reference_data"  # as engine.campaign.bootstrap reads it

PEOPLE = "@people:"


def _people(data: dict[str, Any], enterprise_code: str | None) -> dict[str, Any]:
    """The step data with each `@people:<posts>` value replaced by those people's ids."""
    def ids(value: str) -> list[str]:
        posts = set(value[len(PEOPLE):].split(","))
        return [str(p.id) for p in staff.list_people(SYSTEM, enterprise_code) if p.post in posts]
    return {k: ids(v) if isinstance(v, str) and v.startswith(PEOPLE) and enterprise_code else v for k, v in data.items()}


def _open_task_for(instance_id: int, element_id: str) -> str | None:
    with unit_of_work(write=False) as s:
        return s.scalar(select(Task.id).where(Task.instance_id == instance_id, Task.element_id == element_id,
                                              Task.status == "open"))


def _open_child_task(parent_id: int, enterprise_code: str, element_id: str) -> str | None:
    with unit_of_work(write=False) as s:
        return s.scalar(select(Task.id).join(ProcessInstance, ProcessInstance.id == Task.instance_id)
                        .join(Enterprise, Enterprise.id == ProcessInstance.enterprise_id)
                        .where(ProcessInstance.parent_id == parent_id, Enterprise.code == enterprise_code,
                               Task.element_id == element_id, Task.status == "open"))


def create_demo_cases() -> int:
    """Start each demo case and perform its listed task completions; returns how many were created."""
    path = REFERENCE / "demo_cases.json"
    if not path.exists():
        return 0
    specs: list[dict[str, Any]] = json.loads(path.read_text(encoding="utf-8"))
    created = 0
    for i, spec in enumerate(specs if isinstance(specs, list) else specs.get("cases", [])):
        key = spec.get("business_key") or f"DEMO-{i + 1:03d}"
        with unit_of_work(write=False) as s:
            if s.scalar(select(ProcessInstance.id).where(ProcessInstance.business_key == key)) is not None:
                continue
        starter = users.get_actor(spec.get("started_by") or spec.get("user") or "admin")
        inst = cases.start_instance(starter, spec["process"] if "process" in spec else spec["process_key"],
                                    spec.get("data", {}), business_key=key)
        for step in spec.get("steps", spec.get("completions", [])):
            task_id = _open_task_for(inst.id, step["task"])
            if task_id is None:
                break
            tasks.complete_task(users.get_actor(step["user"]), task_id, _people(step.get("data", {}), inst.enterprise_code),
                                trust_file_ids=True)
        for step in spec.get("child_steps", []):
            task_id = _open_child_task(inst.id, step["enterprise_code"], step["task"])
            if task_id is not None:
                tasks.complete_task(users.get_actor(step["user"]), task_id, step.get("data", {}), trust_file_ids=True)
        created += 1
    return created
