"""What a simulated campaign reports: the run's health, the yearly table against the plan's goals, and its JSON."""
from __future__ import annotations

import json
from collections import Counter
from dataclasses import asdict, dataclass
from datetime import date
from typing import Any

from sqlalchemy import func, select

from ..runtime import clock
from ..runtime.db import unit_of_work
from ..runtime.models import Notification, ProcessInstance, User, UserRole
from . import plan_progress, yearly_figures


@dataclass(frozen=True)
class Health:
    """How the run went: its cost and the shape of what it stored."""

    wall_seconds: float
    cpu_seconds: float  # this process only: the simulator and the engine, not what else the machine runs
    steps: int
    steps_per_second: float
    steps_per_cpu_second: float  # the figure that does not depend on what else the machine runs
    completions: int
    timer_firings: int
    starts: int
    largest_state_bytes: int
    deepest_task_tree: int
    duplicate_referrals: int
    escalations_per_working_day: float | None
    cases: int
    errored_cases: int
    form_refusals: int
    engine_faults: int
    problems: tuple[str, ...]
    leader_notes_max_per_day: int = 0  # escalation notices (incl. digests) to one leader on one day, at most
    leader_digests: int = 0



def measure_health(counts: Counter, seconds: float, cpu: float, figures: list[yearly_figures.YearFigures], problems: list[str]) -> Health:
    from ..runtime.stored_state import deepest_tree, largest_state
    steps = counts["completions"] + counts["timer_firings"] + counts["starts"]
    with unit_of_work(write=False) as s:
        total = s.scalar(select(func.count(ProcessInstance.id))) or 0
        errored = s.scalar(select(func.count(ProcessInstance.id)).where(ProcessInstance.status == "error")) or 0
    escalations, days = sum(f.escalations for f in figures), sum(f.working_days for f in figures)
    return Health(round(seconds, 1), round(cpu, 1), steps, round(steps / seconds, 1) if seconds else 0.0,
                  round(steps / cpu, 1) if cpu else 0.0, counts["completions"],
                  counts["timer_firings"], counts["starts"], largest_state(), deepest_tree(),
                  sum(f.duplicate_referrals for f in figures), round(escalations / days, 2) if days else None,
                  total, errored, counts["form_refusals"], counts["engine_faults"], tuple(problems[:20]),
                  _leader_notes_max_per_day(), counts["digests"])


def _leader_notes_max_per_day() -> int:
    """The most escalation notices (per-task escalations and digests) one leader received on one China-time day."""
    from ..runtime.roles import LEADERS
    with unit_of_work(write=False) as s:
        rows = s.execute(select(Notification.recipient, Notification.created_at)
                         .join(User, User.username == Notification.recipient)
                         .join(UserRole, UserRole.user_id == User.id)
                         .where(UserRole.role_key.in_(LEADERS), Notification.kind.in_(("escalation", "digest")))
                         .distinct())
        per_day = Counter((who, at.astimezone(clock.CHINA_TZ).date()) for who, at in rows)
    return max(per_day.values(), default=0)


def table(figures: list[yearly_figures.YearFigures]) -> str:
    """The yearly table: one row per goal, one column per year (figure and 达标 / 未达标), Chinese and English."""
    mark = {True: "达标 met", False: "未达标 not met", None: ""}
    head = ["指标 Measure", "目标 Goal"] + [str(f.year) for f in figures]
    per_year = [yearly_figures.goals(f) for f in figures]
    rows = [head]
    for i, goal in enumerate(per_year[0] if per_year else []):
        goals_text = sorted({g[i].goal for g in per_year} - {"—"}) or ["—"]
        rows.append([f"{goal.label_zh} {goal.label_en}", " / ".join(goals_text)]
                    + [f"{g[i].figure} {mark[g[i].met]}".strip() for g in per_year])
    rows += _plan_rows([f.year for f in figures], _run_end(figures))
    rows.append(["发现隐患 一般/重大/未定级 hazards found general/major/ungraded", ""]
                + [f"{f.hazards_found}: {f.hazards_general}/{f.hazards_major}/{f.hazards_ungraded}" for f in figures])
    rows.append(["销号 一般/重大 closed general/major", ""] + [f"{f.closed_general}/{f.closed_major}" for f in figures])
    rows.append(["逾期任务 / 督办 tasks overdue / escalations", ""] + [f"{f.tasks_overdue} / {f.escalations}" for f in figures])
    rows.append(["事项 items started", ""] + [str(f.cases) for f in figures])
    widths = [max(_width(r[i]) for r in rows) + 2 for i in range(len(head))]
    return "\n".join("".join(cell + " " * (w - _width(cell)) for cell, w in zip(row, widths)).rstrip() for row in rows)


def _run_end(figures: list[yearly_figures.YearFigures]) -> date | None:
    return date.fromisoformat(figures[-1].as_of[:10]) if figures else None


def plan(years: list[int], today: date) -> dict[int, tuple[plan_progress.Tile, ...]]:
    """The dashboard's tiles per year, judged on the run's last day (the same function the dashboard calls)."""
    from ..runtime.views import SYSTEM
    return {year: plan_progress.progress(SYSTEM, year, today=today).tiles for year in years}


def _plan_rows(years: list[int], today: date | None) -> list[list[str]]:
    """One row per dashboard tile ("看板"), counted by the registers as on the dashboard at the run's end."""
    if today is None:
        return []
    tiles = plan(years, today)
    mark = {True: "达标 met", False: "未达标 not met", None: ""}
    rows = []
    for key, (zh, en, target) in plan_progress.LABELS.items():
        cells = [next(t for t in tiles[y] if t.key == key) for y in years]
        rows.append([f"看板 {zh} dashboard: {en}", target] + [f"{_tile_figure(t)} {mark[t.met]}".strip() for t in cells])
    return rows


def _tile_figure(t: plan_progress.Tile) -> str:
    if t.denominator is None:
        return str(t.numerator)
    return f"{t.numerator}/{t.denominator} = {t.percent} %" if t.denominator else "—"


def _width(text: str) -> int:
    return sum(2 if ord(ch) > 0x2E80 else 1 for ch in text)  # CJK characters take two columns


def as_json(figures: list[yearly_figures.YearFigures], health: Health, *, seed: int, params: Any,
            self_checks: bool) -> str:
    """The table and the run's health as one JSON document (`safeloop simulate --json`)."""
    return json.dumps({"seed": seed, "self_checks": self_checks, "parameters": asdict(params),
                       "years": [yearly_figures.as_dict(f) for f in figures], "health": asdict(health),
                       "dashboard": _plan_json(figures)},
                      ensure_ascii=False, indent=2)



def _plan_json(figures: list[yearly_figures.YearFigures]) -> dict[str, Any]:
    today = _run_end(figures)
    if today is None:
        return {}
    return {str(year): [{"key": t.key, "numerator": t.numerator, "denominator": t.denominator, "met": t.met,
                         "counts": asdict(t.counts)} for t in tiles]
            for year, tiles in plan([f.year for f in figures], today).items()}


__all__ = ["Health", "measure_health", "table", "plan", "as_json"]
