"""What-if (issue 19 §2): run a draft of a process against the campaign simulator and compare it with the deployed
version side by side — cases closed, median time to close, overdue tasks, reminders, escalations per working day,
per-step overdue — so an owner sees that shortening a deadline doubles the escalations before anyone is escalated.

The last N months (1–12, default 3) are replayed: the volume of cases and each step's delays come from the live
database (engine.campaign.what_if_basis), the same seeded arrivals are played twice, each in its own scratch database
(engine.runtime.scratch_db): once with the latest deployed version, once with the draft (engine.campaign.what_if_run). Nothing is
written to the live tables. A comparison is bounded: at most `MAX_CASES` cases and `TIME_LIMIT_SECONDS` of wall
time in all, reading and copying included; beyond that it stops and says so (`partial`: the draft's run ends at
half the time, the deployed version's run then covers the same simulated period). Deterministic for a given seed.
"""
from __future__ import annotations

import math
import random
import time as wall
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from typing import Any

from ..runtime import bpmn_xml, clock, db, definitions, path_tests, scratch_db, workdays
from ..runtime.db import unit_of_work
from ..runtime.errors import BadRequest
from . import what_if_basis
from .what_if_basis import Basis
from .what_if_run import SIMULATED, Arrival, Run, RunFigures

DEFAULT_MONTHS = 3
MAX_MONTHS = 12
MAX_CASES = 300
TIME_LIMIT_SECONDS = 50.0  # in all, so that the answer arrives within a minute (proxy and gunicorn timeouts)
MAX_SEED = 2**31 - 1
# measure → (Chinese label, English label, is a higher figure worse?)
MEASURES = {
    "cases_started": ("开始事项", "Cases started", None),
    "cases_closed": ("办结事项", "Cases closed", False),
    "median_close_hours": ("办结时长中位数（小时）", "Median time to close (hours)", True),
    "overdue_tasks": ("逾期任务", "Overdue tasks", True),
    "reminders": ("到期提醒", "Reminders", True),
    "escalations": ("逾期督办", "Escalations", True),
    "escalations_per_working_day": ("每工作日督办", "Escalations per working day", True),
    "cases_errored": ("出错事项", "Cases with an incident", True),
}


@dataclass(frozen=True)
class WhatIf:
    key: str
    name: str
    seed: int
    months: int
    basis: Basis
    deployed: RunFigures
    draft: RunFigures
    arrivals: int
    capped: bool  # more cases would have arrived than MAX_CASES
    notes_zh: list[str] = field(default_factory=list)
    notes_en: list[str] = field(default_factory=list)

    @property
    def partial(self) -> bool:
        return self.capped or self.deployed.partial or self.draft.partial

    def rows(self) -> list[dict[str, Any]]:
        """One row per measure: both figures, the difference and the ratio, and whether the draft is worse."""
        out = []
        for measure, (zh, en, higher_worse) in MEASURES.items():
            a, b = getattr(self.deployed, measure), getattr(self.draft, measure)
            out.append({"measure": measure, "label_zh": zh, "label_en": en, "deployed": a, "draft": b,
                        **_difference(a, b, higher_worse)})
        return out

    def step_rows(self) -> list[dict[str, Any]]:
        """Per step: tasks and overdue tasks in both runs (a step only one version has shows 0 in the other)."""
        deployed = {s.element_id: s for s in self.deployed.steps}
        draft = {s.element_id: s for s in self.draft.steps}
        out = []
        for element in dict.fromkeys([*deployed, *draft]):
            a, b = deployed.get(element), draft.get(element)
            out.append({"element_id": element, "name": (b or a).name,  # type: ignore[union-attr]
                        "deployed_tasks": a.tasks if a else 0, "draft_tasks": b.tasks if b else 0,
                        "deployed_overdue": a.overdue if a else 0, "draft_overdue": b.overdue if b else 0,
                        "deployed_escalations": a.escalations if a else 0,
                        "draft_escalations": b.escalations if b else 0,
                        **_difference(a.overdue if a else 0, b.overdue if b else 0, True)})
        return out

    def as_json(self) -> dict[str, Any]:
        return {"key": self.key, "name": self.name, "seed": self.seed, "months": self.months,
                "partial": self.partial, "capped": self.capped, "arrivals": self.arrivals,
                "limits": {"max_cases": MAX_CASES, "seconds": TIME_LIMIT_SECONDS},
                "basis": self.basis.as_json(), "measures": self.rows(), "steps": self.step_rows(),
                "deployed": self.deployed.as_json(), "draft": self.draft.as_json(),
                "notes_zh": self.notes_zh, "notes_en": self.notes_en}


