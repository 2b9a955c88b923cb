"""The campaign's lookups for scripts and expressions: `enterprises(industry, category, open_on)`, `staff(code)` and
`covered_small_venues()`. Registered with `scripting.register_function` when the campaign layer is imported; each
reads in the running step's own session (`scripting.step_session()`), and answers nothing outside a step (a
deploy-time check), as the runtime's defaults did before the layers were split (issue 17)."""
from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import select

from ..runtime import clock, scripting, workdays
from ..runtime.models import Enterprise
from . import business_days, staff, training_coverage


def enterprises(industry: str | list[str] | None = None, category: str | None = None,
                open_on: str | None = None) -> list[dict[str, Any]]:
    """Active enterprises, optionally of some industries or a category; with `open_on` (an ISO date) only those
    whose business days (`business_days`) owe a daily self-check that day."""
    s = scripting.step_session()
    if s is None:
        return []
    stmt = select(Enterprise).where(Enterprise.active.is_(True)).order_by(Enterprise.code)
    if industry:
        stmt = stmt.where(Enterprise.industry_key.in_([industry] if isinstance(industry, str) else list(industry)))
    if category:
        stmt = stmt.where(Enterprise.category == category)
    found = list(s.scalars(stmt))
    if open_on is not None:  # the daily self-check's business days: one rule for dispatcher and figures
        day, calendar = date.fromisoformat(str(open_on)[:10]), workdays.load()
        found = [e for e in found if business_days.is_enterprise_due(e.business_days, e.industry_key, day, calendar)]
    return [{"code": e.code, "name": e.name, "industry": e.industry_key, "category": e.category,
             "risk_grade": e.risk_grade, "township": e.township, "scale": e.scale,
             "small_venue": e.scale == "small_venue" or e.category == "small_venue",
             "standard_grade": e.standard_grade, "benchmark": bool(e.benchmark),
             "business_days": business_days.effective(e.business_days, e.industry_key)} for e in found]


def roster(enterprise_code: str) -> list[dict[str, Any]]:
    """An enterprise's staff (the training's attendees)."""
    s = scripting.step_session()
    return [] if s is None else staff.roster(s, str(enterprise_code or ""))


def covered_small_venues() -> list[str]:
    """Small venues already trained in an earlier year (trained once in the three years)."""
    s = scripting.step_session()
    if s is None:
        return []
    year = clock.now().astimezone(clock.CHINA_TZ).year
    return sorted(training_coverage.covered_small_venues(s, year + 1))


scripting.register_function("enterprises", enterprises)
scripting.register_function("staff", roster)
scripting.register_function("covered_small_venues", covered_small_venues)
