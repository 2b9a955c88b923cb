"""`safeloop simulate`: run the campaign on a simulated clock through the real engine and measure it.

Every case, task, timer and scheduled start is the engine's own: the simulator only plays the people. It keeps
one queue of planned actions (a person completing a task at a chosen moment, someone reporting a hazard) and
the engine's job table; it moves the clock to whichever comes first, so timers fire exactly when due. Staff act
within the time allowed, except a share of late ones (`Parameters.late_share`). Hazards arise at rates per
industry and risk grade that fall as the campaign works (`Parameters.trend`). The yearly figures come from
`engine.campaign.yearly_figures`, i.e. the dashboard's metric definitions (`engine.campaign.metrics`).
"""
from __future__ import annotations

import heapq
import math
import random
import time as wall
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import func, select

from ..runtime import cases, clock, db, digests, forms, tasks, timers, users
from ..runtime.db import unit_of_work
from ..runtime.errors import Conflict, EngineError, FormInvalid, NotFound
from ..runtime.models import Enterprise, Job, ProcessDefinition, ProcessInstance, Task, User, UserRole
from ..runtime.notifications import role_members
from ..runtime.views import SYSTEM, Actor
from . import simulation_answers, simulation_report, yearly_figures
from .form_data import example
from .simulation_report import Health, as_json, table
from .simulation_setup import prepare

CAMPAIGN_START = date(2024, 4, 8)
POLL = timedelta(minutes=10)  # a new task is noticed within this much simulated time (no one acts faster)
ROLLOUT_DAY = (2, 20)  # each year's training rollout starts on 20 February (2024: on the plan's date)
_CATEGORIES = ("fire", "electrical", "gas", "hazardous_chemicals", "special_equipment", "evacuation", "management")
_CATEGORY_ZH = {"fire": "消防设施", "electrical": "电气线路", "gas": "燃气管道", "hazardous_chemicals": "危化品存放",
                "special_equipment": "特种设备", "evacuation": "疏散通道", "management": "安全管理制度"}


@dataclass(frozen=True)
class Parameters:
    """Every assumption of the simulated campaign in one place (docs/processes.md, "The simulator")."""

    late_share: float = 0.10  # share of tasks done after their due time
    # hazards: rates at the start of the campaign, for an average enterprise (× industry × risk grade × trend)
    industry_factor: dict[str, float] = field(default_factory=lambda: {
        "refined_oil": 1.5, "scrap_vehicle": 1.4, "grain_storage": 1.3, "renewable_recycling": 1.3,
        "commercial_complex": 1.2, "catering": 1.0, "key_commercial": 0.8})
    risk_factor: dict[str, float] = field(default_factory=lambda: {"red": 1.6, "orange": 1.3, "yellow": 1.0, "blue": 0.7})
    self_check_finding: float = 0.01  # chance that a daily self-check finds a hazard
    inspection_findings: float = 1.5  # mean hazards found per inspection visit (Poisson)
    principal_check_findings: float = 0.4  # mean hazards found per quarterly principal check
    officer_reports_per_month: float = 0.15  # hazards an enterprise reports outside its checks
    grid_reports_per_month: float = 2.0  # city-wide
    whistleblower_reports_per_month: float = 1.0  # city-wide
    unannounced_inspections_per_month: float = 2.0  # 四不两直, city-wide
    joint_inspections_per_month: float = 0.5  # with other departments, city-wide
    trend_floor: float = 0.15  # the hazard rate falls to this share of its start as the campaign works …
    trend_months: float = 6.0  # … with this time constant (exp(-months / trend_months))
    not_a_hazard: float = 0.08  # reports the inspector finds are no hazard
    major_share: float = 0.20  # graded hazards the inspector grades major at the start (× trend²: legacy major hazards go first)
    expert_confirms_major: float = 0.85  # the expert confirms (else downgrades to general)
    serious_violation: float = 0.05  # inspections that find a serious violation (→ referral)
    general_deadline_days: tuple[int, int] = (7, 30)
    major_deadline_days: tuple[int, int] = (30, 75)
    on_time: tuple[float, float] = (0.1, 0.8)  # an on-time person acts within this part of the time allowed
    late_by: tuple[float, float] = (0.1, 1.0)  # a late one acts this many times the time allowed after the due time
    very_late: float = 0.1  # of the late ones, these are another 20–45 days late (long-overdue referrals)
    no_due_mean_days: float = 2.0  # tasks without a due time: exponential delay with this mean
    progress_every_days: int = 15  # a major hazard under rectification reports progress this often

    def trend(self, day: date) -> float:
        """The hazard rate's multiplier on `day` (1 at the campaign's start)."""
        months = max(0, (day - CAMPAIGN_START).days) / 30.4
        return self.trend_floor + (1 - self.trend_floor) * math.exp(-months / self.trend_months)


