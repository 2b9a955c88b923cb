"""The campaign's figures per year beside the plan's goals (DOMAIN.md, 工作目标), counted from the database with
`engine.campaign.metrics`' definitions — the same ones the dashboard uses. Read by `safeloop simulate`.

Each year is measured at its end (or at the last simulated moment of an unfinished year).
"""
from __future__ import annotations

from collections import Counter
from dataclasses import asdict, dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import select

from ..runtime import clock, workdays
from ..runtime.db import unit_of_work
from ..runtime.models import AuditEvent, ProcessInstance, Task
from ..runtime.views import SYSTEM
from . import metrics, self_checks

SELF_CHECK_TARGET = 0.90  # the bureau's working target for daily self-checks (the plan asks for every day)
DUTY_TARGET = 0.90  # the working target for periodic duties done by the year's end (the plan asks for every one)
REFERRALS_PER_HAZARD_BOUND = 0.15  # a sanity bound, not a plan goal: ≈5 % of inspections plus refusals
ESCALATIONS_PER_WORKING_DAY_BOUND = 20.0  # a sanity bound: at most one escalation per two enterprises a day
DUTIES = {"inspections": "industry_inspection", "drills": "evacuation_drill",
          "principal_checks": "quarterly_principal_check", "progress_reports": "quarterly_progress_report"}


@dataclass(frozen=True)
class YearFigures:
    """One campaign year as measured from the database at `as_of`."""

    year: int
    as_of: str
    hazards_found: int
    hazards_general: int
    hazards_major: int
    hazards_ungraded: int
    closed_general: int
    closed_major: int
    major_known: int
    major_on_schedule: int
    open_major_at_end: int
    open_major_overdue: int
    new_major: int
    new_major_previous: int | None
    training_trained: int
    training_enrolled: int
    self_checks_done: int
    self_checks_missed: int
    inspections_done: int
    inspections_due: int
    drills_done: int
    drills_due: int
    principal_checks_done: int
    principal_checks_due: int
    progress_reports_done: int
    progress_reports_due: int
    referrals: int
    duplicate_referrals: int
    escalations: int
    working_days: int
    tasks_overdue: int
    cases: int

    @property
    def referrals_per_hazard(self) -> float | None:
        return metrics.share(self.referrals, self.hazards_general + self.hazards_major)

    @property
    def escalations_per_working_day(self) -> float | None:
        return metrics.share(self.escalations, self.working_days)

    @property
    def self_check_rate(self) -> float | None:
        return metrics.share(self.self_checks_done, self.self_checks_done + self.self_checks_missed)


@dataclass(frozen=True)
class Goal:
    """One row of the yearly table: the plan's goal (or a sanity bound) beside the figure, met or not."""

    key: str
    label_zh: str
    label_en: str
    goal: str
    figure: str
    met: bool | None  # None: no goal for this year


def _end_of(year: int, last: datetime) -> tuple[datetime, date]:
    end = datetime.combine(date(year, 12, 31), time.max, clock.CHINA_TZ)
    at = min(end, last)
    return at, at.astimezone(clock.CHINA_TZ).date()


def _working_days(first: date, last: date) -> int:
    calendar = workdays.load()
    return sum(calendar.is_working_day(first + timedelta(days=n)) for n in range((last - first).days + 1))


def measure(years: range, *, first_day: date, last: datetime) -> list[YearFigures]:
    """Every year's figures, each counted at the year's end (or at `last`, the last simulated moment)."""
    keys = (metrics.HAZARD_PROCESS, metrics.TRAINING_PROCESS, metrics.REFERRAL_PROCESS, *DUTIES.values())
    with unit_of_work(write=False) as s:
        rows = metrics.case_rows(s, keys)
        by_key: dict[str, list[Any]] = {k: [] for k in keys}
        for r in rows:
            by_key[r.process_key].append(r)
        escalations = _by_year(s.scalars(select(AuditEvent.at).where(AuditEvent.action == "task.escalate")))
        overdue = _by_year(s.scalars(select(Task.due_at).where(Task.escalation_level >= 1)))
        started = _by_year(s.scalars(select(ProcessInstance.started_at)))
    out: list[YearFigures] = []
    for year in years:
        at, day = _end_of(year, last)
        since = max(first_day, date(year, 1, 1))
        out.append(_year(year, at, day, since, by_key, escalations[year], overdue[year], started[year],
                         out[-1].new_major if out else None))
    return out


def _by_year(moments: Any) -> Counter:
    return Counter(m.astimezone(clock.CHINA_TZ).year for m in moments if m is not None)


def _year(year: int, at: datetime, day: date, since: date, rows: dict[str, list[Any]], escalations: int,
          overdue: int, cases: int, previous_new_major: int | None) -> YearFigures:
    hazards = rows[metrics.HAZARD_PROCESS]
    found = [r for r in hazards if metrics.found_year(r) == year and r.status != "terminated" and r.started_at <= at]
    ended = [r for r in hazards if metrics.is_closed(r, at) and r.ended_at.astimezone(clock.CHINA_TZ).year == year]
    major = metrics.majors(hazards, at)
    training = [c for c in metrics.training_coverage(rows[metrics.TRAINING_PROCESS]) if c.year == year]
    checks = self_checks.self_check_report(SYSTEM, today=day, start=since, end=day)
    duties = {name: metrics.done_and_due(rows[key], at, day, since) for name, key in DUTIES.items()}
    referrals = [r for r in rows[metrics.REFERRAL_PROCESS]
                 if r.started_at <= at and r.started_at.astimezone(clock.CHINA_TZ).year == year]
    return YearFigures(
        year, at.isoformat(), len(found), sum(r.hazard_level == "general" for r in found),
        sum(r.hazard_level == "major" for r in found), sum(r.hazard_level is None for r in found),
        sum(r.hazard_level == "general" for r in ended), sum(r.hazard_level == "major" for r in ended),
        len(major), sum(metrics.on_schedule(r, at, day) for r in major), sum(metrics.is_open(r, at) for r in major),
        sum(metrics.is_overdue(r, at, day) for r in major), sum(metrics.found_year(r) == year for r in major),
        previous_new_major, sum(c.trained for c in training), sum(c.enrolled for c in training),
        checks.done, checks.missed, *duties["inspections"], *duties["drills"], *duties["principal_checks"],
        *duties["progress_reports"], len(referrals), metrics.duplicate_referrals(referrals), escalations,
        _working_days(since, day), overdue, cases)


