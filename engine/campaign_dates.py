"""Yearly campaign dates (item 22): 安全生产月, 消防宣传月, 5·12 and 6·16 drafted as notices every year.

Each `notice_schedule` row is a date in the year. `sync()` keeps exactly one waiting `start` job per active row,
at its next occurrence: a `notice_distribution` case with the row's title, body and target, started at 09:00 China
time a set number of working days before the date (by the official calendar, so a 调休 make-up working day counts).
It runs when a row is added, edited or deleted, at `safeloop init`, when `notice_distribution` is redeployed, and
after any scheduled notice fires (engine.schedules), so next year's occurrence is always queued. An occurrence
counts as done once a case with its business key exists; one whose date has passed unfired is skipped.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import date, datetime, time
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from . import audit, clock, definitions, schedules, workdays
from .admin import require_admin, require_reader
from .db import unit_of_work
from .errors import BadRequest, Conflict, not_found
from .models import Industry, Job, NoticeSchedule, ProcessDefinition, ProcessInstance
from .views import Actor

PROCESS = "notice_distribution"
DRAFT_TIME = time(9, 0)
SEED_FILE = Path(__file__).parent / "reference_data" / "campaign_dates.json"
TARGET_TYPES = ("all", "industries", "risk_grades")
RISK_GRADES = ("red", "orange", "yellow", "blue")
WAITING = ("pending", "paused")
FIRED = ("done", "running", "incident")
FIELDS = ("name_zh", "name_en", "month", "day", "lead_working_days", "title", "body", "target_type", "target_values",
          "active")
_KEY = re.compile(r"^[a-z][a-z0-9_]{1,39}$")


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


@dataclass(frozen=True)
class CampaignDate:
    """A yearly campaign date as the admin page shows it, with its next queued occurrence."""

    key: str
    name_zh: str
    name_en: str
    month: int
    day: int
    lead_working_days: int
    title: str
    body: str
    target_type: str
    target_values: tuple[str, ...]
    active: bool
    next_date: date | None
    next_run: datetime | None
    job_id: int | None
    job_status: str | None


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


def _campaign_jobs(s: Session) -> dict[str, list[Job]]:
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
    jobs = _campaign_jobs(s)
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


# --- reading and editing ---------------------------------------------------------------------------------------

def _view(row: NoticeSchedule, job: Job | None) -> CampaignDate:
    on = job.payload.get("business_key", "").rsplit("@", 1)[-1] if job else None
    return CampaignDate(row.key, row.name_zh, row.name_en, row.month, row.day, row.lead_working_days, row.title,
                        row.body, row.target_type, tuple(row.target_values or ()), row.active,
                        date.fromisoformat(on) if on else None, job.due_at if job else None,
                        job.id if job else None, job.status if job else None)


def list_campaign_dates(actor: Actor) -> list[CampaignDate]:
    """Every yearly campaign date, in calendar order, with its waiting job (administrators and auditors)."""
    require_reader(actor)
    with unit_of_work(write=False) as s:
        jobs = _campaign_jobs(s)
        rows = s.scalars(select(NoticeSchedule).order_by(NoticeSchedule.month, NoticeSchedule.day, NoticeSchedule.key))
        return [_view(r, next((j for j in jobs.get(r.key, []) if j.status in WAITING), None)) for r in rows]


def _problem(field: str, zh: str, en: str) -> BadRequest:
    return BadRequest(zh, en, [{"field": field, "message_zh": zh, "message_en": en}])


def _int(fields: dict[str, Any], name: str, low: int, high: int, zh: str, en: str) -> int:
    try:
        value = int(str(fields.get(name, "")).strip())
    except ValueError:
        value = low - 1
    if not low <= value <= high:
        raise _problem(name, zh, en)
    return value


def _targets(s: Session, target_type: str, values: Any) -> list[str]:
    if target_type not in TARGET_TYPES:
        raise _problem("target_type", "发送范围须为全部企业、按行业或按风险等级", "Send to must be all, industries or risk_grades")
    items = [str(v).strip() for v in (values or []) if str(v).strip()]
    known = set(RISK_GRADES) if target_type == "risk_grades" else set(s.scalars(select(Industry.key)))
    if target_type != "all" and (not items or set(items) - known):
        raise _problem("target_values", "请选择至少一个有效的行业或风险等级", "Choose at least one valid industry or risk grade")
    return [] if target_type == "all" else sorted(set(items))


def _validated(s: Session, fields: dict[str, Any]) -> dict[str, Any]:
    month = _int(fields, "month", 1, 12, "月份须为 1–12", "Month must be 1–12")
    day = _int(fields, "day", 1, 31, "日期须为 1–31", "Day must be 1–31")
    try:
        date(2024, month, day)  # a leap year: 29 February is allowed and occurs in leap years only
    except ValueError:
        raise _problem("day", f"{month}月没有{day}日", f"There is no day {day} in month {month}") from None
    lead = _int(fields, "lead_working_days", 1, 30, "提前工作日数须为 1–30", "Lead time must be 1–30 working days")
    texts = {name: str(fields.get(name) or "").strip() for name in ("name_zh", "name_en", "title", "body")}
    for name, limit, zh, en in (("name_zh", 100, "名称", "Name"), ("title", 120, "通知标题", "Notice title"),
                                ("body", 20000, "通知正文", "Notice body")):
        if not texts[name] or len(texts[name]) > limit:
            raise _problem(name, f"{zh}不能为空且不超过{limit}字", f"{en} must be 1–{limit} characters")
    target_type = str(fields.get("target_type") or "all")
    return {**texts, "name_en": texts["name_en"][:100] or texts["name_zh"], "month": month, "day": day,
            "lead_working_days": lead, "target_type": target_type,
            "target_values": _targets(s, target_type, fields.get("target_values")),
            "active": _flag(fields.get("active", True))}


def _flag(value: Any) -> bool:
    """A form's yes/no ("1", "on", "true") or a bool."""
    return value if isinstance(value, bool) else str(value).strip().lower() in ("1", "on", "true", "yes")


