"""The audit trail for administrators and auditors: search by actor, action, case and time; the actions in use;
the whole trail (or a search) as CSV, streamed. Reading needs an administrator or an auditor (`engine.runtime.admin_rights`)."""
from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select, select

from .admin_rights import require_reader
from .db import paged, unit_of_work
from .models import AuditEvent
from .views import Actor, Page

CSV_LIMIT = 200_000
AUDIT_COLUMNS = ("id", "at", "chain", "seq", "actor", "action", "instance_id", "task_id", "before", "after",
                 "prev_hash", "hash")


@dataclass(frozen=True)
class AuditView:
    id: int
    at: datetime
    chain: str
    seq: int
    actor: str | None
    action: str
    instance_id: int | None
    task_id: str | None
    before: Any
    after: Any
    hash: str


def _audit_query(actor_name: str | None, action: str | None, instance_id: int | None, since: datetime | None,
                 until: datetime | None) -> Select[Any]:
    stmt = select(AuditEvent)
    if actor_name:
        stmt = stmt.where(AuditEvent.actor == actor_name)
    if action:
        stmt = stmt.where(AuditEvent.action.like(f"{action.replace('%', '')}%"))
    if instance_id is not None:
        stmt = stmt.where(AuditEvent.instance_id == instance_id)
    if since:
        stmt = stmt.where(AuditEvent.at >= since)
    if until:
        stmt = stmt.where(AuditEvent.at < until)
    return stmt


def _audit_view(e: AuditEvent) -> AuditView:
    return AuditView(e.id, e.at, e.chain, e.seq, e.actor, e.action, e.instance_id, e.task_id, e.before, e.after, e.hash)


def list_audit(actor: Actor, *, actor_name: str | None = None, action: str | None = None,
               instance_id: int | None = None, since: datetime | None = None, until: datetime | None = None,
               limit: int = 100, offset: int = 0) -> Page:
    """The audit trail, newest first, filtered by actor, action (prefix), case and time."""
    require_reader(actor)
    with unit_of_work(write=False) as s:
        stmt = _audit_query(actor_name, action, instance_id, since, until).order_by(AuditEvent.id.desc())
        total, rows = paged(s, stmt, limit, offset)
        return Page(tuple(_audit_view(e) for e in rows), total, limit, offset)


def audit_actions(actor: Actor) -> list[str]:
    """Every action name recorded so far (for the filter)."""
    require_reader(actor)
    with unit_of_work(write=False) as s:
        return sorted(s.scalars(select(AuditEvent.action).distinct()))


def export_audit_csv(actor: Actor, **filters: Any) -> Iterator[str]:
    """The filtered trail as CSV text chunks, oldest first, with the hashes (so a copy can be checked)."""
    require_reader(actor)
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(AUDIT_COLUMNS)
    with unit_of_work(write=False) as s:
        stmt = _audit_query(**filters).order_by(AuditEvent.id).limit(CSV_LIMIT)
        for e in s.scalars(stmt.execution_options(yield_per=1000)):
            writer.writerow([e.id, e.at.isoformat(), e.chain, e.seq, e.actor or "", e.action, e.instance_id or "",
                             e.task_id or "", _json(e.before), _json(e.after), e.prev_hash, e.hash])
            if buffer.tell() > 64_000:
                yield buffer.getvalue()
                buffer.seek(0)
                buffer.truncate()
    yield buffer.getvalue()


def _json(value: Any) -> str:
    return "" if value is None else json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)
