"""Yearly campaign dates (item 22): 安全生产月, 消防宣传月, 5·12 and 6·16 drafted as notices every year.

Each `notice_schedule` row is a date in the year. `sync()` keeps exactly one waiting `start` job per active row,
at its next occurrence: a `notice_distribution` case with the row's title, body and target, started at 09:00 China
time a set number of working days before the date (by the official calendar, so a 调休 make-up working day counts).
It runs when a row is added, edited or deleted, at `safeloop init`, when `notice_distribution` is redeployed, and
after any scheduled notice fires (engine.runtime.schedules), so next year's occurrence is always queued. An occurrence
counts as done once a case with its business key exists; one whose date has passed unfired is skipped.
Reading and editing the dates (the admin page) is `engine.campaign.campaign_date_admin`.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime, time
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..runtime import audit, clock, definitions, schedules, workdays
from ..runtime.db import unit_of_work
from ..runtime.models import Job, ProcessDefinition, ProcessInstance
from . import notice_schedule
from .campaign_models import NoticeSchedule

PROCESS = "notice_distribution"
DRAFT_TIME = time(9, 0)
SEED_FILE = Path(__file__).parent.parent / "reference_data" / "campaign_dates.json"
TARGET_TYPES = ("all", "industries", "risk_grades")
RISK_GRADES = ("red", "orange", "yellow", "blue")
WAITING = ("pending", "paused")
FIRED = ("done", "running", "incident")


@dataclass(frozen=True)
class Occurrence:
    """One year's campaign date, the day its notice is drafted, and the case's business key."""

    key: str
    on: date
    draft_on: date

    @property
    def business_key(self) -> str:
        return f"campaign@{self.key}@{self.on.isoformat()}"

    @property
    def due_at(self) -> datetime:
        return datetime.combine(self.draft_on, DRAFT_TIME, tzinfo=clock.CHINA_TZ)


def next_occurrence(row: NoticeSchedule, today: date, done: frozenset[str] | set[str] = frozenset()) -> Occurrence | None:
    """The first occurrence still to draft: its date is after `today` and its business key not in `done`."""
    calendar = workdays.load()
    for year in range(today.year, today.year + 9):  # 9 years always holds a 29 February
        try:
            on = date(year, row.month, row.day)
        except ValueError:
            continue
        found = Occurrence(row.key, on, calendar.add_working_days(on, -row.lead_working_days))
        if on > today and found.business_key not in done:
            return found
    return None


def start_data(row: NoticeSchedule, year: int) -> dict[str, Any]:
    """The prefilled start data of the notice case ("{year}" in title and body becomes the year)."""
    data: dict[str, Any] = {"title": row.title.replace("{year}", str(year)), "body": row.body.replace("{year}", str(year)),
                            "target_type": row.target_type, "campaign": row.key}
    if row.target_type != "all":
        data[f"target_{row.target_type}"] = list(row.target_values or [])
    return data


# --- keeping the jobs in step ------------------------------------------------------------------------------------

def _start(row: NoticeSchedule, found: Occurrence) -> dict[str, Any]:
    """What the occurrence's start job carries besides its process version."""
    return {"business_key": found.business_key, "campaign": row.key, "data": start_data(row, found.on.year)}


def _done_keys(s: Session, jobs: list[Job]) -> set[str]:
    cases = s.scalars(select(ProcessInstance.business_key).where(ProcessInstance.process_key == PROCESS,
                                                                  ProcessInstance.business_key.like("campaign@%")))
    return {k for k in cases if k} | {j.payload.get("business_key") for j in jobs if j.status in FIRED}


def campaign_jobs(s: Session) -> dict[str, list[Job]]:
    jobs = s.scalars(select(Job).where(Job.kind == "start", Job.definition_key == PROCESS,
                                       Job.status.in_(WAITING + FIRED)).order_by(Job.id))
    out: dict[str, list[Job]] = {}
    for job in jobs:
        if (job.payload or {}).get("campaign"):
            out.setdefault(job.payload["campaign"], []).append(job)
    return out


def _cancel(s: Session, job: Job, reason: str) -> None:
    job.status = "cancelled"
    audit.record(s, "schedule.cancel", actor="system", after={"job": job.id, "business_key": job.payload.get("business_key"),
                                                              "reason": reason})


def _sync_one(s: Session, row: NoticeSchedule | None, definition: ProcessDefinition, jobs: list[Job],
              done: set[str], today: date) -> str | None:
    waiting = [j for j in jobs if j.status in WAITING and j.payload.get("business_key") not in done]
    found = next_occurrence(row, today, done) if row is not None and row.active else None
    for extra in waiting[1 if found else 0:]:
        _cancel(s, extra, "inactive or removed" if found is None else "duplicate")
    if found is None or row is None:
        return None
    start = _start(row, found)
    payload = {"definition_id": definition.id, "index": 0, **start}
    job = waiting[0] if waiting else None
    if job is not None and job.payload == payload and job.due_at == found.due_at:
        return None
    if job is None:
        schedules.queue_start(s, definition, found.due_at, **start)
        action, before = "schedule.queue", None
    else:
        before = {"business_key": job.payload.get("business_key"), "due_at": job.due_at.isoformat()}
        job.payload, job.due_at = payload, found.due_at  # a paused job stays paused, at its new time
        action = "schedule.requeue"
    audit.record(s, action, actor="system", before=before,
                 after={"process": PROCESS, "business_key": found.business_key, "due_at": found.due_at.isoformat()})
    return found.business_key


def sync(s: Session) -> list[str]:
    """Queue or move each campaign date's waiting job to its next occurrence; returns the business keys changed."""
    definition = definitions.latest(s, PROCESS)
    if definition is None:
        return []
    today = clock.now().astimezone(clock.CHINA_TZ).date()
    jobs = campaign_jobs(s)
    done = _done_keys(s, [j for js in jobs.values() for j in js])
    rows = {r.key: r for r in s.scalars(select(NoticeSchedule))}
    changed = [_sync_one(s, rows.get(key), definition, jobs.get(key, []), done, today) for key in rows.keys() | jobs.keys()]
    return sorted(k for k in changed if k)


def queue_campaign_dates() -> list[str]:
    """`sync` in its own unit of work (for `safeloop init` and the CLI)."""
    with unit_of_work() as s:
        return sync(s)


def seed() -> list[str]:
    """At `safeloop init`: the four campaign dates of item 22 when none exist yet, then `sync`."""
    with unit_of_work() as s:
        if not s.scalar(select(func.count()).select_from(NoticeSchedule)):
            now = clock.now()
            for item in json.loads(SEED_FILE.read_text(encoding="utf-8")):
                s.add(NoticeSchedule(**item, target_type="all", target_values=[], active=True, created_at=now,
                                     updated_at=now))
            s.flush()
            audit.record(s, "notice_schedule.seed", actor="system", after={"file": SEED_FILE.name})
        return sync(s)


__all__ = ["PROCESS", "TARGET_TYPES", "RISK_GRADES", "WAITING", "Occurrence", "next_occurrence", "start_data",
           "campaign_jobs", "sync", "queue_campaign_dates", "seed"]


@schedules.on_scheduled_start
def _keep_queued(s: Session, definition: ProcessDefinition, fired: bool) -> None:
    """After a queued notice fired (or its process was redeployed): queue the next campaign dates and holidays.

    This is what keeps next year's 安全生产月 notice, and holidays beyond the first horizon, queued on a server
    that is never re-initialised: every holiday warning or campaign notice that fires tops the queue up."""
    if definition.key != PROCESS:
        return
    sync(s)
    if fired:
        notice_schedule.queue_in(s)
