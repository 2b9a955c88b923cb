"""Read-only figures of the daily self-check (企业每日安全自查, item 8), per enterprise, over a window of days.

Each `daily_self_check` case is one enterprise's check for the day in its `deadline` column (the dispatcher
sets it to the day it runs). A case ends one of two ways: done (the safety officer submitted the checklist)
or missed (the 23:59 boundary timer ran `mark_missed`, which leaves `self_check_missed = True` in the case
summary). Until then it is open. Terminated cases were withdrawn by an administrator and are not counted.

A check is owed on the enterprise's business days only (`engine.campaign.business_days`, the rule the dispatcher uses): a
case whose day the enterprise is closed by its current rule (its business days changed after the dispatch) counts
only if it was done; missed or open, it is not counted at all (`closed_day`).

Scoped like `list_instances`: each actor counts only the cases it may see (an enterprise user: its own).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import ColumnElement, Integer, and_, case, false, func, or_, select
from sqlalchemy.orm import Session

from ..runtime import access
from ..runtime.db import unit_of_work
from ..runtime.errors import BadRequest
from ..runtime.models import Enterprise, ProcessInstance
from ..runtime.views import Actor
from . import business_days

SELF_CHECK_PROCESS = "daily_self_check"
MISSED_ALERT = 3  # an enterprise with this many missed checks in the window is flagged
MAX_WINDOW_DAYS = 366
SORTS = ("missed", "rate", "enterprise")


@dataclass(frozen=True)
class Window:
    """The days counted, both ends included."""

    start: date
    end: date

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1


@dataclass(frozen=True)
class EnterpriseChecks:
    """One enterprise's self-checks in the window."""

    enterprise_code: str
    enterprise_name: str
    industry: str | None
    expected: int
    done: int
    missed: int
    open: int
    last_done: date | None
    hazards_opened: int

    @property
    def rate(self) -> float | None:
        """done / (done + missed), 0–1; None while nothing has been decided."""
        decided = self.done + self.missed
        return self.done / decided if decided else None

    @property
    def missed_heavy(self) -> bool:
        """Missed at least MISSED_ALERT checks in the window."""
        return self.missed >= MISSED_ALERT


@dataclass(frozen=True)
class SelfCheckReport:
    """Every visible enterprise's self-checks in the window, and the totals over them."""

    window: Window
    rows: tuple[EnterpriseChecks, ...]

    @property
    def expected(self) -> int:
        return sum(r.expected for r in self.rows)

    @property
    def done(self) -> int:
        return sum(r.done for r in self.rows)

    @property
    def missed(self) -> int:
        return sum(r.missed for r in self.rows)

    @property
    def open(self) -> int:
        return sum(r.open for r in self.rows)

    @property
    def hazards_opened(self) -> int:
        return sum(r.hazards_opened for r in self.rows)

    @property
    def missed_heavy(self) -> int:
        """How many enterprises missed at least MISSED_ALERT checks."""
        return sum(r.missed_heavy for r in self.rows)

    @property
    def rate(self) -> float | None:
        """done / (done + missed) over all enterprises; None while nothing has been decided."""
        decided = self.done + self.missed
        return self.done / decided if decided else None


def window(today: date, start: date | None = None, end: date | None = None) -> Window:
    """The days to count: by default the month of `today` up to `today` (China time is the caller's job).

    Raises:
        BadRequest: the start is after the end, or the window is longer than a year.
    """
    start = start or today.replace(day=1)
    end = end or today
    if start > end:
        raise BadRequest("开始日期晚于结束日期", "The start date is after the end date; swap them")
    if (end - start).days >= MAX_WINDOW_DAYS:
        raise BadRequest("统计期间不能超过一年", "Choose a window of at most a year")
    return Window(start, end)


def month_window(first: date, today: date) -> Window:
    """A calendar month (given by any day in it) as a window; the current month runs to `today` only."""
    start = first.replace(day=1)
    end = (start.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)
    return Window(start, today if start <= today < end else end)


def _count_where(condition: ColumnElement[bool]) -> ColumnElement[int]:
    return func.sum(case((condition, 1), else_=0), type_=Integer)