def _ratio(n: int, total: int) -> str:
    return f"{n}/{total} = {metrics.percent(metrics.share(n, total))}" if total else "—"


def _at_least(n: int, total: int, target: float) -> bool | None:
    rate = metrics.share(n, total)
    return None if rate is None else rate >= target


def goals(f: YearFigures) -> list[Goal]:
    """The plan's goals (and two sanity bounds) beside this year's figures, met (达标) or not (未达标)."""
    final = f.year >= 2026
    return [
        Goal("major_on_schedule", "重大隐患按期闭环（责任人、期限、未逾期）", "major hazards on schedule (owner, deadline, not overdue)",
             "100 %", _ratio(f.major_on_schedule, f.major_known), f.major_on_schedule == f.major_known),
        Goal("new_major", "新增重大隐患（较上年下降）", "new major hazards (down on the year before)",
             f"< {f.new_major_previous}" if f.year == 2025 and f.new_major_previous is not None else "—",
             str(f.new_major), f.new_major < f.new_major_previous if f.year == 2025 and f.new_major_previous else None),
        Goal("open_major", "年末未销号重大隐患（动态清零）", "open major hazards at year end (cleared to zero)",
             "0" if final else "—", f"{f.open_major_at_end} ({f.open_major_overdue} overdue 逾期)",
             f.open_major_at_end == 0 if final else None),
        Goal("open_major_overdue", "逾期未销号重大隐患", "open major hazards past their deadline", "0",
             str(f.open_major_overdue), f.open_major_overdue == 0),
        Goal("training", "培训覆盖（当年报名企业）", "training coverage (this year's enrolments)", "100 %",
             _ratio(f.training_trained, f.training_enrolled),
             _at_least(f.training_trained, f.training_enrolled, 1.0) if final or f.training_enrolled else None),
        Goal("self_checks", "企业每日自查完成率", "daily self-check rate", f"≥ {SELF_CHECK_TARGET:.0%}",
             _ratio(f.self_checks_done, f.self_checks_done + f.self_checks_missed),
             _at_least(f.self_checks_done, f.self_checks_done + f.self_checks_missed, SELF_CHECK_TARGET)),
        Goal("inspections", "行业检查 完成/应完成", "inspections done / due", f"≥ {DUTY_TARGET:.0%}",
             _ratio(f.inspections_done, f.inspections_due), _at_least(f.inspections_done, f.inspections_due, DUTY_TARGET)),
        Goal("drills", "疏散演练 完成/应完成", "evacuation drills done / due", f"≥ {DUTY_TARGET:.0%}",
             _ratio(f.drills_done, f.drills_due), _at_least(f.drills_done, f.drills_due, DUTY_TARGET)),
        Goal("principal_checks", "主要负责人季度排查 完成/应完成", "quarterly principal checks done / due", f"≥ {DUTY_TARGET:.0%}",
             _ratio(f.principal_checks_done, f.principal_checks_due),
             _at_least(f.principal_checks_done, f.principal_checks_due, DUTY_TARGET)),
        Goal("progress_reports", "季度进展汇报 完成/应完成", "quarterly progress reports done / due", f"≥ {DUTY_TARGET:.0%}",
             _ratio(f.progress_reports_done, f.progress_reports_due),
             _at_least(f.progress_reports_done, f.progress_reports_due, DUTY_TARGET)),
        Goal("referrals_per_hazard", "移送执法/隐患（合理上限）", "referrals per hazard (sanity bound)",
             f"≤ {REFERRALS_PER_HAZARD_BOUND:.2f}", _num(f.referrals_per_hazard, f"{f.referrals} referrals"),
             None if f.referrals_per_hazard is None else f.referrals_per_hazard <= REFERRALS_PER_HAZARD_BOUND),
        Goal("escalations_per_working_day", "每工作日督办次数（合理上限）", "escalations per working day (sanity bound)",
             f"≤ {ESCALATIONS_PER_WORKING_DAY_BOUND:.0f}", _num(f.escalations_per_working_day, f"{f.escalations}"),
             None if f.escalations_per_working_day is None
             else f.escalations_per_working_day <= ESCALATIONS_PER_WORKING_DAY_BOUND),
    ]


def _num(value: float | None, detail: str) -> str:
    return "—" if value is None else f"{value:.2f} ({detail})"


def as_dict(f: YearFigures) -> dict[str, Any]:
    """The year's figures and goals as plain JSON-ready data."""
    return {**asdict(f), "referrals_per_hazard": f.referrals_per_hazard,
            "escalations_per_working_day": f.escalations_per_working_day, "self_check_rate": f.self_check_rate,
            "goals": [asdict(g) for g in goals(f)]}


__all__ = ["YearFigures", "Goal", "measure", "goals", "as_dict"]
