"""One what-if run: a version of a process played in a scratch database (engine.runtime.scratch_db) over a replayed period.

Cases arrive as planned (`Arrival`: the same times and start data in both runs), every task is completed by a
simulated person after a delay drawn from its step's distribution (engine.campaign.what_if_basis), with answers made as
the campaign simulator makes them (engine.campaign.form_data.example from the form's schema, the case's data pre-filled),
and the engine's job table fires reminders, escalations and boundary timers on a manual clock — all through the
engine's own functions (`instances.create`, `tasks.complete_task`, `timers.fire_due`). The random draws of a task
are keyed by its case, step and visit, so the deployed version and the draft see the same people where their
paths agree. The run stops at the period's end, at the case cap, or at its wall-time deadline (then `partial`).
"""
from __future__ import annotations

import heapq
import random
import statistics
import time as wall
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import func, select

from ..runtime import clock, db, definitions, forms, instances, tasks, timers
from ..runtime.db import unit_of_work
from ..runtime.errors import Conflict, EngineError, FormInvalid, NotFound
from ..runtime.models import Job, ProcessInstance, Task
from ..runtime.views import Actor
from .form_data import example
from .what_if_basis import Basis, working_days

SIMULATED = Actor(username="what-if", display_name="对比试算 What-if", roles=frozenset({"admin"}))
POLL = timedelta(minutes=10)  # a new task is noticed within this much simulated time
MAX_TRIES = 3  # a refused answer is tried again (another made-up answer) a day later, this often


@dataclass(frozen=True)
class Arrival:
    """A case to start: when, its number (which keys its random draws) and its enterprise's code."""

    at: datetime
    number: int
    enterprise_code: str | None


@dataclass
class StepFigures:
    element_id: str
    name: str
    tasks: int = 0
    overdue: int = 0
    escalations: int = 0

    def as_json(self) -> dict[str, Any]:
        return {"element_id": self.element_id, "name": self.name, "tasks": self.tasks, "overdue": self.overdue,
                "escalations": self.escalations}


@dataclass
class RunFigures:
    """What one version did over the period."""

    version: str  # "v3" for a deployed version, "draft"
    cases_started: int = 0
    cases_closed: int = 0
    cases_errored: int = 0
    median_close_hours: float | None = None
    tasks: int = 0
    overdue_tasks: int = 0
    reminders: int = 0
    escalations: int = 0
    escalations_per_working_day: float = 0.0
    working_days: int = 0
    simulated_until: str = ""
    partial: bool = False
    problems: list[str] = field(default_factory=list)
    steps: list[StepFigures] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        return {"version": self.version, "cases_started": self.cases_started, "cases_closed": self.cases_closed,
                "cases_errored": self.cases_errored, "median_close_hours": self.median_close_hours,
                "tasks": self.tasks, "overdue_tasks": self.overdue_tasks, "reminders": self.reminders,
                "escalations": self.escalations, "escalations_per_working_day": self.escalations_per_working_day,
                "working_days": self.working_days, "simulated_until": self.simulated_until, "partial": self.partial,
                "problems": self.problems[:10], "steps": [s.as_json() for s in self.steps]}


@dataclass(order=True)
class _Action:
    at: datetime
    seq: int
    run: Callable[[], None] = field(compare=False)


