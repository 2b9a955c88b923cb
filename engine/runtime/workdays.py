"""Working days by the official Chinese calendar: weekends and public holidays off, 调休 on."""
from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache
from pathlib import Path

DEFAULT_FILE = Path(__file__).parent.parent / "reference_data" / "cn-public-holidays.json"


@dataclass(frozen=True)
class HolidayCalendar:
    """Days off and make-up working days (调休), by date."""

    off: dict[date, str]
    work: dict[date, str]

    def is_working_day(self, day: date) -> bool:
        """True on a working day: a weekday that is not a holiday, or a make-up working day."""
        if day in self.work:
            return True
        return day.weekday() < 5 and day not in self.off

    def add_working_days(self, start: date, count: int) -> date:
        """The date `count` working days after `start` (before it when negative)."""
        step = 1 if count >= 0 else -1
        day, remaining = start, abs(count)
        while remaining:
            day += timedelta(days=step)
            if self.is_working_day(day):
                remaining -= 1
        return day

    def holiday_periods(self) -> list[tuple[str, date, date]]:
        """(name, first day, last day) for each run of consecutive holiday days."""
        periods: list[tuple[str, date, date]] = []
        for day in sorted(self.off):
            name = self.off[day]
            if periods and periods[-1][0] == name and periods[-1][2] + timedelta(days=1) >= day - timedelta(days=3):
                if (day - periods[-1][2]).days <= 3:
                    periods[-1] = (name, periods[-1][1], day)
                    continue
            periods.append((name, day, day))
        return periods


@lru_cache(maxsize=4)
def load(path: str | None = None) -> HolidayCalendar:
    """Read a holiday file shaped {years: {YYYY: {off: [{date, name}], work: [{date, name}]}}}."""
    raw = json.loads(Path(path or DEFAULT_FILE).read_text(encoding="utf-8"))
    off: dict[date, str] = {}
    work: dict[date, str] = {}
    for year in raw["years"].values():
        off.update({date.fromisoformat(d["date"]): d.get("name", "") for d in year.get("off", [])})
        work.update({date.fromisoformat(d["date"]): d.get("name", "") for d in year.get("work", [])})
    return HolidayCalendar(off=off, work=work)
