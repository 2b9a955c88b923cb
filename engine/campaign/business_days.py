"""An enterprise's business days (营业日): the days its daily self-check is due (issue 16, item 8).

One function answers "is this enterprise due on day D" — `is_due(rule, day)` — for the dispatcher
(`enterprises(open_on=day)` in scripts), the self-check figures and register (`closed_days`, the same rule as SQL),
the dashboard (through the figures) and the simulator (through the dispatcher).

A rule is one of:

| rule | 中文 | due on |
|---|---|---|
| `every_day` | 每天营业 | every day, weekends and public holidays included (catering, retail, fuel stations) |
| `working_days` | 工作日营业 | official working days: weekdays not public holidays, and 调休 make-up days |
| `days:1,2,3,4,5,6[;holidays]` | 自定义 | the ISO weekdays listed (1 = Monday … 7 = Sunday); a public holiday |
|   |   | only with `;holidays`; a 调休 make-up day counts by its weekday |

An enterprise's own rule (`enterprise.business_days`) wins; NULL follows its industry's `business_days` in
`reference_data/industries.json` (`working_days` when the industry names none).
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache
from pathlib import Path
from typing import Any

from ..runtime import workdays

EVERY_DAY = "every_day"
WORKING_DAYS = "working_days"
DEFAULT = WORKING_DAYS
_CUSTOM = re.compile(r"^days:([1-7](?:,[1-7]){0,6})(;holidays)?$")
WEEKDAY_ZH = ("周一", "周二", "周三", "周四", "周五", "周六", "周日")
WORDS = {"每天营业": EVERY_DAY, "每天": EVERY_DAY, "全年无休": EVERY_DAY, "工作日营业": WORKING_DAYS, "工作日": WORKING_DAYS}
_HOLIDAY_WORDS = ("节假日营业", "节假日照常营业", "含节假日")
INDUSTRIES_FILE = Path(__file__).parent.parent / "reference_data" / "industries.json"


@dataclass(frozen=True)
class Rule:
    """A parsed rule: the weekdays open (0 = Monday, as `date.weekday()`), whether public holidays are open, and
    whether the official calendar decides (`working_days`)."""

    key: str
    weekdays: frozenset[int]
    holidays: bool
    official: bool = False

    def is_due(self, day: date, calendar: workdays.HolidayCalendar) -> bool:
        if self.official:
            return calendar.is_working_day(day)
        if day in calendar.off and not self.holidays:
            return False
        return day.weekday() in self.weekdays


def parse(rule: str) -> Rule:
    """The rule for a stored key.

    Raises:
        ValueError: not a rule this module knows (the message is Chinese, for a form or an import row).
    """
    text = (rule or "").strip()
    if text == EVERY_DAY:
        return Rule(EVERY_DAY, frozenset(range(7)), True)
    if text == WORKING_DAYS:
        return Rule(WORKING_DAYS, frozenset(range(5)), False, official=True)
    match = _CUSTOM.match(text)
    if not match:
        raise ValueError("应为每天营业、工作日营业，或“自定义”：周一至周日中选定的营业日（可加“节假日营业”）")
    days = sorted({int(d) for d in match.group(1).split(",")})
    key = "days:" + ",".join(str(d) for d in days) + (";holidays" if match.group(2) else "")
    return Rule(key, frozenset(d - 1 for d in days), bool(match.group(2)))


def custom(weekdays: list[int] | tuple[int, ...] | set[int], holidays: bool) -> str:
    """The stored key of a custom rule: ISO weekdays (1–7) and whether public holidays are open.

    Raises:
        ValueError: no weekday, or one outside 1–7.
    """
    days = sorted({int(d) for d in weekdays})
    if not days or days[0] < 1 or days[-1] > 7:
        raise ValueError("自定义营业日至少选择一天（周一至周日）")
    return parse("days:" + ",".join(map(str, days)) + (";holidays" if holidays else "")).key


def normalise(value: Any) -> str | None:
    """A stored key for what a form or an import cell says: blank → None (follow the industry); a key
    (`every_day`, `working_days`, `days:…`) or the Chinese words 每天营业 / 工作日营业, or 自定义 weekdays written
    like `周一至周六` / `周一,周三,周五` with an optional `节假日营业`.

    Raises:
        ValueError: anything else.
    """
    text = str(value or "").strip()
    if not text or text in ("按行业", "行业默认", "默认"):
        return None
    if text in WORDS:
        return WORDS[text]
    try:
        return parse(text).key
    except ValueError:
        pass
    return _from_words(text)


def _from_words(text: str) -> str:
    holidays = any(w in text for w in _HOLIDAY_WORDS)
    for w in _HOLIDAY_WORDS:
        text = text.replace(w, "")
    text = text.replace("自定义", "").replace("营业", "").replace("星期", "周").strip(" :：;；,，、")
    names = {n: i + 1 for i, n in enumerate(WEEKDAY_ZH)} | {"周天": 7}
    days: set[int] = set()
    for part in re.split(r"[,，、;；\s]+", text):
        if not part:
            continue
        span = re.fullmatch(r"(周.)[至到\-~](周.)", part)
        if span and span.group(1) in names and span.group(2) in names:
            first, last = names[span.group(1)], names[span.group(2)]
            if first > last:
                raise ValueError(f"营业日范围无效：{part}")
            days.update(range(first, last + 1))
        elif part in names:
            days.add(names[part])
        else:
            raise ValueError("应为每天营业、工作日营业，或“自定义”：周一至周日中选定的营业日（可加“节假日营业”）")
    return custom(days, holidays)


def describe(rule: str) -> tuple[str, str]:
    """(Chinese, English) words for a rule, for pages and exports."""
    r = parse(rule)
    if r.key == EVERY_DAY:
        return "每天营业（含周末、节假日）", "Every day (weekends and holidays included)"
    if r.key == WORKING_DAYS:
        return "工作日营业（按法定节假日和调休）", "Working days (official holidays and make-up days)"
    names_en = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
    zh = "、".join(WEEKDAY_ZH[d] for d in sorted(r.weekdays))
    en = ", ".join(names_en[d] for d in sorted(r.weekdays))
    if r.holidays:
        return f"自定义：{zh}（节假日营业）", f"Custom: {en} (open on holidays)"
    return f"自定义：{zh}（节假日休息）", f"Custom: {en} (closed on holidays)"


@lru_cache(maxsize=1)
def industry_defaults() -> dict[str, str]:
    """industry key → its default rule, from industries.json (checked: a bad rule there fails loudly)."""
    rows = json.loads(INDUSTRIES_FILE.read_text(encoding="utf-8"))
    return {row["key"]: parse(row.get("business_days") or DEFAULT).key for row in rows}


def effective(own: str | None, industry: str | None) -> str:
    """The rule that applies: the enterprise's own, else its industry's default, else `working_days`."""
    if own:
        return own
    return industry_defaults().get(industry or "", DEFAULT)


def is_due(rule: str, day: date, calendar: workdays.HolidayCalendar | None = None) -> bool:
    """Whether an enterprise with this rule owes its daily self-check on `day`."""
    return _rule(rule).is_due(day, calendar or workdays.load())


@lru_cache(maxsize=512)
def _rule(rule: str) -> Rule:
    return parse(rule)


def is_enterprise_due(own: str | None, industry: str | None, day: date,
                      calendar: workdays.HolidayCalendar | None = None) -> bool:
    """`is_due` for an enterprise given its own rule (may be None) and its industry."""
    return is_due(effective(own, industry), day, calendar)


def closed_days(rule: str, start: date, end: date, calendar: workdays.HolidayCalendar | None = None) -> list[date]:
    """The days from `start` to `end` (both included) on which the rule owes no check."""
    calendar = calendar or workdays.load()
    r = _rule(rule)
    return [start + timedelta(days=n) for n in range((end - start).days + 1)
            if not r.is_due(start + timedelta(days=n), calendar)]
