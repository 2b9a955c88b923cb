"""The steps a case has taken and the one it is at, as a list: what a phone shows above the diagram (whose labels
are too small there to read). No `bp` here: the case pages use it."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import engine

SHOWN = 10  # the latest steps listed; earlier ones are counted


@dataclass(frozen=True)
class StepTaken:
    name: str
    at: datetime


@dataclass(frozen=True)
class CaseSteps:
    taken: tuple[StepTaken, ...]  # the latest SHOWN completed steps, oldest first
    earlier: int  # completed steps before those
    current: tuple[str, ...]  # the open steps (and a failed one), by name
    closed: bool


def case_steps(history: list[engine.HistoryEntry], case: engine.InstanceView, names: dict[str, str]) -> CaseSteps:
    """The path so far from the case's audit trail, and its current steps (`names`: element id → name)."""
    taken = [StepTaken(names.get(str(h.before["task"]), str(h.before["task"])), h.at) for h in history
             if h.action == "task.complete" and isinstance(h.before, dict) and h.before.get("task")]
    current = [t.name for t in case.open_tasks]
    if case.error_element:
        current.append(names.get(case.error_element, case.error_element))
    return CaseSteps(tuple(taken[-SHOWN:]), max(0, len(taken) - SHOWN), tuple(dict.fromkeys(current)),
                     case.status in ("completed", "terminated"))
