"""The campaign's own tables, declared on the runtime's `Base` (one metadata, one Alembic history): the yearly
campaign dates that queue notices, the public (whistleblower) reports' lookup keys, and the document-number series
(移送函 …). The runtime never reads them."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ..runtime.models import Base


class NoticeSchedule(Base):
    """A yearly campaign date (item 22): a `notice_distribution` case drafted some working days before it."""

    __tablename__ = "notice_schedule"
    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(40), unique=True)
    name_zh: Mapped[str] = mapped_column(String(100))
    name_en: Mapped[str] = mapped_column(String(100))
    month: Mapped[int] = mapped_column(Integer)
    day: Mapped[int] = mapped_column(Integer)
    lead_working_days: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(120))  # "{year}" becomes the campaign date's year
    body: Mapped[str] = mapped_column(Text)
    target_type: Mapped[str] = mapped_column(String(20))  # all | industries | risk_grades
    target_values: Mapped[list[Any]] = mapped_column(JSON, default=list)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class ReportReceipt(Base):
    """A public report's lookup key: its reference number and a hash of the secret shown once to the reporter."""

    __tablename__ = "report_receipt"
    reference: Mapped[str] = mapped_column(String(40), primary_key=True)
    instance_id: Mapped[int] = mapped_column(ForeignKey("process_instance.id"), unique=True)
    secret_hash: Mapped[str] = mapped_column(String(64))  # SHA-256 of reference + secret (80 random bits)
    created_at: Mapped[datetime]


class DocumentNumber(Base):
    """The last number given in one series of the bureau's documents per year (移送函, 函询函 …): 文号 are
    allocated by an atomic upsert on this row, in the transaction of the step that issues the document."""

    __tablename__ = "document_number"
    series: Mapped[str] = mapped_column(String(40), primary_key=True)
    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    last: Mapped[int] = mapped_column(Integer)
