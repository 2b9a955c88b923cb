"""Read-only figures for the campaign dashboard beside the plan's tiles (`engine.campaign.plan_progress`):

| figure | from |
|---|---|
| open hazard cases past their deadline per industry (the supervising section) | the hazard cases, `engine.campaign.metrics` |
| training coverage per industry (small venues on their own line) and campaign year, in people | `engine.campaign.training_coverage` |
| this month's daily self-checks: done / expected, missed, enterprises that missed three or more | `engine.campaign.self_checks` |
| the read receipts of the newest published notices | `engine.campaign.notices.recent_coverage` |

Scoped like `list_instances`: each actor counts only the cases and people it may see.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time

from ..runtime import access, clock
from ..runtime.db import unit_of_work
from ..runtime.views import Actor
from . import metrics, notices, self_checks, training_coverage
from .register import HAZARD_PROCESS

CAMPAIGN_YEARS = (2024, 2025, 2026)


@dataclass(frozen=True)
class TrainingLine:
    """One industry's (or the small venues') people required and passed in one year."""

    line: str  # an industry key, or "small_venue"
    year: int
    required: int
    passed: int

    @property
    def rate(self) -> float | None:
        """passed ÷ required (None when the year requires nobody here)."""
        return self.passed / self.required if self.required else None


@dataclass(frozen=True)
class CampaignFigures:
    """Everything the dashboard draws beside the tiles, computed at one moment."""

    today: date
    overdue_by_industry: tuple[tuple[str | None, int], ...]
    training: tuple[TrainingLine, ...]
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


def training_lines(actor: Actor, today: date) -> tuple[TrainingLine, ...]:
    """Per campaign year so far, each industry's and the small venues' people required and passed."""
    out: list[TrainingLine] = []
    for year in (y for y in CAMPAIGN_YEARS if y <= today.year):
        out += [TrainingLine(line, year, f.required, f.passed)
                for line, f in training_coverage.required_by_line(actor, year).items()]
    return tuple(out)


def campaign_figures(actor: Actor, *, today: date, recent_notices: int = 5) -> CampaignFigures:
    """The campaign's figures over the cases the actor may see (self-checks: the month of `today` so far)."""
    with unit_of_work(write=False) as s:
        rows = metrics.case_rows(s, (HAZARD_PROCESS,), access.instance_clause(actor))
    at = max(clock.now(), datetime.combine(today, time.max, clock.CHINA_TZ))
    return CampaignFigures(today=today, overdue_by_industry=metrics.overdue_by_industry(rows, at, today),
                           training=training_lines(actor, today),
                           self_check=self_checks.self_check_report(actor, today=today),
                           notice_receipts=notices.recent_coverage(actor, limit=recent_notices))