def _difference(a: float | None, b: float | None, higher_worse: bool | None) -> dict[str, Any]:
    if a is None or b is None:
        return {"difference": None, "ratio": None, "change": "unknown"}
    ratio = round(b / a, 2) if a else None
    difference = round(b - a, 2)
    if higher_worse is None or difference == 0:
        change = "same"
    else:
        change = "worse" if (difference > 0) == higher_worse else "better"
    return {"difference": difference, "ratio": ratio, "change": change}


def check_input(months: Any, seed: Any) -> tuple[int, int]:
    """Months 1–12 and a seed 0–2³¹−1; BadRequest otherwise (nothing has run)."""
    if isinstance(months, bool) or not isinstance(months, int) or not 1 <= months <= MAX_MONTHS:
        raise BadRequest(f"月数应为 1–{MAX_MONTHS} 的整数", f"months must be a whole number from 1 to {MAX_MONTHS}",
                         [{"field": "months", "message_zh": f"1–{MAX_MONTHS}", "message_en": f"1-{MAX_MONTHS}"}])
    if isinstance(seed, bool) or not isinstance(seed, int) or not 0 <= seed <= MAX_SEED:
        raise BadRequest("随机种子应为非负整数", "seed must be a non-negative whole number",
                         [{"field": "seed", "message_zh": "非负整数", "message_en": "a non-negative integer"}])
    return months, seed


def arrivals(basis: Basis, seed: int, codes: list[str], max_cases: int) -> tuple[list[Arrival], bool]:
    """Cases arriving on each working day of the period (Poisson with the observed mean), 08:30–17:30."""
    rng = random.Random(f"{seed}|arrivals")
    calendar = workdays.load()
    out: list[Arrival] = []
    day = basis.date_from
    while day < basis.date_to:
        if calendar.is_working_day(day):
            for _ in range(_poisson(rng, basis.per_working_day)):
                at = datetime.combine(day, time(8, 30), clock.CHINA_TZ) + timedelta(minutes=rng.randint(0, 540))
                code = rng.choice(codes) if codes else None
                if len(out) >= max_cases:
                    return sorted(out, key=lambda a: a.at), True
                out.append(Arrival(at, len(out) + 1, code))
        day += timedelta(days=1)
    return sorted(out, key=lambda a: (a.at, a.number)), False


def _poisson(rng: random.Random, mean: float) -> int:
    n, limit, product = 0, math.exp(-mean), rng.random()
    while product > limit:
        n, product = n + 1, product * rng.random()
    return n


def _draft_bpmn(key: str, bpmn: bytes | None, version: int | None) -> bytes:
    if (bpmn is None) == (version is None):
        raise BadRequest("请提供草稿流程图或一个版本号（二选一）", "Give either the draft's BPMN or a version, not both",
                         [{"field": "bpmn"}])
    draft = bpmn if bpmn is not None else definitions.get_bpmn(key, version).encode("utf-8")
    limit = db.settings().max_bpmn_bytes
    root = bpmn_xml.parse(bpmn_xml.as_utf8(draft, limit), limit)
    if path_tests.diagram_key(root) != key:
        raise BadRequest(f"流程图的流程 ID 不是 {key}", f"The diagram's process id is not {key}",
                         [{"field": "bpmn", "message_zh": "流程 ID 不符", "message_en": "process id differs"}])
    return draft


