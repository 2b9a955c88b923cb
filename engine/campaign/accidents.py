"""Accidents and near misses (事故 / 险情) per year and level: the goal "zero serious accidents" as a figure.

The records are `accident_report` cases, listed by the register kind `accidents` (dated by when they were reported);
these counts are that register's, split by level, so a figure means the same on every page.
"""
from __future__ import annotations

from dataclasses import dataclass

from ..runtime.views import Actor
from . import registers

LEVELS = ("general", "larger", "major", "especially_major", "near_miss")
LEVEL_NAMES = {"general": ("一般事故", "General"), "larger": ("较大事故", "Larger"), "major": ("重大事故", "Major"),
               "especially_major": ("特别重大事故", "Especially major"), "near_miss": ("险情", "Near miss")}
SERIOUS = ("major", "especially_major")  # 重特大事故: the goal is none of them

__all__ = ["LEVELS", "LEVEL_NAMES", "SERIOUS", "YearCounts", "yearly_counts"]


@dataclass(frozen=True)
class YearCounts:
    """One year's records by level (every record, verified or not), and how many are serious."""

    year: int
    by_level: dict[str, int]

    @property
    def accidents(self) -> int:
        return sum(n for level, n in self.by_level.items() if level != "near_miss")

    @property
    def serious(self) -> int:
        return sum(self.by_level.get(level, 0) for level in SERIOUS)


def yearly_counts(actor: Actor, years: tuple[int, ...], *, industry: str | None = None,
                  enterprise_code: str | None = None) -> tuple[YearCounts, ...]:
    """Records per year and level, scoped like the register (an enterprise user: its own)."""
    return tuple(YearCounts(year, {level: registers.counts(actor, "accidents", registers.Filters(
        year=year, variant=level, industry=industry, enterprise_code=enterprise_code)).due for level in LEVELS})
        for year in years)
