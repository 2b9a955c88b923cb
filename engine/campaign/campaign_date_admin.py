"""The yearly campaign dates as administrators read and edit them (the schedules page): each change is validated,
audited and followed by `campaign_dates.sync`, in one unit of work, so the queued notice always matches the row.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..runtime import audit, clock
from ..runtime.admin_rights import require_admin, require_reader
from ..runtime.db import unit_of_work
from ..runtime.errors import BadRequest, Conflict, not_found
from ..runtime.models import Industry, Job
from ..runtime.views import Actor
from .campaign_dates import RISK_GRADES, TARGET_TYPES, WAITING, campaign_jobs, sync
from .campaign_models import NoticeSchedule

FIELDS = ("name_zh", "name_en", "month", "day", "lead_working_days", "title", "body", "target_type", "target_values",
          "active")
_KEY = re.compile(r"^[a-z][a-z0-9_]{1,39}$")


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
        jobs = campaign_jobs(s)
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
        waiting = [j for j in campaign_jobs(s).get(key, []) if j.status in WAITING]
        return _view(row, waiting[0] if waiting else None)  # type: ignore[arg-type]


__all__ = ["CampaignDate", "FIELDS", "list_campaign_dates", "add_campaign_date", "update_campaign_date",
           "delete_campaign_date"]
