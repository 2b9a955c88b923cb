"""`safeloop simulate`: run the demo campaign on a simulated clock and measure it from the database.

Enterprises report hazards at random; staff act on their tasks after realistic delays (some late, so
reminders and escalations happen); timers and scheduled starts fire by the simulated clock; each year the
training rollout starts. The yearly summary is counted from the stored cases, tasks and audit trail.
"""
from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import func, select

from . import cases, clock, form_data, forms, tasks, timers, users
from .db import unit_of_work
from .errors import EngineError
from .models import AuditEvent, Enterprise, ProcessDefinition, ProcessInstance, Task, User, UserRole
from .notifications import role_members

CAMPAIGN_START = date(2024, 4, 8)
CAMPAIGN_ROLLOUT_DAY = (2, 20)  # each year's training rollout starts on 20 February (2024: on the first day)


@dataclass(frozen=True)
class YearFigures:
    """One campaign year as measured from the database."""

    year: int
    hazards_total: int
    hazards_general: int
    hazards_major: int
    closed_general: int
    closed_major: int
    open_major_at_end: int
    tasks_overdue: int
    escalations: int
    referrals: int
    training_target: int
    training_done: int
    cases_total: int


@dataclass
class _Plan:
    act_at: datetime
    tries: int = 0


class Simulator:
    """Drives the engine day by day with a ManualClock."""

    def __init__(self, seed: int, *, hazard_rate: float, late_share: float, clock_: clock.ManualClock) -> None:
        self.rng = random.Random(seed)
        self.hazard_rate, self.late_share, self.clock = hazard_rate, late_share, clock_
        self.plans: dict[str, _Plan] = {}
        self.deployed = self._deployed_keys()
        self.officers = self._enterprise_officers()

    def _deployed_keys(self) -> set[str]:
        with unit_of_work(write=False) as s:
            return set(s.scalars(select(ProcessDefinition.key).distinct()))

    def _enterprise_officers(self) -> list[tuple[str, str]]:
        with unit_of_work(write=False) as s:
            rows = s.execute(select(Enterprise.code, User.username).join(User, User.enterprise_id == Enterprise.id)
                             .join(UserRole, UserRole.user_id == User.id)
                             .where(UserRole.role_key == "enterprise_safety_officer").order_by(Enterprise.code))
            return [(code, name) for code, name in rows]

    def _schema(self, key: str | None) -> dict[str, Any]:
        if not key:
            return {}
        with unit_of_work(write=False) as s:
            row = forms.latest_in(s, key)
            return row.schema if row else {}

    def _start_form(self, process_key: str) -> dict[str, Any]:
        with unit_of_work(write=False) as s:
            meta = s.scalars(select(ProcessDefinition.meta).where(ProcessDefinition.key == process_key)
                             .order_by(ProcessDefinition.version.desc()).limit(1)).first() or {}
        return self._schema(meta.get("start_form"))

    def report_hazards(self) -> None:
        if "hazard_closure" not in self.deployed:
            return
        for code, officer in self.officers:
            if self.rng.random() >= self.hazard_rate:
                continue
            schema = self._start_form("hazard_closure")
            level = "major" if self.rng.random() < 0.15 else "general"
            data = form_data.example(schema, self.rng, self.today, {"enterprise_code": code, "hazard_level": level,
                                                                    "source": "self_check"})
            data = {k: v for k, v in data.items() if k in (schema.get("properties") or data)}
            try:
                cases.start_instance(users.get_actor(officer), "hazard_closure", data)
            except EngineError:
                continue

    def start_training(self) -> None:
        if "training_rollout" not in self.deployed:
            return
        d = self.today
        if not (d == CAMPAIGN_START or (d.month, d.day) == CAMPAIGN_ROLLOUT_DAY):
            return
        starter = self._someone("bureau_inspector", None, None)
        if starter is None:
            return
        data = form_data.example(self._start_form("training_rollout"), self.rng, d, {"year": d.year})
        try:
            cases.start_instance(users.get_actor(starter), "training_rollout", data)
        except EngineError:
            pass

    def _someone(self, role: str, enterprise_id: int | None, industry: str | None) -> str | None:
        with unit_of_work(write=False) as s:
            names = role_members(s, role, enterprise_id, industry)
        return self.rng.choice(names) if names else None

    @property
    def today(self) -> date:
        return self.clock.now().astimezone(clock.CHINA_TZ).date()

    def _plan(self, task: Task) -> _Plan:
        plan = self.plans.get(task.id)
        if plan is None:
            if task.due_at is not None and self.rng.random() < self.late_share:
                act_at = task.due_at + timedelta(days=self.rng.uniform(1, 6))
            else:
                act_at = task.created_at + timedelta(days=self.rng.expovariate(1 / 1.5))
            plan = self.plans[task.id] = _Plan(act_at)
        return plan

    def act(self) -> int:
        with unit_of_work(write=False) as s:
            open_tasks = list(s.scalars(select(Task).join(ProcessInstance, ProcessInstance.id == Task.instance_id)
                                        .where(Task.status == "open", ProcessInstance.status == "running")
                                        .order_by(Task.created_at, Task.instance_id, Task.element_id)))
        done = 0
        for task in open_tasks:
            plan = self._plan(task)
            if plan.act_at > self.clock.now() or plan.tries >= 9:
                continue
            plan.tries += 1
            worker = task.assignee or self._someone(task.role_key or "", task.enterprise_id, task.industry_key)
            if worker is None:
                continue
            try:
                actor = users.get_actor(worker)
                current = cases.get_instance(actor, task.instance_id).data
                data = form_data.example(self._schema(task.form_key), self.rng, self.today, prefill=current)
                tasks.complete_task(actor, task.id, data)
                done += 1
                self.plans.pop(task.id, None)
            except EngineError:
                continue
        return done

    def run_day(self, day: date) -> None:
        self.clock.set(datetime.combine(day, time(9, 0), clock.CHINA_TZ))
        timers.fire_due()
        self.start_training()
        self.report_hazards()
        self.act()
        self.clock.set(datetime.combine(day, time(18, 0), clock.CHINA_TZ))
        timers.fire_due()


