"""The campaign's metrics, one definition each: the dashboard (`engine.campaign.dashboard`) and the simulator's yearly table
(`engine.campaign.simulation`) both count with these functions, so the two can never disagree.

Every predicate takes the moment it is asked about (`at`, an aware datetime) and that moment's day in China
(`day`), so a figure "at the end of 2024" and a figure "now" are the same function.

| metric | definition |
|---|---|
| open | started by `at`, not ended by then, not terminated (withdrawn cases count nowhere) |
| closed (销号) | completed by `at` |
| overdue | open with a deadline before `day` |
| on schedule (闭环) | closed, or open with a responsible person and a deadline not yet passed — *not* merely open |
| new major hazards of a year | major hazards by the year they were found (`found_at`, else the case's start) |
| done / due (inspections, drills, checks, reports) | cases whose deadline fell by `day`; done = completed by `at` |
| training coverage | `training_enrolment` cases completed / started, per industry and enrolment year |
| share | n / total, or None for 0 / 0 (shown as "—", never 100 %) |
"""
from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..runtime.models import ProcessInstance

HAZARD_PROCESS = "hazard_closure"
TRAINING_PROCESS = "training_enrolment"
REFERRAL_PROCESS = "enforcement_referral"
COLUMNS = (ProcessInstance.id, ProcessInstance.process_key, ProcessInstance.status, ProcessInstance.hazard_level,
           ProcessInstance.industry_key, ProcessInstance.deadline, ProcessInstance.started_at,
           ProcessInstance.ended_at, ProcessInstance.summary, ProcessInstance.parent_id)


@dataclass(frozen=True)
class Coverage:
    """Training enrolments of one industry and year: how many finished out of how many."""

    industry: str | None
    year: int | None
    trained: int
    enrolled: int


def case_rows(s: Session, process_keys: Iterable[str], *where: Any) -> list[Any]:
    """The columns every metric reads, for the cases of these processes (plus any extra conditions)."""
    return list(s.execute(select(*COLUMNS).where(ProcessInstance.process_key.in_(tuple(process_keys)), *where)))


def share(n: int, total: int) -> float | None:
    """n / total, None when there is nothing to count (never 100 % for 0 / 0)."""
    return n / total if total else None


def percent(rate: float | None) -> str:
    """A 0–1 share as a whole percentage, "—" when there is none."""
    return "—" if rate is None else f"{round(rate * 100)} %"


def is_open(row: Any, at: datetime) -> bool:
    """Started by `at` and not ended by then (terminated cases never count)."""
    return (row.status != "terminated" and row.started_at <= at
            and (row.ended_at is None or row.ended_at > at))


def is_closed(row: Any, at: datetime) -> bool:
    """Completed (struck off, done) by `at`."""
    return row.status == "completed" and row.ended_at is not None and row.ended_at <= at


def is_overdue(row: Any, at: datetime, day: date) -> bool:
    """Open at `at` with a deadline before `day`."""
    return is_open(row, at) and row.deadline is not None and row.deadline < day


def has_owner(row: Any) -> bool:
    """A responsible person is named (grading or the rectification plan)."""
    return bool((row.summary or {}).get("responsible_person"))


def on_schedule(row: Any, at: datetime, day: date) -> bool:
    """In the closed loop: closed, or open with an owner and a deadline that has not passed."""
    return is_closed(row, at) or (is_open(row, at) and has_owner(row) and row.deadline is not None
                                  and row.deadline >= day)


def _year(value: object, fallback: int) -> int:
    try:
        return int(str(value))
    except ValueError:
        return fallback


def found_year(row: Any) -> int:
    """The year the hazard was found (the report's found_at), else the year its case started."""
    return _year(str((row.summary or {}).get("found_at") or "")[:4], row.started_at.year)


def majors(rows: Iterable[Any], at: datetime) -> list[Any]:
    """Graded major hazards known by `at` (withdrawn cases left out)."""
    return [r for r in rows if r.hazard_level == "major" and r.status != "terminated" and r.started_at <= at]


def new_by_year(rows: Iterable[Any]) -> tuple[tuple[int, int], ...]:
    """Hazards per year found, oldest year first."""
    return tuple(sorted(Counter(found_year(r) for r in rows).items()))


def overdue_by_industry(rows: Iterable[Any], at: datetime, day: date) -> tuple[tuple[str | None, int], ...]:
    """Overdue open cases per industry, most first."""
    counted = Counter(r.industry_key for r in rows if is_overdue(r, at, day))
    return tuple(sorted(counted.items(), key=lambda kv: (-kv[1], kv[0] or "")))


def enrolment_year(row: Any) -> int:
    """The campaign year an enrolment belongs to (its `year`, else the year it started)."""
    return _year((row.summary or {}).get("year", row.started_at.year), row.started_at.year)


def training_coverage(rows: Iterable[Any]) -> tuple[Coverage, ...]:
    """Enrolments completed / started per industry and year."""
    enrolled: Counter = Counter()
    trained: Counter = Counter()
    for r in rows:
        if r.status == "terminated":
            continue
        key = (r.industry_key, enrolment_year(r))
        enrolled[key] += 1
        trained[key] += r.status == "completed"
    return tuple(Coverage(ind, year, trained[(ind, year)], n)
                 for (ind, year), n in sorted(enrolled.items(), key=lambda kv: (kv[0][1], kv[0][0] or "")))


def done_and_due(rows: Iterable[Any], at: datetime, day: date, since: date | None = None) -> tuple[int, int]:
    """Periodic duties (inspections, drills, checks, reports) whose deadline fell in [since, day]: done, due."""
    due = [r for r in rows if r.status != "terminated" and r.deadline is not None and r.deadline <= day
           and (since is None or r.deadline >= since) and r.started_at <= at]
    return sum(is_closed(r, at) for r in due), len(due)


def duplicate_referrals(referrals: Iterable[Any]) -> int:
    """Hazard cases that had more than one referral child open at the same time."""
    spans: dict[int, list[tuple[datetime, datetime | None]]] = {}
    for r in referrals:
        if r.parent_id is not None:
            spans.setdefault(r.parent_id, []).append((r.started_at, r.ended_at))
    return sum(_overlap(sorted(s, key=lambda span: span[0])) for s in spans.values())


def _overlap(spans: list[tuple[datetime, datetime | None]]) -> bool:
    for (_, end), (start, _) in zip(spans, spans[1:]):
        if end is None or end > start:
            return True
    return False


__all__ = ["Coverage", "case_rows", "share", "percent", "is_open", "is_closed", "is_overdue", "has_owner",
           "on_schedule", "found_year", "majors", "new_by_year", "overdue_by_industry", "enrolment_year",
           "training_coverage", "done_and_due", "duplicate_referrals"]