def _figures() -> tuple[ColumnElement, ...]:
    # One row per enterprise, counted in the database: a month of a county's checks is tens of thousands of cases.
    missed = ProcessInstance.summary["self_check_missed"].as_boolean().is_(True)
    completed = ProcessInstance.status == "completed"
    done = and_(completed, ~missed)
    opened = func.coalesce(ProcessInstance.summary["hazards_opened"].as_integer(), 0)
    return (func.count(ProcessInstance.id), _count_where(done), _count_where(and_(completed, missed)),
            _count_where(~completed), func.max(case((done, ProcessInstance.deadline), else_=None)),
            func.sum(case((done, opened), else_=0), type_=Integer))


def rule_column() -> ColumnElement[str]:
    """SQL: the business-days rule that applies to the (joined) enterprise — its own, else its industry's default."""
    defaults = business_days.industry_defaults()
    by_industry = case(defaults, value=Enterprise.industry_key, else_=business_days.DEFAULT) if defaults \
        else business_days.DEFAULT
    return func.coalesce(Enterprise.business_days, by_industry)


def closed_day(s: Session, start: date | None = None, end: date | None = None) -> ColumnElement[bool]:
    """SQL: the case's day (`deadline`) is one its enterprise (joined) owes no check on, by the rule in force.

    Between `start` and `end` (default: the first and last day of any self-check case): per rule in use, the
    closed days of the window as a list (a year of a working-days rule is about 115 days)."""
    if start is None or end is None:
        first, last = s.execute(select(func.min(ProcessInstance.deadline), func.max(ProcessInstance.deadline))
                                .where(ProcessInstance.process_key == SELF_CHECK_PROCESS)).one()
        if first is None:
            return false()
        start, end = start or first, end or last
    rules = {business_days.DEFAULT, *business_days.industry_defaults().values(),
             *s.scalars(select(Enterprise.business_days).where(Enterprise.business_days.is_not(None)).distinct())}
    column, branches = rule_column(), []
    for rule in sorted(rules):
        closed = business_days.closed_days(rule, start, end)
        if closed:
            branches.append(and_(column == rule, ProcessInstance.deadline.in_(closed)))
    return or_(*branches) if branches else false()


def self_check_report(actor: Actor, *, today: date, start: date | None = None,
                      end: date | None = None) -> SelfCheckReport:
    """Per-enterprise daily self-check figures over the window (see `window`), the most missed first. Only the
    enterprise's business days count (a check done on a day it is closed still counts as done)."""
    span = window(today, start, end)
    with unit_of_work(write=False) as s:
        missed = ProcessInstance.summary["self_check_missed"].as_boolean().is_(True)
        done = and_(ProcessInstance.status == "completed", ~missed)
        stmt = (select(Enterprise.code, Enterprise.name, Enterprise.industry_key, *_figures())
                .join(Enterprise, Enterprise.id == ProcessInstance.enterprise_id)
                .where(ProcessInstance.process_key == SELF_CHECK_PROCESS, ProcessInstance.status != "terminated",
                       ProcessInstance.deadline >= span.start, ProcessInstance.deadline <= span.end,
                       or_(done, ~closed_day(s, span.start, span.end)),
                       access.instance_clause(actor))
                .group_by(Enterprise.code, Enterprise.name, Enterprise.industry_key))
        rows = [EnterpriseChecks(code, name, industry, int(n), int(done or 0), int(missed or 0), int(still or 0),
                                 last, int(opened or 0))
                for code, name, industry, n, done, missed, still, last, opened in s.execute(stmt)]
    return SelfCheckReport(span, tuple(sort_rows(rows, "missed")))


def sort_rows(rows: list[EnterpriseChecks] | tuple[EnterpriseChecks, ...], by: str) -> list[EnterpriseChecks]:
    """Rows ordered by `by`: missed (most first), rate (lowest first, undecided last) or enterprise (by code)."""
    if by == "rate":
        return sorted(rows, key=lambda r: (r.rate is None, r.rate or 0.0, -r.missed, r.enterprise_code))
    if by == "enterprise":
        return sorted(rows, key=lambda r: r.enterprise_code)
    return sorted(rows, key=lambda r: (-r.missed, r.rate if r.rate is not None else 2.0, r.enterprise_code))
