"""What a what-if run (engine.campaign.what_if) takes from the live database: how many cases of a process started per working
day over the last N months, and per step how long its tasks took (median and p90, created → completed).

Read from the process's latest deployed version; when that version has no case in the period, from all its
versions (a new version inherits its predecessor's volumes). A step without enough observed tasks gets a guess
from the deployed diagram's due time (`dueIn` / `dueInWorkingDays`): most people finish within it, as the
campaign simulator assumes; a step without a due time, an exponential wait of two days. Each step says which.
"""
from __future__ import annotations

import math
import random
import statistics
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from typing import Any

from sqlalchemy import func, select

from ..runtime import clock, workdays
from ..runtime.db import unit_of_work
from ..runtime.durations import looks_like_duration, parse_duration
from ..runtime.models import ProcessDefinition, ProcessInstance, Task

MIN_OBSERVED = 5  # completed tasks of a step needed to use its history rather than a guess
MAX_TASK_ROWS = 20_000  # completed task rows read per run (the newest), a bound on the look-up
NO_DUE_MEDIAN = timedelta(days=2) * math.log(2)  # the simulator's exponential wait of mean two days
DEFAULT_PER_DAY = 1.0  # cases per working day when the period had none (said so in the result)


@dataclass(frozen=True)
class StepDelay:
    """How long a step's tasks take: median and p90 seconds, from `source` ("history", "due" or "default")."""

    element_id: str
    name: str
    median: float
    p90: float
    observed: int
    source: str

    def sample(self, rng: random.Random) -> timedelta:
        """A log-normal draw with this median and p90 (at least ten minutes: no one acts faster)."""
        sigma = max(math.log(self.p90 / self.median), 0.05) / 1.2816 if self.median > 0 and self.p90 > 0 else 0.5
        seconds = max(self.median, 60.0) * math.exp(rng.gauss(0.0, sigma))
        return timedelta(seconds=max(seconds, 600.0))

    def as_json(self) -> dict[str, Any]:
        return {"element_id": self.element_id, "name": self.name, "median_hours": round(self.median / 3600, 1),
                "p90_hours": round(self.p90 / 3600, 1), "observed": self.observed, "source": self.source}


@dataclass(frozen=True)
class Basis:
    """The period replayed and what was read from it."""

    key: str
    version: int
    date_from: date
    date_to: date  # exclusive
    working_days: int
    cases: int  # cases started in the period (of the version, or of every version: `all_versions`)
    all_versions: bool
    per_working_day: float
    volume_source: str  # "history" or "default"
    steps: dict[str, StepDelay]

    def delay(self, element_id: str, name: str, props: dict[str, str]) -> StepDelay:
        """The step's delay; a step new in the draft gets the guess from the draft's own due time."""
        return self.steps.get(element_id) or guess(element_id, name, props)

    def as_json(self) -> dict[str, Any]:
        return {"version": self.version, "from": self.date_from.isoformat(),
                "to": (self.date_to - timedelta(days=1)).isoformat(), "working_days": self.working_days,
                "cases": self.cases, "all_versions": self.all_versions,
                "cases_per_working_day": round(self.per_working_day, 2), "volume_source": self.volume_source,
                "steps": [d.as_json() for d in self.steps.values()]}


def period(months: int, today: date) -> tuple[date, date]:
    """The last `months` months before today: [from, to) in China-time days."""
    year, month = divmod(today.year * 12 + today.month - 1 - months, 12)
    start = date(year, month + 1, 1)
    day = min(today.day, ((date(year + (month + 1) // 12, (month + 1) % 12 + 1, 1)) - timedelta(days=1)).day)
    return start.replace(day=day), today


def working_days(start: date, end: date) -> int:
    calendar = workdays.load()
    return sum(calendar.is_working_day(start + timedelta(days=i)) for i in range((end - start).days))


def _allowed(props: dict[str, str]) -> timedelta | None:
    """The time a task of the step is given, from its due-time properties (None: a data-driven or no due time)."""
    days = props.get("dueInWorkingDays")
    if days and days.isdigit():
        return timedelta(days=int(days) * 7 / 5)
    due = props.get("dueIn")
    return parse_duration(due) if due and looks_like_duration(due) else None


def guess(element_id: str, name: str, props: dict[str, str]) -> StepDelay:
    """No history: half the time allowed as the median, 90 % of it as p90 (the simulator's on-time share);
    without a due time, the simulator's exponential wait of mean two days."""
    allowed = _allowed(props)
    if allowed is None:
        median = NO_DUE_MEDIAN.total_seconds()
        return StepDelay(element_id, name, median, median * math.log(10) / math.log(2), 0, "default")
    return StepDelay(element_id, name, allowed.total_seconds() * 0.45, allowed.total_seconds() * 0.9, 0, "due")


def _percentile(values: list[float], share: float) -> float:
    """As percentile_cont: linear between the two nearest ranks."""
    ordered = sorted(values)
    rank = share * (len(ordered) - 1)
    low = math.floor(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def _china(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=clock.CHINA_TZ)


def read(definition: ProcessDefinition, months: int) -> Basis:
    """The basis of a what-if run for the process's latest deployed version `definition`."""
    start, end = period(months, clock.now().astimezone(clock.CHINA_TZ).date())
    lo, hi = _china(start), _china(end)
    with unit_of_work(write=False) as s:
        def cases(version_only: bool) -> int:
            where = [ProcessInstance.process_key == definition.key, ProcessInstance.started_at >= lo,
                     ProcessInstance.started_at < hi]
            if version_only:
                where.append(ProcessInstance.definition_id == definition.id)
            return s.scalar(select(func.count(ProcessInstance.id)).where(*where)) or 0

        counted = cases(True)
        all_versions = counted == 0
        if all_versions:
            counted = cases(False)
        stmt = (select(Task.element_id, Task.created_at, Task.completed_at)
                .join(ProcessInstance, ProcessInstance.id == Task.instance_id)
                .where(Task.process_key == definition.key, Task.status == "completed",
                       Task.completed_at.is_not(None), Task.created_at >= lo, Task.created_at < hi)
                .order_by(Task.created_at.desc()).limit(MAX_TASK_ROWS))
        if not all_versions:
            stmt = stmt.where(ProcessInstance.definition_id == definition.id)
        waits: dict[str, list[float]] = {}
        for element, created, completed in s.execute(stmt):
            waits.setdefault(element, []).append(max((_aware(completed) - _aware(created)).total_seconds(), 0.0))
    days = working_days(start, end)
    steps: dict[str, StepDelay] = {}
    for element, step in (definition.meta.get("steps") or {}).items():
        if step.get("kind") == "startEvent":
            continue
        name, props = step.get("name") or element, step.get("properties") or {}
        seen = waits.get(element, [])
        if len(seen) >= MIN_OBSERVED:
            median = statistics.median(seen)
            steps[element] = StepDelay(element, name, median, max(_percentile(seen, 0.9), median), len(seen), "history")
        else:
            steps[element] = guess(element, name, props)
    rate = counted / days if counted and days else DEFAULT_PER_DAY
    return Basis(definition.key, definition.version, start, end, days, counted, all_versions, rate,
                 "history" if counted else "default", steps)


def _aware(at: datetime) -> datetime:
    return at if at.tzinfo else at.replace(tzinfo=timezone.utc)
