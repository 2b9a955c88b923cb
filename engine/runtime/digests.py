"""Leaders' daily overdue digest: one notification a working day instead of one per escalated task.

Section chiefs, deputy directors and the director (`roles.LEADERS`) are never told of an escalation task by task.
From `DIGEST_HOUR` (China time) on each working day the sweep writes each of them one `digest` notification
listing the open tasks whose escalation has reached their role (and may have gone further up) within their
scope — case, step, assignee, days overdue, level — which goes out through the usual channels (in-app, e-mail, webhook). `digest_run` holds one row per
recipient and day (its primary key, written in the same transaction as the notification), so a digest is
written once even with two workers sweeping at the same moment; a day with nothing overdue leaves a row and
no notification.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from . import clock, notifications, workdays
from .db import unit_of_work
from .models import DigestRun, Notification, ProcessInstance, Task, User, UserIndustry, UserRole
from .roles import LEADERS, RoleBook

DIGEST_HOUR = 8
MAX_ITEMS = 200


@dataclass(frozen=True)
class Leader:
    username: str
    roles: frozenset[str]
    industries: frozenset[str]  # empty: every industry


def send_due(now: datetime | None = None) -> int:
    """Write today's digest for every leader who has none yet (from 08:00 on working days); returns how many."""
    local = (now or clock.now()).astimezone(clock.CHINA_TZ)
    day = local.date()
    if local.hour < DIGEST_HOUR or not workdays.load().is_working_day(day):
        return 0
    with unit_of_work(write=False) as s:
        done = set(s.scalars(select(DigestRun.recipient).where(DigestRun.day == day)))
        waiting = [leader for leader in leaders(s) if leader.username not in done]
    return sum(_write_once(leader, day) for leader in waiting)


def leaders(s: Session) -> list[Leader]:
    """Active bureau users holding a leader role, with the industries they cover."""
    rows = s.execute(select(User.id, User.username, UserRole.role_key).join(UserRole, UserRole.user_id == User.id)
                     .where(UserRole.role_key.in_(LEADERS), User.active.is_(True), User.enterprise_id.is_(None))).all()
    roles: dict[tuple[int, str], set[str]] = {}
    for user_id, username, role in rows:
        roles.setdefault((user_id, username), set()).add(role)
    covered: dict[int, set[str]] = {}
    for user_id, industry in s.execute(select(UserIndustry.user_id, UserIndustry.industry_key)
                                       .where(UserIndustry.user_id.in_([k[0] for k in roles]))):
        covered.setdefault(user_id, set()).add(industry)
    return [Leader(name, frozenset(held), frozenset(covered.get(uid, ()))) for (uid, name), held in sorted(roles.items())]


def items_for(s: Session, leader: Leader, day: date) -> list[dict[str, object]]:
    """The open tasks whose escalation has reached one of the leader's roles, in the leader's industries."""
    book = RoleBook.load(s)
    above = {role: _chain(book, role) for role in leader.roles}  # each role and the ones above it
    stmt = (select(Task, ProcessInstance.title, ProcessInstance.process_key)
            .join(ProcessInstance, ProcessInstance.id == Task.instance_id)
            .where(Task.status == "open", Task.escalated_to.in_(set().union(*above.values())))
            .order_by(Task.due_at, Task.id).limit(MAX_ITEMS))
    if leader.industries:
        stmt = stmt.where(Task.industry_key.in_(leader.industries))
    return [_item(task, title, key, day) for task, title, key in s.execute(stmt)
            if any(task.escalated_to in chain and role in _chain(book, task.role_key)[1:]
                   for role, chain in above.items())]


def _chain(book: RoleBook, role: str | None) -> list[str]:
    """A role and every role above it in the escalation chain, in order."""
    found: list[str] = []
    while role and role not in found:
        found.append(role)
        role = book.escalates_to(role)
    return found


def _item(task: Task, title: str | None, process_key: str, day: date) -> dict[str, object]:
    due = task.due_at.astimezone(clock.CHINA_TZ).date() if task.due_at else day
    return {"instance_id": task.instance_id, "task_id": task.id, "case": title or process_key, "step": task.name,
            "assignee": task.assignee, "role": task.role_key, "level": task.escalation_level,
            "days_overdue": max((day - due).days, 0)}


def _write_once(leader: Leader, day: date) -> int:
    try:
        with unit_of_work() as s:
            if s.get(DigestRun, (leader.username, day)) is not None:
                return 0
            return _write(s, leader, day)
    except IntegrityError:  # another worker wrote this leader's digest for today first
        return 0


def _write(s: Session, leader: Leader, day: date) -> int:
    details = items_for(s, leader, day)
    note_id = None
    if details:
        notifications.notify(s, [leader.username], "digest", f"督办日报（{day.isoformat()}）：{len(details)} 项逾期待办",
                             f"Daily overdue digest ({day.isoformat()}): {len(details)} items", details=details)
        note_id = s.scalar(select(Notification.id).where(Notification.recipient == leader.username,
                                                         Notification.kind == "digest")
                           .order_by(Notification.id.desc()).limit(1))
    s.add(DigestRun(recipient=leader.username, day=day, item_count=len(details), notification_id=note_id,
                    created_at=clock.now()))
    s.flush()
    return 1 if details else 0
