"""Read-only figures for the campaign dashboard: progress against the campaign's goals (DOMAIN.md).

Every figure is one of `engine.metrics`' definitions (the simulator's yearly table uses the same ones):

| goal | figure |
|---|---|
| every major hazard in a dynamic closed loop (2024) | major hazards on schedule (closed, or open with an owner and a deadline not passed) / all |
| the increment of major hazards curbed (2025) | new major hazards per year found |
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
from datetime import date, datetime, time
from typing import Any

from . import access, clock, metrics, notices, self_checks
from .db import unit_of_work
from .register import HAZARD_PROCESS
from .views import Actor

TRAINING_PROCESS = metrics.TRAINING_PROCESS
Coverage = metrics.Coverage


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
    def loop_share(self) -> float | None:
        """Share of major hazards on schedule (None when there are none: shown as "—", not 100 %)."""
        return metrics.share(self.major_in_loop, self.major_total)


def _hazard_figures(rows: list, at: datetime, today: date) -> dict:
    major = metrics.majors(rows, at)
    return dict(
        major_total=len(major),
        major_in_loop=sum(metrics.on_schedule(r, at, today) for r in major),
        major_open=sum(metrics.is_open(r, at) for r in major),
        major_open_overdue=sum(metrics.is_overdue(r, at, today) for r in major),
        major_closed=sum(metrics.is_closed(r, at) for r in major),
        new_major_by_year=metrics.new_by_year(major),
        overdue_by_industry=metrics.overdue_by_industry(rows, at, today),
        open_by_level=tuple(sorted(Counter(r.hazard_level for r in rows if metrics.is_open(r, at)).items(),
                                   key=lambda kv: kv[0] or "")),
    )


def _found_year(row: Any) -> int:
    return metrics.found_year(row)


def campaign_figures(actor: Actor, *, today: date, recent_notices: int = 5) -> CampaignFigures:
    """The campaign's figures over the cases the actor may see (self-checks: the month of `today` so far)."""
    with unit_of_work(write=False) as s:
        rows = metrics.case_rows(s, (HAZARD_PROCESS, TRAINING_PROCESS), access.instance_clause(actor))
    hazards = [r for r in rows if r.process_key == HAZARD_PROCESS]
    training = [r for r in rows if r.process_key == TRAINING_PROCESS]
    at = max(clock.now(), datetime.combine(today, time.max, clock.CHINA_TZ))
    return CampaignFigures(today=today, training=metrics.training_coverage(training),
                           **_hazard_figures(hazards, at, today),
                           self_check=self_checks.self_check_report(actor, today=today),
                           notice_receipts=notices.recent_coverage(actor, limit=recent_notices))