def _snapshot(row: NoticeSchedule) -> dict[str, Any]:
    return {"key": row.key, **{name: getattr(row, name) for name in FIELDS}}


def add_campaign_date(actor: Actor, key: str, fields: dict[str, Any]) -> CampaignDate:
    """Add a yearly campaign date and queue its next notice (administrators only).

    Raises:
        BadRequest: a bad key, month/day, lead time, empty title or body, or target; nothing is stored.
        Conflict: the key is taken.
    """
    require_admin(actor)
    key = (key or "").strip()
    if not _KEY.match(key):
        raise _problem("key", "代码须为 2–40 位小写字母、数字或下划线，以字母开头",
                       "Key must be 2–40 lowercase letters, digits or underscores, starting with a letter")
    with unit_of_work() as s:
        if s.scalar(select(NoticeSchedule).where(NoticeSchedule.key == key)) is not None:
            raise Conflict(f"代码 {key} 已存在", f"Key {key} is already taken")
        now = clock.now()
        row = NoticeSchedule(key=key, **_validated(s, fields), created_at=now, updated_at=now)
        s.add(row)
        s.flush()
        audit.record(s, "notice_schedule.add", actor=actor.username, after=_snapshot(row))
        sync(s)
    return _one(key)


def update_campaign_date(actor: Actor, key: str, fields: dict[str, Any]) -> CampaignDate:
    """Change a campaign date (date, lead time, title, body, target, active) and re-queue its waiting notice."""
    require_admin(actor)
    with unit_of_work() as s:
        row = s.scalar(select(NoticeSchedule).where(NoticeSchedule.key == key))
        if row is None:
            raise not_found("宣传日", "campaign date", key)
        before = _snapshot(row)
        for name, value in _validated(s, {**before, **fields}).items():
            setattr(row, name, value)
        row.updated_at = clock.now()
        audit.record(s, "notice_schedule.update", actor=actor.username, before=before, after=_snapshot(row))
        sync(s)
    return _one(key)


def delete_campaign_date(actor: Actor, key: str) -> None:
    """Remove a campaign date and cancel its waiting notice (cases already drafted stay)."""
    require_admin(actor)
    with unit_of_work() as s:
        row = s.scalar(select(NoticeSchedule).where(NoticeSchedule.key == key))
        if row is None:
            raise not_found("宣传日", "campaign date", key)
        audit.record(s, "notice_schedule.delete", actor=actor.username, before=_snapshot(row))
        s.delete(row)
        s.flush()
        sync(s)


def _one(key: str) -> CampaignDate:
    with unit_of_work(write=False) as s:
        row = s.scalar(select(NoticeSchedule).where(NoticeSchedule.key == key))
        waiting = [j for j in _campaign_jobs(s).get(key, []) if j.status in WAITING]
        return _view(row, waiting[0] if waiting else None)  # type: ignore[arg-type]


__all__ = ["PROCESS", "Occurrence", "CampaignDate", "next_occurrence", "start_data", "sync", "queue_campaign_dates",
           "seed", "list_campaign_dates", "add_campaign_date", "update_campaign_date", "delete_campaign_date"]
