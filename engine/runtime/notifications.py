"""In-app notifications with unread counts, fanned out to delivery channels that retry on failure.

Sending happens in the sweep, outside the engine's transactions (engine/runtime/deliveries.py, leased like jobs): a dead
mail server never blocks a case, and two workers never send one delivery twice.
"""
from __future__ import annotations

from typing import Any

from sqlalchemy import func, or_, select, update
from sqlalchemy.orm import Session

from . import channels, clock, step_writes
from .db import unit_of_work
from .deliveries import MAX_ATTEMPTS as MAX_DELIVERY_ATTEMPTS  # noqa: F401 - re-exported
from .deliveries import (
    DeliveryStatus,
    deliver_pending,  # noqa: F401 - re-exported: the sweep's entry point
)
from .models import Delivery, Notification, User, UserIndustry, UserRole
from .views import Actor


def _members(role: str, enterprise_id: int | None, industry: str | None, *columns: Any) -> Any:
    stmt = (select(*columns).join(UserRole, UserRole.user_id == User.id)
            .where(UserRole.role_key == role, User.active.is_(True)))
    if enterprise_id is not None:
        stmt = stmt.where(User.enterprise_id == enterprise_id)
    elif industry:
        covered = select(UserIndustry.user_id).where(UserIndustry.industry_key == industry)
        anyone = select(UserIndustry.user_id)
        stmt = stmt.where(User.enterprise_id.is_(None), or_(User.id.in_(covered), User.id.not_in(anyone)))
    return stmt


def role_members(s: Session, role: str, enterprise_id: int | None, industry: str | None) -> list[str]:
    """Active users holding a role within a case's scope (enterprise, or industry for bureau roles)."""
    return sorted(set(s.scalars(_members(role, enterprise_id, industry, User.username))))


def role_member_emails(s: Session, role: str, enterprise_id: int | None, industry: str | None) -> dict[str, str | None]:
    """`role_members` with each one's e-mail address (for `notify`'s `emails`): one statement."""
    return dict(s.execute(_members(role, enterprise_id, industry, User.username, User.email)).all())


def notify(s: Session, recipients: list[str], kind: str, title_zh: str, title_en: str, *,
           instance_id: int | None = None, task_id: str | None = None, details: list[Any] | None = None,
           emails: dict[str, str | None] | None = None, with_step: bool = False) -> int:
    """Store one notification per recipient (inside the caller's transaction) and queue its deliveries.

    `details`: a digest's items (engine/runtime/digests.py), listed in the message body. `emails`: the recipients'
    e-mail addresses when the caller has them (each recipient a key; else they are read). `with_step`: on PostgreSQL
    the rows are written with the step's other writes (`step_writes.queue_insert_linked`: in the statement that carries its
    COMMIT) — for a caller that does not read them back in the same unit of work; elsewhere, and without it, they are
    flushed here."""
    now = clock.now()
    enabled = channels.configured()
    if emails is None or not set(recipients) <= emails.keys():
        stmt = select(User.username, User.email).where(User.username.in_(recipients))
        if with_step:
            with s.no_autoflush:  # users: nothing the step has pending changes them
                rows = s.execute(stmt).all() if recipients else []
        else:
            rows = s.execute(stmt).all() if recipients else []
        emails = {name: email for name, email in rows}
    if with_step and s.get_bind().dialect.name == "postgresql":
        _queue(s, sorted(set(recipients)), emails, enabled, now, kind=kind, title_zh=title_zh[:300],
               title_en=title_en[:300], instance_id=instance_id, task_id=task_id, details=details)
        return len(set(recipients))
    for username in sorted(set(recipients)):
        note = Notification(recipient=username, kind=kind, title_zh=title_zh[:300], title_en=title_en[:300],
                            instance_id=instance_id, task_id=task_id, details=details, created_at=now)
        s.add(note)
        s.flush()
        if "email" in enabled and emails.get(username):
            s.add(Delivery(notification_id=note.id, channel="email", target=emails[username],
                           status=DeliveryStatus.PENDING, attempts=0, next_at=now))
        if "webhook" in enabled:
            s.add(Delivery(notification_id=note.id, channel="webhook", target=username,
                           status=DeliveryStatus.PENDING, attempts=0, next_at=now))
    return len(set(recipients))


def _queue(s: Session, usernames: list[str], emails: dict[str, str | None], enabled: Any, now: Any,
           **columns: Any) -> None:
    """The rows `notify` would flush, queued with the step's writes: the same columns as the ORM writes them."""
    rows = [{"recipient": name, **columns, "created_at": now, "read_at": None} for name in usernames]
    children: list[tuple[Any, dict[str, Any]]] = []
    for name in usernames:
        pending = {"status": DeliveryStatus.PENDING.value, "attempts": 0, "next_at": now}
        if "email" in enabled and emails.get(name):
            children.append((name, {"channel": "email", "target": emails[name], **pending}))
        if "webhook" in enabled:
            children.append((name, {"channel": "webhook", "target": name, **pending}))
    step_writes.queue_insert_linked(s, Notification, rows, "recipient", Delivery, "notification_id", children)


def list_for(actor: Actor, *, unread_only: bool = False, limit: int = 50, offset: int = 0) -> list[Notification]:
    """The actor's notifications, newest first."""
    with unit_of_work(write=False) as s:
        stmt = select(Notification).where(Notification.recipient == actor.username)
        if unread_only:
            stmt = stmt.where(Notification.read_at.is_(None))
        return list(s.scalars(stmt.order_by(Notification.id.desc()).limit(min(limit, 200)).offset(offset)))


def unread_count(actor: Actor) -> int:
    """How many of the actor's notifications are unread."""
    with unit_of_work(write=False) as s:
        return s.scalar(select(func.count(Notification.id)).where(Notification.recipient == actor.username,
                                                                  Notification.read_at.is_(None))) or 0


def mark_read(actor: Actor, notification_id: int | None = None) -> int:
    """Mark one (or, with None, all) of the actor's notifications read."""
    with unit_of_work() as s:
        stmt = update(Notification).where(Notification.recipient == actor.username, Notification.read_at.is_(None))
        if notification_id is not None:
            stmt = stmt.where(Notification.id == notification_id)
        return s.execute(stmt.values(read_at=clock.now())).rowcount or 0