@dataclass(frozen=True)
class _Open:
    id: str
    instance_id: int
    process_key: str
    element_id: str
    form_key: str | None
    role_key: str | None
    enterprise_id: int | None
    industry_key: str | None
    assignee: str | None
    created_at: datetime
    due_at: datetime | None
    case: dict[str, Any]  # the case's data as it was when the task appeared (its summary): what the form shows
    case_enterprise: int | None  # the case's enterprise (a bureau task's own enterprise_id is empty)


@dataclass(order=True)
class _Action:
    at: datetime
    seq: int
    run: Callable[[], None] = field(compare=False)


class Simulator:
    """Plays the people of the campaign against the real engine, on a ManualClock."""

    def __init__(self, params: Parameters, seed: int, clock_: clock.ManualClock, first_day: date = CAMPAIGN_START) -> None:
        self.p, self.rng, self.clock, self.first_day = params, random.Random(seed), clock_, first_day
        self.queue: list[_Action] = []
        self.seq = 0
        self.seen: set[str] = set()
        self.polled_at = datetime(2000, 1, 1, tzinfo=clock.CHINA_TZ)
        self.counts: Counter = Counter()
        # leaders' daily digests, written by the worker's sweep in production: here at 08:30 each day
        self.next_digest = datetime.combine(first_day, time(8, 30), clock.CHINA_TZ)
        self.problems: list[str] = []  # form refusals and engine faults, reported with the run's health
        self.finish: dict[int, datetime] = {}  # a major hazard's planned end of rectification
        self._actors: dict[str, Actor] = {}
        self._members: dict[tuple, list[str]] = {}
        self._schemas: dict[str | None, dict[str, Any]] = {}
        with unit_of_work(write=False) as s:
            self.enterprises = {e.id: e for e in s.scalars(select(Enterprise).where(Enterprise.active.is_(True)))}
            self.deployed = set(s.scalars(select(ProcessDefinition.key).distinct()))
            self.start_forms = {d.key: d.meta.get("start_form") for d in s.scalars(
                select(ProcessDefinition).order_by(ProcessDefinition.version))}
            self.grid_workers = list(s.scalars(select(User.username).join(UserRole, UserRole.user_id == User.id)
                                               .where(UserRole.role_key == "grid_worker")))

    # -- plumbing ---------------------------------------------------------------------------------------------
    def now(self) -> datetime:
        return self.clock.now()

    @property
    def today(self) -> date:
        return self.now().astimezone(clock.CHINA_TZ).date()

    def actor(self, username: str) -> Actor:
        if username not in self._actors:
            self._actors[username] = users.get_actor(username)
        return self._actors[username]

    def someone(self, role: str | None, enterprise_id: int | None, industry: str | None) -> str | None:
        key = (role, enterprise_id, industry)
        if key not in self._members:
            with unit_of_work(write=False) as s:
                self._members[key] = role_members(s, role or "", enterprise_id, industry)
        names = self._members[key]
        return self.rng.choice(names) if names else None

    def schema(self, key: str | None) -> dict[str, Any]:
        if key not in self._schemas:
            with unit_of_work(write=False) as s:
                self._schemas[key] = (forms.latest_schema(s, key) if key else None) or {}
        return self._schemas[key]

    def at(self, when: datetime, run: Callable[[], None]) -> None:
        self.seq += 1
        heapq.heappush(self.queue, _Action(when, self.seq, run))

    def factor(self, enterprise: Enterprise) -> float:
        return (self.p.industry_factor.get(enterprise.industry_key, 1.0) * self.p.risk_factor.get(enterprise.risk_grade or "", 1.0)
                * self.p.trend(self.today))

    def poisson(self, mean: float) -> int:
        n, limit, product = 0, math.exp(-mean), self.rng.random()
        while product > limit:
            n, product = n + 1, product * self.rng.random()
        return n

    # -- the people ---------------------------------------------------------------------------------------------
    def start(self, username: str | Actor, process_key: str, data: dict[str, Any]) -> None:
        if process_key not in self.deployed:
            return
        actor = username if isinstance(username, Actor) else self.actor(username)
        data = example(self.schema(self.start_forms.get(process_key)), self.rng, self.today, data)
        try:
            cases.start_instance(actor, process_key, data)
            self.counts["starts"] += 1
        except EngineError:
            self.counts["refused_starts"] += 1

    def hazard_items(self, mean: float, enterprise: Enterprise, chance: bool = False) -> list[dict[str, Any]]:
        rate = mean * self.factor(enterprise)
        count = int(self.rng.random() < rate) if chance else self.poisson(rate)
        items = []
        for _ in range(count):
            category = self.rng.choice(_CATEGORIES)
            items.append({"title": f"{_CATEGORY_ZH[category]}隐患", "location": self.rng.choice(["仓库", "后厨", "配电室", "营业厅", "加油区"]),
                          "description": f"{_CATEGORY_ZH[category]}不符合要求", "category": category})
        return items

    def plan_day(self, day: date) -> None:
        """The day's spontaneous events: reports, unannounced inspections, the yearly training rollout."""
        def moment() -> datetime:
            return datetime.combine(day, time(8, 30), clock.CHINA_TZ) + timedelta(minutes=self.rng.randint(0, 540))
        per_day = 1 / 30.4
        for e in self.enterprises.values():
            if self.rng.random() < self.p.officer_reports_per_month * per_day * self.factor(e):
                self.at(moment(), lambda e=e: self.report(e, "self_check"))
        if self.grid_workers and self.rng.random() < self.p.grid_reports_per_month * per_day * self.p.trend(day):
            self.at(moment(), lambda: self.report(self.pick_enterprise(), "grid_report"))
        if self.rng.random() < self.p.whistleblower_reports_per_month * per_day * self.p.trend(day):
            self.at(moment(), self.whistle)
        for kind, rate in (("unannounced", self.p.unannounced_inspections_per_month),
                           ("joint", self.p.joint_inspections_per_month)):
            if self.rng.random() < rate * per_day:
                self.at(moment(), lambda kind=kind: self.inspect_unannounced(kind))
        if day == self.first_day or (day > self.first_day and (day.month, day.day) == ROLLOUT_DAY):
            self.at(datetime.combine(day, time(9, 0), clock.CHINA_TZ), lambda: self.rollout(day.year))

    def pick_enterprise(self) -> Enterprise:
        return self.rng.choice(list(self.enterprises.values()))

    def report(self, e: Enterprise, source: str) -> None:
        [item] = self.hazard_items(1.0, e, chance=True) or [{"title": "安全隐患", "location": "现场", "description": "现场发现隐患",
                                                              "category": "other"}]
        reporter = (self.rng.choice(self.grid_workers) if source == "grid_report"
                    else self.someone("enterprise_safety_officer", e.id, None))
        if reporter:
            self.start(reporter, "hazard_closure", {
                "enterprise_code": e.code, "case_title": item["title"], "source": source, "location": item["location"],
                "description": item["description"], "category": item["category"], "found_at": self.today.isoformat(),
                **({"grid_name": e.township or "第一网格"} if source == "grid_report" else {}),
                **(simulation_answers.self_report(self) if source == "self_check" else {})})

    def whistle(self) -> None:
        e = self.pick_enterprise()
        self.start(SYSTEM, "whistleblower_intake", {"enterprise_name": e.name, "enterprise_address": e.address or "桃南市",
                                                    "description": "群众反映该企业存在安全隐患"})

    def inspect_unannounced(self, kind: str) -> None:
        e = self.pick_enterprise()
        inspector = self.someone("bureau_inspector", None, e.industry_key)
        if inspector:
            self.start(inspector, "industry_inspection", {
                "enterprise_code": e.code, "inspection_type": kind, "deadline": (self.today + timedelta(days=3)).isoformat(),
                "case_title": f"{'四不两直暗查' if kind == 'unannounced' else '联合检查'}：{e.name}"})

    def rollout(self, year: int) -> None:
        starter = self.someone("bureau_inspector", None, None)
        if starter:
            self.start(starter, "training_rollout", {"year": year})

    # -- tasks --------------------------------------------------------------------------------------------------
    def look(self) -> datetime | None:
        """The next pending job's due time; first plan the open tasks created since the last look, unless that was
        less than POLL ago and nothing is due before then (Core reads: this runs before every step)."""
        with db.sql_engine().connect() as s:
            next_job = s.scalar(select(func.min(Job.due_at)).where(Job.status == "pending"))
            ahead = [t for t in (next_job, self.queue[0].at if self.queue else None) if t is not None]
            if not ahead or min(ahead) - self.polled_at >= POLL:
                since, self.polled_at = self.polled_at, self.now()
                self.plan(s.execute(select(Task.id, Task.instance_id, Task.process_key, Task.element_id, Task.form_key,
                                           Task.role_key, Task.enterprise_id, Task.industry_key, Task.assignee,
                                           Task.created_at, Task.due_at, ProcessInstance.summary,
                                           ProcessInstance.enterprise_id)
                                    .join(ProcessInstance, ProcessInstance.id == Task.instance_id)
                                    .where(Task.status == "open", Task.created_at >= since)).all())
            s.rollback()
        return next_job

    def plan(self, rows: list[Any]) -> None:
        for row in sorted(rows, key=lambda r: (r.created_at, r.instance_id, r.element_id)):
            if row.id not in self.seen:
                self.seen.add(row.id)
                task = _Open(*row)
                self.at(self.when(task), lambda task=task: self.work(task))

    def when(self, task: _Open) -> datetime:
        created = max(task.created_at, self.now())
        if task.element_id == "rectify_major":
            return min(created + timedelta(days=self.p.progress_every_days * self.rng.uniform(0.7, 1.0)),
                       self.major_finish(task))
        if task.due_at is None:
            return created + timedelta(days=min(self.rng.expovariate(1 / self.p.no_due_mean_days), 20))
        return self.act_time(created, task.due_at)

    def act_time(self, created: datetime, due: datetime) -> datetime:
        allowed = max(due - created, timedelta(hours=1))
        if self.rng.random() >= self.p.late_share:
            return created + allowed * self.rng.uniform(*self.p.on_time)
        late = due + max(timedelta(hours=2), allowed * self.rng.uniform(*self.p.late_by))
        if self.rng.random() < self.p.very_late:
            late += timedelta(days=self.rng.uniform(20, 45))
        return late

    def major_finish(self, task: _Open) -> datetime:
        if task.instance_id not in self.finish:
            due = task.due_at or task.created_at + timedelta(days=45)
            self.finish[task.instance_id] = self.act_time(task.created_at, due)
        return self.finish[task.instance_id]

    def work(self, task: _Open, tries: int = 0) -> None:
        worker = task.assignee or self.someone(task.role_key, task.enterprise_id, task.industry_key)
        if worker is None:
            self.counts["unstaffed"] += 1
            return
        current = task.case or {}
        data = example(self.schema(task.form_key), self.rng, self.today, simulation_answers.answers(self, task, current), prefill=current)
        try:
            tasks.complete_task(self.actor(worker), task.id, data, trust_file_ids=True)  # made-up photo ids
            self.counts["completions"] += 1
            self.seen.discard(task.id)
        except (Conflict, NotFound):  # done meanwhile, or cancelled by a boundary timer
            self.seen.discard(task.id)
        except FormInvalid as err:
            self.counts["form_refusals"] += 1
            self.problems.append(f"{self.now():%Y-%m-%d} {task.process_key}/{task.element_id}: form refused {err.details}")
            if tries < 3:
                self.at(self.now() + timedelta(days=1), lambda: self.work(task, tries + 1))
        except Exception as err:  # noqa: BLE001 - an engine fault is reported with the run, the campaign goes on
            self.counts["engine_faults"] += 1
            self.problems.append(f"{self.now():%Y-%m-%d} {task.process_key}/{task.element_id}: {type(err).__name__}: {err}")

    # -- the clock ----------------------------------------------------------------------------------------------
    def run_until(self, end: datetime) -> None:
        """Fire jobs and take actions in time order up to `end`."""
        idle_until = None
        while True:
            job = self.look()
            if job is not None and idle_until is not None and job <= idle_until:
                job = idle_until + timedelta(minutes=1)  # a job in back-off: look again a minute later
            act = self.queue[0].at if self.queue else None
            upcoming = min(t for t in (job, act, end, self.next_digest) if t is not None)
            if upcoming >= end:
                self.clock.set(max(self.now(), end))
                return
            if upcoming == self.next_digest:
                self.clock.set(max(self.now(), upcoming))
                self.counts["digests"] += digests.send_due()
                self.next_digest += timedelta(days=1)
                continue
            if job is not None and job <= upcoming:
                # one second past due: SpiffWorkflow fires a timer only once its time is strictly past
                self.clock.set(max(self.now(), upcoming + timedelta(seconds=1)))
                fired = timers.fire_due()
                self.counts["timer_firings"] += fired
                idle_until = None if fired else self.now()
            else:
                self.clock.set(max(self.now(), upcoming))
                heapq.heappop(self.queue).run()