class Run:
    """Plays the arrivals against process `key` (the newest version in the current, scratch, database)."""

    def __init__(self, key: str, basis: Basis, arrivals: list[Arrival], seed: int, manual: clock.ManualClock,
                 deadline: float) -> None:
        self.key, self.basis, self.arrivals, self.seed = key, basis, arrivals, seed
        self.clock, self.deadline = manual, deadline
        self.queue: list[_Action] = []
        self.seq = 0
        self.seen: set[str] = set()
        self.visits: Counter = Counter()
        self.case_number: dict[int, int] = {}
        self.polled_at = datetime(2000, 1, 1, tzinfo=clock.CHINA_TZ)
        self.problems: list[str] = []
        self.partial = False
        self._schemas: dict[str | None, dict[str, Any]] = {}
        with unit_of_work(write=False) as s:
            self.definition = definitions.load_definition(s, key)
            self.definition_id = self.definition.id
            self.steps = self.definition.meta.get("steps") or {}
            self.start_form = self.definition.meta.get("start_form")

    def rng(self, *parts: object) -> random.Random:
        return random.Random("|".join(map(str, (self.seed, *parts))))

    def schema(self, key: str | None) -> dict[str, Any]:
        if key not in self._schemas:
            with unit_of_work(write=False) as s:
                self._schemas[key] = (forms.latest_schema(s, key) if key else None) or {}
        return self._schemas[key]

    def at(self, when: datetime, run: Callable[[], None]) -> None:
        self.seq += 1
        heapq.heappush(self.queue, _Action(when, self.seq, run))

    def today(self) -> date:
        return self.clock.now().astimezone(clock.CHINA_TZ).date()

    # -- the people -----------------------------------------------------------------------------------------------
    def start(self, arrival: Arrival) -> None:
        schema = self.schema(self.start_form)
        props = schema.get("properties") or {}
        given = ({"enterprise_code": arrival.enterprise_code}
                 if arrival.enterprise_code and ("enterprise_code" in props or not props) else {})
        data = example(schema, self.rng("start", arrival.number), self.today(), given) if props else dict(given)
        try:
            with unit_of_work() as s:
                definition = definitions.load_definition(s, self.key)
                instances.start_form_check(s, definition, data)
                inst = instances.create(s, definition, data, actor=SIMULATED)
                s.flush()
                self.case_number[inst.id] = arrival.number
        except EngineError as err:
            self.problems.append(f"case {arrival.number}: not started: {err.message('en')}")

    def plan(self, rows: list[Any]) -> None:
        for row in sorted(rows, key=lambda r: (r.created_at, r.instance_id, r.element_id)):
            if row.id in self.seen:
                continue
            self.seen.add(row.id)
            number = self.case_number.get(row.instance_id, f"c{row.instance_id}")
            visit = self.visits[(number, row.element_id)]
            self.visits[(number, row.element_id)] += 1
            step = self.steps.get(row.element_id) or {}
            delay = self.basis.delay(row.element_id, row.name, step.get("properties") or {})
            rng = self.rng("task", number, row.element_id, visit)
            when = max(row.created_at, self.clock.now()) + delay.sample(rng)
            self.at(when, lambda row=row, rng=rng: self.work(row, rng))

    def work(self, row: Any, rng: random.Random, tries: int = 0) -> None:
        with unit_of_work(write=False) as s:
            current = (s.get(ProcessInstance, row.instance_id).summary or {}) if row.instance_id else {}
        data = example(self.schema(row.form_key), rng, self.today(), None, prefill=current)
        worker = Actor(username=row.assignee or SIMULATED.username, display_name=SIMULATED.display_name,
                       roles=frozenset(r for r in (row.role_key, row.alt_role_key) if r),
                       enterprise_id=row.enterprise_id)
        try:
            tasks.complete_task(worker, row.id, data, trust_file_ids=True)
        except (Conflict, NotFound):  # done meanwhile, or cancelled by a boundary timer
            pass
        except FormInvalid as err:
            if tries + 1 < MAX_TRIES:
                self.at(self.clock.now() + timedelta(days=1), lambda: self.work(row, rng, tries + 1))
            else:
                self.problems.append(f"{row.element_id}: answers refused: {err.message('en')}")
        except EngineError as err:
            self.problems.append(f"{row.element_id}: {err.message('en')}")

    # -- the clock ------------------------------------------------------------------------------------------------
    def look(self) -> datetime | None:
        """The next pending job's due time; first plan the open tasks created since the last look."""
        with db.sql_engine().connect() as s:
            next_job = s.scalar(select(func.min(Job.due_at)).where(Job.status == "pending"))
            ahead = [t for t in (next_job, self.queue[0].at if self.queue else None) if t is not None]
            if not ahead or min(ahead) - self.polled_at >= POLL:
                since, self.polled_at = self.polled_at, self.clock.now()
                self.plan(s.execute(select(Task.id, Task.instance_id, Task.element_id, Task.name, Task.form_key,
                                           Task.role_key, Task.alt_role_key, Task.enterprise_id, Task.assignee,
                                           Task.created_at)
                                    .where(Task.status == "open", Task.created_at >= since)).all())
            s.rollback()
        return next_job

    def play(self, end: datetime) -> None:
        """Start the arrivals and fire jobs and take actions in time order up to `end` (or the deadline)."""
        for arrival in self.arrivals:
            self.at(arrival.at, lambda arrival=arrival: self.start(arrival))
        idle_until = None
        while True:
            if wall.monotonic() > self.deadline:
                self.partial = True
                return
            job = self.look()
            if job is not None and idle_until is not None and job <= idle_until:
                job = idle_until + timedelta(minutes=1)  # a job in back-off: look again a minute later
            act = self.queue[0].at if self.queue else None
            upcoming = min(t for t in (job, act, end) if t is not None)
            if upcoming >= end:
                self.clock.set(max(self.clock.now(), end))
                return
            if job is not None and job <= upcoming:
                self.clock.set(max(self.clock.now(), upcoming + timedelta(seconds=1)))  # timers fire strictly after
                fired = timers.fire_due()
                idle_until = None if fired else self.clock.now()
            else:
                self.clock.set(max(self.clock.now(), upcoming))
                heapq.heappop(self.queue).run()

    # -- the figures ----------------------------------------------------------------------------------------------
    def figures(self, label: str) -> RunFigures:
        now = self.clock.now()
        reached = self.basis.date_to if not self.partial else min(self.today() + timedelta(days=1), self.basis.date_to)
        days = max(working_days(self.basis.date_from, reached), 1)
        with unit_of_work(write=False) as s:
            cases = s.execute(select(ProcessInstance.status, ProcessInstance.started_at, ProcessInstance.ended_at)
                              .where(ProcessInstance.process_key == self.key)).all()
            rows = s.execute(select(Task.id, Task.element_id, Task.name, Task.status, Task.due_at, Task.completed_at,
                                    Task.escalation_level).where(Task.process_key == self.key)).all()
            jobs: dict[str, int] = {kind: n for kind, n in s.execute(select(Job.kind, func.count(Job.id))
                                     .join(Task, Task.id == Job.task_id)
                                     .where(Task.process_key == self.key, Job.status == "done",
                                            Job.kind.in_(("reminder", "escalation")))
                                     .group_by(Job.kind))}
        closed = [c for c in cases if c.status == "completed" and c.ended_at is not None]
        out = RunFigures(label, cases_started=len(cases), cases_closed=len(closed),
                         cases_errored=sum(c.status == "error" for c in cases), working_days=days,
                         simulated_until=now.astimezone(clock.CHINA_TZ).isoformat(timespec="minutes"),
                         partial=self.partial, problems=list(dict.fromkeys(self.problems)))
        if closed:
            seconds = statistics.median((c.ended_at - c.started_at).total_seconds() for c in closed)
            out.median_close_hours = round(seconds / 3600, 1)
        per_step: dict[str, StepFigures] = {}
        for element, step in self.steps.items():
            if step.get("kind") != "startEvent":
                per_step[element] = StepFigures(element, step.get("name") or element)
        for r in rows:
            step = per_step.setdefault(r.element_id, StepFigures(r.element_id, r.name))
            late = r.due_at is not None and ((r.completed_at or now) > r.due_at if r.status != "cancelled"
                                             else r.escalation_level > 0)
            step.tasks += 1
            step.overdue += int(late)
            step.escalations += r.escalation_level or 0
        out.tasks = len(rows)
        out.overdue_tasks = sum(s.overdue for s in per_step.values())
        out.reminders = jobs.get("reminder", 0)
        out.escalations = jobs.get("escalation", 0)
        out.escalations_per_working_day = round(out.escalations / days, 2)
        out.steps = list(per_step.values())
        return out
