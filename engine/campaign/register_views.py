"""What a register query takes and answers: the filters (a period, where, whose, which state), the totals, one item,
one enterprise's counts and one enterprise across every register. Values only; `engine.campaign.registers` runs the queries."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from ..runtime.errors import BadRequest
from .register_kinds import RegisterKind

__all__ = ["Filters", "Counts", "KindCounts", "RegisterRow", "EnterpriseCounts", "EnterpriseOverview"]


@dataclass(frozen=True)
class Filters:
    """What to count: a period (year, or a quarter or month of it), where, whose, which state."""

    year: int | None = None
    quarter: int | None = None
    month: int | None = None
    industry: str | None = None
    township: str | None = None
    enterprise_code: str | None = None
    state: str | None = None
    overdue_only: bool = False
    variant: str | None = None
    risk_grades: tuple[str, ...] = ()  # the enterprises' risk grades (红橙黄蓝), e.g. ("red", "orange")
    settled: bool = False  # date items by when they were settled (ended) instead of the kind's own date

    def period(self) -> tuple[date, date] | None:
        """First and last day of the chosen period (None: all time).

        Raises:
            BadRequest: a quarter or month without a year, both at once, or a value out of range.
        """
        if self.year is None:
            if self.quarter or self.month:
                raise BadRequest("选择季度或月份时请同时选择年度", "Choose a year with the quarter or month")
            return None
        if not 2000 <= self.year <= 2100 or (self.quarter and self.month):
            raise BadRequest("期间无效：年度 2000–2100，季度和月份只选其一", "Invalid period: year 2000–2100, "
                             "and a quarter or a month, not both")
        if self.quarter:
            if not 1 <= self.quarter <= 4:
                raise BadRequest("季度应为 1–4", "The quarter must be 1–4")
            return date(self.year, self.quarter * 3 - 2, 1), _month_end(self.year, self.quarter * 3)
        if self.month:
            if not 1 <= self.month <= 12:
                raise BadRequest("月份应为 1–12", "The month must be 1–12")
            return date(self.year, self.month, 1), _month_end(self.year, self.month)
        return date(self.year, 1, 1), date(self.year, 12, 31)


def _month_end(year: int, month: int) -> date:
    return (date(year, month, 28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)


@dataclass(frozen=True)
class Counts:
    """Items due (all of them) and how they stand."""

    due: int = 0
    open: int = 0
    overdue: int = 0
    done: int = 0
    missed: int = 0
    late: int = 0  # of `done`, handled late (kinds with `in_time` only; 0 elsewhere)

    @property
    def in_time(self) -> int:
        """Done within every due time."""
        return self.done - self.late

    @property
    def done_rate(self) -> float | None:
        """done ÷ due, 0–1 (None when nothing is due)."""
        return self.done / self.due if self.due else None


@dataclass(frozen=True)
class KindCounts:
    """A register kind with its totals."""

    kind: RegisterKind
    counts: Counts


@dataclass(frozen=True)
class RegisterRow:
    """One item of a register: a case, its state and the fields this register shows."""

    id: int
    kind: str
    process_key: str
    title: str | None
    state: str
    status: str
    current_step: str | None
    enterprise_code: str | None
    enterprise_name: str | None
    industry: str | None
    township: str | None
    deadline: date | None
    started_at: datetime
    ended_at: datetime | None
    fields: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class EnterpriseCounts:
    """One enterprise's items in a register."""

    enterprise_code: str | None
    enterprise_name: str | None
    industry: str | None
    township: str | None
    counts: Counts
    scale: str | None = None  # 规上 / 规下 / 小场所 (item 6)
    standard_grade: str | None = None  # safety standardisation grade (item 17)
    benchmark: bool = False  # 标杆企业


@dataclass(frozen=True)
class EnterpriseOverview:
    """One enterprise across every register: totals per kind, what is still owed, what was settled lately."""

    enterprise_code: str
    enterprise_name: str
    industry: str
    township: str | None
    kinds: tuple[KindCounts, ...]
    open_items: tuple[RegisterRow, ...]
    history: tuple[RegisterRow, ...]
