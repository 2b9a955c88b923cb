"""Holiday safety warnings (节前安全提醒, item 23): a `notice_distribution` case drafted automatically a set
number of working days before each public holiday in `reference_data/cn-public-holidays.json`.

`queue_holiday_warnings()` queues one scheduled `start` job per coming holiday (idempotent: a holiday already
queued, fired or paused is skipped; one whose job a redeploy cancelled is queued again). Each job starts a
`notice_distribution` case at 09:00 China time on the drafting day with a prefilled title, body and target (all
enterprises); the bureau then edits, approves and publishes it like any notice. Working days follow the official
calendar, so a make-up working day (调休) counts and a weekend inside the lead time does not.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..runtime import audit, clock, definitions, schedules, workdays
from ..runtime.db import unit_of_work
from ..runtime.models import Job

PROCESS = "notice_distribution"
DEFAULT_LEAD_WORKING_DAYS = 3
DRAFT_TIME = time(9, 0)
HORIZON_DAYS = 400


@dataclass(frozen=True)
class HolidayWarning:
    """One holiday's warning: when it is drafted and the case's business key."""

    holiday: str
    first_day: date
    last_day: date
    draft_on: date

    @property
    def business_key(self) -> str:
        return f"holiday_warning@{self.first_day.isoformat()}"

    def data(self) -> dict[str, str]:
        """The prefilled start data of the notice case."""
        title = f"关于做好{self.first_day.year}年{self.holiday}期间安全防范工作的通知"
        body = (f"{self.holiday}假期为{self.first_day.isoformat()}至{self.last_day.isoformat()}。请各单位在节前开展一次"
                "安全自查，重点检查消防通道、燃气和电气设备、危险化学品储存，落实节日期间值班值守和应急处置措施。")
        return {"title": title, "body": body, "target_type": "all", "holiday": self.holiday}


def upcoming(today: date, lead_working_days: int = DEFAULT_LEAD_WORKING_DAYS,
             horizon_days: int = HORIZON_DAYS) -> list[HolidayWarning]:
    """The warnings still to draft: holidays starting after `today` whose drafting day is not before it."""
    calendar = workdays.load()
    out = []
    for name, first, last in calendar.holiday_periods():
        if first <= today or first > today + timedelta(days=horizon_days):
            continue
        draft_on = calendar.add_working_days(first, -lead_working_days)
        if draft_on >= today:
            out.append(HolidayWarning(name, first, last, draft_on))
    return out


def queue_holiday_warnings(lead_working_days: int = DEFAULT_LEAD_WORKING_DAYS,
                           horizon_days: int = HORIZON_DAYS) -> list[HolidayWarning]:
    """Queue a start job for each coming holiday not queued yet; returns the warnings newly queued."""
    if not 1 <= lead_working_days <= 30:
        raise ValueError("lead_working_days must be 1–30")
    with unit_of_work() as s:
        return queue_in(s, lead_working_days, horizon_days)


def queue_in(s: Session, lead_working_days: int = DEFAULT_LEAD_WORKING_DAYS,
             horizon_days: int = HORIZON_DAYS) -> list[HolidayWarning]:
    """`queue_holiday_warnings` inside the caller's unit of work (engine.runtime.schedules tops up after each notice fires)."""
    today = clock.now().astimezone(clock.CHINA_TZ).date()
    queued = []
    definition = definitions.latest(s, PROCESS)
    if definition is None:
        return []
    jobs = s.scalars(select(Job).where(Job.kind == "start", Job.definition_key == PROCESS,
                                       Job.status.in_(("pending", "paused", "done", "running", "incident"))))
    taken = {(j.payload or {}).get("business_key") for j in jobs}
    for warning in upcoming(today, lead_working_days, horizon_days):
        if warning.business_key in taken:
            continue
        when = datetime.combine(warning.draft_on, DRAFT_TIME, tzinfo=clock.CHINA_TZ)
        schedules.queue_start(s, definition, when, business_key=warning.business_key, data=warning.data())
        audit.record(s, "schedule.queue", actor="system",
                     after={"process": PROCESS, "business_key": warning.business_key,
                            "due_at": when.isoformat()})
        queued.append(warning)
    return queued
