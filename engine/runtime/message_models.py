"""The notification tables: in-app notifications, leaders' daily digests and the deliveries through each channel
(e-mail, webhook). Declared on `engine.runtime.models.Base` (so in its metadata) and re-exported by `engine.runtime.models`."""
from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Date, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base

__all__ = ["Notification", "DigestRun", "Delivery"]


class Notification(Base):
    """An in-app notification for one user (reminder, escalation, assignment)."""

    __tablename__ = "notification"
    __table_args__ = (Index("ix_notification_recipient", "recipient", "read_at"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    recipient: Mapped[str] = mapped_column(String(80))
    kind: Mapped[str] = mapped_column(String(20))
    title_zh: Mapped[str] = mapped_column(String(300))
    title_en: Mapped[str] = mapped_column(String(300))
    instance_id: Mapped[int | None] = mapped_column(Integer)
    task_id: Mapped[str | None] = mapped_column(String(36))
    details: Mapped[list[Any] | None] = mapped_column(JSON)  # a digest's items (engine/runtime/digests.py)
    created_at: Mapped[datetime]
    read_at: Mapped[datetime | None]


class DigestRun(Base):
    """One leader's daily overdue digest: at most one row per recipient and China-time day (migration 0009)."""

    __tablename__ = "digest_run"
    recipient: Mapped[str] = mapped_column(String(80), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    item_count: Mapped[int] = mapped_column(Integer)
    notification_id: Mapped[int | None] = mapped_column(Integer)  # none when nothing was overdue
    created_at: Mapped[datetime]


class Delivery(Base):
    """One notification sent through one channel (e-mail, webhook), retried until it goes out."""

    __tablename__ = "delivery"
    __table_args__ = (Index("ix_delivery_due", "status", "next_at"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    notification_id: Mapped[int] = mapped_column(ForeignKey("notification.id"))
    channel: Mapped[str] = mapped_column(String(20))
    target: Mapped[str] = mapped_column(String(300))
    status: Mapped[str] = mapped_column(String(20))  # pending | sent | failed (engine.runtime.deliveries.DeliveryStatus)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_at: Mapped[datetime]
    # the sending worker's lease, like a job's (migration 0012): two workers never send one delivery at once
    locked_by: Mapped[str | None] = mapped_column(String(100))
    locked_until: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(Text)
    sent_at: Mapped[datetime | None]