def compare(key: str, *, bpmn: bytes | None = None, version: int | None = None, months: Any = DEFAULT_MONTHS,
            seed: Any = 1, max_cases: int = MAX_CASES, time_limit: float = TIME_LIMIT_SECONDS) -> WhatIf:
    """Replay the last `months` months with the latest deployed version of `key` and with the draft (`bpmn`, or
    the stored `version`); the side-by-side figures.

    Raises:
        NotFound: the process or the version does not exist.
        BadRequest: bad months or seed, both or neither of bpmn and version, another process's diagram.
        DefinitionInvalid: the draft would not deploy (its problems listed).
    """
    began = wall.monotonic()
    months, seed = check_input(months, seed)
    path_tests.check_key(key)
    with unit_of_work(write=False) as s:
        deployed = definitions.load_definition(s, key)
        s.expunge(deployed)
    draft = _draft_bpmn(key, bpmn, version)
    basis = what_if_basis.read(deployed, months)
    rows = scratch_db.reference_rows()
    codes = sorted(e["code"] for e in rows.get("enterprise", []) if e.get("active", True))
    planned, capped = arrivals(basis, seed, codes, max_cases)
    start = datetime.combine(basis.date_from, time.min, clock.CHINA_TZ)
    end = datetime.combine(basis.date_to, time.min, clock.CHINA_TZ)

    def play(deploy: bytes | None, label: str, until: datetime, deadline: float) -> RunFigures:
        manual = clock.ManualClock(start)
        token = clock.set_clock(manual)
        try:
            with scratch_db.scratch(rows):
                if deploy is not None:
                    definitions.deploy(deploy, actor=SIMULATED.username, check_paths=False)
                run = Run(key, basis, planned, seed, manual, deadline)
                run.play(until)
                return run.figures(label)
        finally:
            clock.reset_clock(token)

    draft_figures = play(draft, "draft", end, began + time_limit / 2)
    reached = datetime.fromisoformat(draft_figures.simulated_until) if draft_figures.partial else end
    deployed_figures = play(None, f"v{deployed.version}", reached, began + time_limit)
    return WhatIf(key, deployed.name, seed, months, basis, deployed_figures, draft_figures, len(planned), capped,
                  *_notes(basis, capped, max_cases, draft_figures, deployed_figures, time_limit))


def _notes(basis: Basis, capped: bool, max_cases: int, draft: RunFigures, deployed: RunFigures,
           limit: float) -> tuple[list[str], list[str]]:
    zh, en = [], []
    if basis.volume_source == "default":
        zh.append(f"所选期间没有真实事项，按每工作日 {what_if_basis.DEFAULT_PER_DAY:g} 件估算")
        en.append(f"No real cases in the period: assumed {what_if_basis.DEFAULT_PER_DAY:g} per working day")
    elif basis.all_versions:
        zh.append(f"v{basis.version} 在所选期间没有事项，案件量取自该流程的所有版本")
        en.append(f"v{basis.version} had no cases in the period: volumes taken from every version of the process")
    guessed = [d.name for d in basis.steps.values() if d.source != "history"]
    if guessed:
        zh.append(f"以下环节历史数据不足 {what_if_basis.MIN_OBSERVED} 条，用时按期限估算：{'、'.join(guessed)}")
        en.append(f"Fewer than {what_if_basis.MIN_OBSERVED} completed tasks, durations guessed from the due time: "
                  + ", ".join(guessed))
    if capped:
        zh.append(f"事项数超过上限 {max_cases} 件，超出部分未模拟")
        en.append(f"More than {max_cases} cases would have arrived: the rest were not simulated")
    if draft.partial or deployed.partial:
        zh.append(f"超过 {limit:.0f} 秒时限，只模拟到 {draft.simulated_until[:10]}")
        en.append(f"The {limit:.0f}-second limit was reached: simulated up to {draft.simulated_until[:10]}")
    return zh, en