def _year_bounds(year: int) -> tuple[datetime, datetime]:
    return (datetime(year, 1, 1, tzinfo=clock.CHINA_TZ), datetime(year + 1, 1, 1, tzinfo=clock.CHINA_TZ))


def measure(year: int) -> YearFigures:
    """Count one year's figures from the stored cases, tasks and audit events."""
    start, end = _year_bounds(year)
    with unit_of_work(write=False) as s:
        def count(stmt: Any) -> int:
            return s.scalar(select(func.count()).select_from(stmt.subquery())) or 0
        hazards = select(ProcessInstance).where(ProcessInstance.process_key == "hazard_closure",
                                                ProcessInstance.started_at >= start, ProcessInstance.started_at < end)
        closed = select(ProcessInstance).where(ProcessInstance.process_key == "hazard_closure",
                                               ProcessInstance.status == "completed",
                                               ProcessInstance.ended_at >= start, ProcessInstance.ended_at < end)
        open_major = select(ProcessInstance).where(ProcessInstance.process_key == "hazard_closure",
                                                   ProcessInstance.hazard_level == "major", ProcessInstance.started_at < end,
                                                   (ProcessInstance.ended_at.is_(None)) | (ProcessInstance.ended_at >= end))
        escalations = select(AuditEvent).where(AuditEvent.action == "task.escalate", AuditEvent.at >= start, AuditEvent.at < end)
        first_escalations = select(Task).where(Task.escalation_level >= 1, Task.due_at >= start, Task.due_at < end)
        referrals = select(ProcessInstance).where(ProcessInstance.process_key == "enforcement_referral",
                                                  ProcessInstance.started_at >= start, ProcessInstance.started_at < end)
        enrol = select(ProcessInstance).where(ProcessInstance.process_key == "training_enrolment",
                                              ProcessInstance.started_at >= start, ProcessInstance.started_at < end)
        return YearFigures(
            year, count(hazards),
            count(hazards.where(ProcessInstance.hazard_level == "general")),
            count(hazards.where(ProcessInstance.hazard_level == "major")),
            count(closed.where(ProcessInstance.hazard_level == "general")),
            count(closed.where(ProcessInstance.hazard_level == "major")),
            count(open_major), count(first_escalations), count(escalations), count(referrals),
            count(enrol), count(enrol.where(ProcessInstance.status == "completed")),
            count(select(ProcessInstance).where(ProcessInstance.started_at >= start, ProcessInstance.started_at < end)))


def simulate(until: date, *, seed: int = 1, start: date = CAMPAIGN_START, hazard_rate: float = 1 / 40,
             late_share: float = 0.15, on_day: Callable[[date], None] | None = None) -> list[YearFigures]:
    """Run the campaign from `start` to `until` on the already-initialised database; figures per year."""
    manual = clock.ManualClock(datetime.combine(start, time(9, 0), clock.CHINA_TZ))
    token = clock.set_clock(manual)
    try:
        sim = Simulator(seed, hazard_rate=hazard_rate, late_share=late_share, clock_=manual)
        day = start
        while day <= until:
            sim.run_day(day)
            if on_day:
                on_day(day)
            day += timedelta(days=1)
        return [measure(y) for y in range(start.year, until.year + 1)]
    finally:
        clock.reset_clock(token)


def prepare_and_run(start: date, until: date, *, seed: int = 1, self_checks: bool = False,
                    on_day: Callable[[date], None] | None = None) -> list[YearFigures]:
    """Initialise a fresh database as of `start` (processes, demo enterprises and users), then simulate."""
    from . import bootstrap, schedules
    manual = clock.ManualClock(datetime.combine(start, time(8, 0), clock.CHINA_TZ))
    token = clock.set_clock(manual)
    try:
        bootstrap.init(demo=False)
        bootstrap.load_demo()
        if not self_checks:
            with unit_of_work() as s:
                schedules.pause(s, "daily_self_check_dispatch", True)
    finally:
        clock.reset_clock(token)
    return simulate(until, seed=seed, start=start, on_day=on_day)


HEADERS = ("year", "hazards (all: general/major/ungraded)", "closed (general/major)", "open major at end", "tasks overdue",
           "escalations", "referrals", "training done/target", "cases")


def table(figures: list[YearFigures]) -> str:
    """The yearly summary as a plain-text table (Chinese and English headings)."""
    rows = [("年份", "发现隐患 全部：一般/重大/未定级", "销号 一般/重大", "年末未销号重大", "逾期任务", "督办次数", "移送执法", "培训 完成/应训", "案件总数"), HEADERS]
    for f in figures:
        ungraded = f.hazards_total - f.hazards_general - f.hazards_major
        rows.append((str(f.year), f"{f.hazards_total}: {f.hazards_general}/{f.hazards_major}/{ungraded}", f"{f.closed_general}/{f.closed_major}",
                     str(f.open_major_at_end), str(f.tasks_overdue), str(f.escalations), str(f.referrals),
                     f"{f.training_done}/{f.training_target}", str(f.cases_total)))
    widths = [max(len(r[i]) for r in rows) + 2 for i in range(len(HEADERS))]
    return "\n".join("".join(cell.ljust(w) for cell, w in zip(row, widths)) for row in rows)


__all__ = ["simulate", "prepare_and_run", "measure", "table", "YearFigures"]
