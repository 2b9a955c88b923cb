"""The quarterly progress report's figures (保障措施一), counted by the registers for the report's quarter.

`quarterly_progress_report` calls `register_figures(period)` from a script task just before the section chief's
drafting step, so the form opens pre-filled; staff write the narrative and may correct a figure, and the register's
figure stays beside it (`register_*`, read-only on the form). The runtime knows nothing of this: the function is
registered with `scripting.register_function` when the campaign layer is imported, like any domain function.

| field | register, filters | figure |
|---|---|---|
| `major_open`, `general_open` | hazards, level | not yet struck off, now |
| `major_overdue` | hazards, major | past the deadline, now |
| `major_closed`, `general_closed` | hazards, level, settled in the quarter | struck off (已销号) in the quarter |
| `major_new` | hazards, major, the quarter | reported in the quarter (withdrawn left out) |
| `inspections_done` | inspections, settled in the quarter | inspections completed in the quarter (家次) |
| `referrals` | referrals, the quarter | referrals started in the quarter (withdrawn left out) |
| `training_coverage` | training, the quarter's year | the dashboard's training tile, in % (left empty for 0 ÷ 0) |
"""
from __future__ import annotations

import re
from datetime import date
from typing import Any

from ..runtime import scripting
from ..runtime.errors import BadRequest
from ..runtime.views import SYSTEM, Actor
from . import plan_progress, registers
from .registers import Filters

FIELDS = ("major_open", "major_closed", "major_new", "major_overdue", "general_open", "general_closed",
          "inspections_done", "referrals", "training_coverage")


def _quarter(period: str) -> tuple[int, int]:
    match = re.fullmatch(r"(20\d{2})Q([1-4])", str(period or ""))
    if not match:
        raise BadRequest("季度应写作 2025Q1", "The quarter is written like 2025Q1", {"period": period})
    return int(match.group(1)), int(match.group(2))


def quarter_figures(period: str, *, actor: Actor = SYSTEM, today: date | None = None) -> dict[str, Any]:
    """The report's figures for a quarter ("2025Q1"), as the registers count them for `actor` on `today`.

    Raises:
        BadRequest: the period is not a quarter.
    """
    year, quarter = _quarter(period)

    def count(kind: str, **f: Any) -> registers.Counts:
        return registers.counts(actor, kind, Filters(**f), today=today)

    major, general = count("hazards", variant="major"), count("hazards", variant="general")
    new = count("hazards", year=year, quarter=quarter, variant="major")
    referred = count("referrals", year=year, quarter=quarter)
    training = plan_progress.duty_tile(actor, "training", Filters(year=year), today=today)
    figures: dict[str, Any] = {
        "major_open": major.open + major.overdue, "major_overdue": major.overdue,
        "major_closed": count("hazards", year=year, quarter=quarter, variant="major", settled=True, state="done").due,
        "major_new": new.due - new.missed,
        "general_open": general.open + general.overdue,
        "general_closed": count("hazards", year=year, quarter=quarter, variant="general", settled=True,
                                state="done").due,
        "inspections_done": count("inspections", year=year, quarter=quarter, settled=True, state="done").due,
        "referrals": referred.due - referred.missed,
    }
    if training.rate is not None:
        figures["training_coverage"] = round(training.rate * 100, 1)
    return figures


def _for_script(period: str) -> dict[str, Any]:
    return quarter_figures(period)


scripting.register_function("register_figures", _for_script)

__all__ = ["FIELDS", "quarter_figures"]
