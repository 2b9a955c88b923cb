"""Sending notifications by e-mail and webhook: claimed with a lease, sent outside any transaction, marked after.

A worker claims due deliveries like jobs (``locked_by`` / ``locked_until``, ``FOR UPDATE SKIP LOCKED`` on
PostgreSQL), sends each one with no transaction open, then marks it sent — or failed, retried with backoff and
given up after ``MAX_ATTEMPTS`` (then an incident for the admins). Two workers never send the same delivery.
A worker killed between claim and send leaves its lease to run out, and another worker sends the delivery then.
A worker killed after sending but before marking leaves the delivery pending, so it goes out once more: the one
unavoidable at-least-once window. Every message therefore carries its delivery id (the ``X-Safeloop-Delivery``
header of a webhook POST, an e-mail's ``Message-ID``) so that a receiver can drop the repeat.
"""
from __future__ import annotations

import logging
import os
import random
import socket
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from sqlalchemy import or_, select, update

from . import audit, channels, clock
from .db import is_postgres, unit_of_work
from .models import Delivery, Notification

log = logging.getLogger("safeloop.deliveries")
MAX_ATTEMPTS = 6
LEASE = timedelta(minutes=5)


class DeliveryStatus(StrEnum):
    PENDING = "pending"
    SENT = "sent"
    FAILED = "failed"  # every try used: shown to the admins with its last error


@dataclass(frozen=True)
class Message:
    """One claimed delivery and what its channel sends."""

    delivery_id: int
    channel: str
    target: str
    subject: str
    body: str
    payload: dict[str, Any]
    locked_until: datetime


def worker_id() -> str:
    """This process's name on the leases it holds (read at each call: a forked child gets its own)."""
    return f"{socket.gethostname()}:{os.getpid()}"


def deliver_pending(limit: int = 100, *, worker: str | None = None) -> int:
    """Claim, send and mark every due delivery, `limit` at a time; returns how many were sent."""
    worker = worker or worker_id()
    enabled = channels.configured()
    sent = 0
    while True:
        batch = claim(limit, worker)
        sent += sum(_deliver(message, enabled, worker) for message in batch)
        if len(batch) < limit:
            return sent


def claim(limit: int, worker: str) -> list[Message]:
    """Lease up to `limit` due deliveries nobody holds (rows another worker is claiming are skipped, not awaited)."""
    now = clock.now()
    with unit_of_work() as s:
        stmt = (select(Delivery).where(Delivery.status == DeliveryStatus.PENDING, Delivery.next_at <= now,
                                       or_(Delivery.locked_until.is_(None), Delivery.locked_until < now))
                .order_by(Delivery.next_at, Delivery.id).limit(limit))
        if is_postgres():
            stmt = stmt.with_for_update(skip_locked=True)
        rows = list(s.scalars(stmt))
        notes = {n.id: n for n in s.scalars(select(Notification).where(
            Notification.id.in_({r.notification_id for r in rows})))} if rows else {}
        for row in rows:
            row.locked_by, row.locked_until = worker, now + LEASE
        return [_message(row, notes[row.notification_id]) for row in rows]


def _message(row: Delivery, note: Notification) -> Message:
    payload = {"kind": note.kind, "instance_id": note.instance_id, "task_id": note.task_id,
               **({"items": note.details} if note.details else {}), "delivery_id": row.id}
    return Message(row.id, row.channel, row.target, f"[安全闭环] {note.title_zh}", body(note), payload,
                   row.locked_until)  # type: ignore[arg-type]


def body(note: Notification) -> str:
    """The message text: both titles, then one line per digest item, Chinese first with English alongside."""
    items = [f"#{d['instance_id']} {d['case']} · {d['step']} · 办理人 assignee: {d['assignee'] or d['role']} · "
             f"逾期 {d['days_overdue']} 天 days overdue（第{d['level']}级 level {d['level']}）" for d in note.details or []]
    return "\n".join([note.title_zh, note.title_en, *items])


def _deliver(message: Message, enabled: dict[str, channels.Channel], worker: str) -> bool:
    """Send one claimed delivery if this worker still holds it, then mark it; True when it went out."""
    if not _still_held(message, worker):
        return False
    error = _send(message, enabled)
    if error is None:
        mark_sent(message.delivery_id, worker)
    else:
        mark_failed(message.delivery_id, worker, error)
    return error is None


def _still_held(message: Message, worker: str) -> bool:
    """True while the lease is ours: renewed once less than half of it is left (a slow batch), so a delivery whose
    lease ran out and was taken over by another worker is left to that worker."""
    now = clock.now()
    if message.locked_until - now > LEASE / 2:
        return True
    with unit_of_work() as s:
        renewed = s.execute(update(Delivery).where(Delivery.id == message.delivery_id, Delivery.locked_by == worker,
                                                   Delivery.status == DeliveryStatus.PENDING)
                            .values(locked_until=now + LEASE)).rowcount
    return renewed == 1


def _send(message: Message, enabled: dict[str, channels.Channel]) -> str | None:
    """Hand the message to its channel with no transaction open; the error text, or None when it went out."""
    channel = enabled.get(message.channel)
    try:
        if channel is None:
            raise OSError(f"channel {message.channel} is not configured")
        channel.send(message.target, message.subject, message.body, message.payload)
    except Exception as err:  # noqa: BLE001 - any channel failure is retried, never raised
        return f"{type(err).__name__}: {err}"[:2000]
    return None


def mark_sent(delivery_id: int, worker: str) -> None:
    """The delivery went out: record it and give the lease back."""
    with unit_of_work() as s:
        done = s.execute(update(Delivery).where(Delivery.id == delivery_id, Delivery.locked_by == worker,
                                                Delivery.status == DeliveryStatus.PENDING)
                         .values(status=DeliveryStatus.SENT, sent_at=clock.now(), attempts=Delivery.attempts + 1,
                                 locked_by=None, locked_until=None)).rowcount
    if not done:  # only when one send outlasted the whole lease: another worker may send it again
        log.warning("delivery %s was sent after its lease passed to another worker", delivery_id,
                    extra={"delivery_id": delivery_id})


def mark_failed(delivery_id: int, worker: str, error: str) -> None:
    """The channel refused: retry later with backoff (30 s × 2^attempt, jittered), or give up after the last try."""
    with unit_of_work() as s:
        row = s.get(Delivery, delivery_id)
        if row is None or row.status != DeliveryStatus.PENDING or row.locked_by != worker:
            return
        row.attempts += 1
        row.last_error, row.locked_by, row.locked_until = error, None, None
        if row.attempts < MAX_ATTEMPTS:
            row.next_at = clock.now() + timedelta(seconds=30 * 2 ** row.attempts) * (0.5 + random.random())
            return
        row.status = DeliveryStatus.FAILED
        note = s.get(Notification, row.notification_id)
        audit.record(s, "delivery.failed", actor="system", instance_id=note.instance_id if note else None,
                     task_id=note.task_id if note else None,
                     after={"delivery": row.id, "channel": row.channel, "target": row.target, "error": error})
    log.warning("delivery %s given up after %s tries: %s", delivery_id, MAX_ATTEMPTS, error,
                extra={"delivery_id": delivery_id, "outcome": "failed"})