def simulate(until: datetime | date, *, seed: int = 1, start: date = CAMPAIGN_START, params: Parameters | None = None,
             on_day: Callable[[date, Counter], None] | None = None) -> tuple[list[yearly_figures.YearFigures], Health]:
    """Run the campaign from `start` to the end of `until` on the already-initialised database."""
    last = until if isinstance(until, date) and not isinstance(until, datetime) else until.date()
    manual = clock.ManualClock(datetime.combine(start, time(0, 0), clock.CHINA_TZ))
    token = clock.set_clock(manual)
    began, cpu = wall.perf_counter(), wall.process_time()
    try:
        sim = Simulator(params or Parameters(), seed, manual, start)
        day = start
        while day <= last:
            sim.plan_day(day)
            sim.run_until(datetime.combine(day + timedelta(days=1), time(0, 0), clock.CHINA_TZ))
            if on_day:
                on_day(day, sim.counts)
            day += timedelta(days=1)
        end = datetime.combine(last, time.max, clock.CHINA_TZ)
        figures = yearly_figures.measure(range(start.year, last.year + 1), first_day=start, last=end)
        return figures, simulation_report.measure_health(sim.counts, wall.perf_counter() - began, wall.process_time() - cpu, figures, sim.problems)
    finally:
        clock.reset_clock(token)


def prepare_and_run(start: date, until: date, *, seed: int = 1, self_checks: bool = True,
                    params: Parameters | None = None, enterprises: int | None = None,
                    on_day: Callable[[date, Counter], None] | None = None
                    ) -> tuple[list[yearly_figures.YearFigures], Health]:
    """A fresh database as of `start`, then the simulated campaign; the yearly figures and the run's health."""
    from ..runtime import schedules
    prepare(start, enterprises=enterprises)
    if not self_checks:
        with unit_of_work() as s:
            schedules.pause(s, "daily_self_check_dispatch", True)
    return simulate(until, seed=seed, start=start, params=params, on_day=on_day)


__all__ = ["Parameters", "Health", "Simulator", "simulate", "prepare", "prepare_and_run", "table", "as_json",
           "CAMPAIGN_START"]
