"""Read-only figures for the campaign dashboard: progress against the campaign's goals (DOMAIN.md).

| goal | figure |
|---|---|
| every major hazard in a dynamic closed loop (2024) | major hazards closed, or open with a deadline and a responsible person, / all |
| the increment of major hazards curbed (2025) | new major hazards per year (found_at, else the case's start year) |
| major hazards cleared to zero (2026) | open major hazards, and how many are past their deadline |
| training coverage 100% (2026) | `training_enrolment` cases completed / started, per industry and year |

Plus open hazard cases past their deadline per industry (the supervising section), this month's daily
self-checks (`engine.self_checks`: done / expected, missed, enterprises that missed three or more) and the read
receipts of the newest published notices (`engine.notices.recent_coverage`). Scoped like `list_instances`: each
actor counts only the cases it may see.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import select

from . import access, notices, self_checks
from .db import unit_of_work
from .models import ProcessInstance
from .register import HAZARD_PROCESS
from .views import Actor

TRAINING_PROCESS = "training_enrolment"


@dataclass(frozen=True)
class Coverage:
    """Training enrolments of one industry and year: how many finished out of how many."""

    industry: str | None
    year: int | None
    trained: int
    enrolled: int


@dataclass(frozen=True)
class CampaignFigures:
    """Everything the dashboard draws, computed at one moment."""

    today: date
    major_total: int
    major_in_loop: int
    major_open: int
    major_open_overdue: int
    major_closed: int
    new_major_by_year: tuple[tuple[int, int], ...]
    overdue_by_industry: tuple[tuple[str | None, int], ...]
    open_by_level: tuple[tuple[str | None, int], ...]
    training: tuple[Coverage, ...]
    self_check: self_checks.SelfCheckReport
    notice_receipts: tuple[notices.Coverage, ...]

    @property
    def notices_confirmed(self) -> int:
        """Receipts confirmed over the newest notices."""
        return sum(n.confirmed for n in self.notice_receipts)

    @property
    def notices_sent(self) -> int:
        """Receipts asked for over the newest notices (one per target enterprise and notice)."""
        return sum(n.total for n in self.notice_receipts)

    @property
    def notices_overdue(self) -> int:
        """Receipts past their deadline, unconfirmed, over the newest notices."""
        return sum(n.overdue for n in self.notice_receipts)

    @property
    def loop_share(self) -> float:
        """Share of major hazards in the closed loop (1.0 when there are none)."""
        return self.major_in_loop / self.major_total if self.major_total else 1.0


def _in_loop(status: str, deadline: date | None, summary: dict) -> bool:
    return status == "completed" or (status == "running" and deadline is not None
                                     and bool(summary.get("responsible_person")))


def _found_year(row: Any) -> int:
    # The year the hazard was found (the report's found_at), else the year its case started.
    return _year(str((row.summary or {}).get("found_at") or "")[:4], row.started_at.year)


def _hazard_figures(rows: list, today: date) -> dict:
    major = [r for r in rows if r.hazard_level == "major"]
    running = [r for r in rows if r.status == "running"]
    overdue = Counter(r.industry_key for r in running if r.deadline is not None and r.deadline < today)
    return dict(
        major_total=len(major),
        major_in_loop=sum(_in_loop(r.status, r.deadline, r.summary or {}) for r in major),
        major_open=sum(r.status == "running" for r in major),
        major_open_overdue=sum(r.status == "running" and r.deadline is not None and r.deadline < today for r in major),
        major_closed=sum(r.status == "completed" for r in major),
        new_major_by_year=tuple(sorted(Counter(_found_year(r) for r in major).items())),
        overdue_by_industry=tuple(sorted(overdue.items(), key=lambda kv: (-kv[1], kv[0] or ""))),
        open_by_level=tuple(sorted(Counter(r.hazard_level for r in running).items(), key=lambda kv: kv[0] or "")),
    )


def _year(value: object, fallback: int) -> int:
    try:
        return int(str(value))
    except ValueError:
        return fallback


def _training(rows: list) -> tuple[Coverage, ...]:
    enrolled: Counter = Counter()
    trained: Counter = Counter()
    for r in rows:
        key = (r.industry_key, _year((r.summary or {}).get("year", r.started_at.year), r.started_at.year))
        enrolled[key] += 1
        trained[key] += r.status == "completed"
    return tuple(Coverage(ind, year, trained[(ind, year)], n)
                 for (ind, year), n in sorted(enrolled.items(), key=lambda kv: (kv[0][1], kv[0][0] or "")))


def campaign_figures(actor: Actor, *, today: date, recent_notices: int = 5) -> CampaignFigures:
    """The campaign's figures over the cases the actor may see (self-checks: the month of `today` so far)."""
    with unit_of_work(write=False) as s:
        columns = (ProcessInstance.process_key, ProcessInstance.status, ProcessInstance.hazard_level,
                   ProcessInstance.industry_key, ProcessInstance.deadline, ProcessInstance.started_at,
                   ProcessInstance.summary)
        rows = list(s.execute(select(*columns).where(
            ProcessInstance.process_key.in_((HAZARD_PROCESS, TRAINING_PROCESS)), access.instance_clause(actor))))
    hazards = [r for r in rows if r.process_key == HAZARD_PROCESS]
    training = [r for r in rows if r.process_key == TRAINING_PROCESS]
    return CampaignFigures(today=today, training=_training(training), **_hazard_figures(hazards, today),
                           self_check=self_checks.self_check_report(actor, today=today),
                           notice_receipts=notices.recent_coverage(actor, limit=recent_notices))
