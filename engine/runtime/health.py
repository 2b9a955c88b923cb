"""What operations ask of the database: is it ready (answers, schema at Alembic's head) and the counts behind
`/metrics` (cases by status, open and overdue tasks, pending and due jobs and their lag, incidents, failed
deliveries), read in one short read-only transaction, no SpiffWorkflow."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from sqlalchemy import func, select, text

from .db import sql_engine, unit_of_work
from .models import Delivery, Job, ProcessInstance, Task
from .schema import alembic_config


def readiness() -> dict[str, Any]:
    """Whether the database answers and its schema revision is Alembic's head."""
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory
    head = set(ScriptDirectory.from_config(alembic_config()).get_heads())
    try:
        with sql_engine().connect() as conn:
            conn.execute(text("SELECT 1"))
            current = set(MigrationContext.configure(conn).get_current_heads())
    except Exception as err:  # noqa: BLE001 - any failure means "not ready", with the reason
        return {"status": "unavailable", "database": f"{type(err).__name__}: {str(err).splitlines()[0][:200]}"}
    ok = current == head
    return {"status": "ready" if ok else "migrations pending", "database": "ok",
            "migrations": {"current": sorted(current), "head": sorted(head)}}


@dataclass(frozen=True)
class Snapshot:
    """Counts for /metrics, read in one short read-only transaction."""

    cases_by_status: dict[str, int]
    open_tasks: int
    overdue_tasks: int
    pending_jobs: int
    due_jobs: int
    job_lag_seconds: float
    incident_jobs: int
    failed_deliveries: int = 0


def snapshot(now: datetime) -> Snapshot:
    """The gauges of /metrics at `now`."""
    with unit_of_work(write=False) as s:
        by_status = dict(s.execute(select(ProcessInstance.status, func.count()).group_by(ProcessInstance.status)).all())
        open_tasks = s.scalar(select(func.count()).select_from(Task).where(Task.status == "open")) or 0
        overdue = s.scalar(select(func.count()).select_from(Task).where(Task.status == "open", Task.due_at < now)) or 0
        pending = s.scalar(select(func.count()).select_from(Job).where(Job.status == "pending")) or 0
        due, oldest = s.execute(select(func.count(), func.min(Job.due_at))
                                .where(Job.status == "pending", Job.due_at <= now)).one()
        incidents = s.scalar(select(func.count()).select_from(Job).where(Job.status == "incident")) or 0
        failed = s.scalar(select(func.count()).select_from(Delivery).where(Delivery.status == "failed")) or 0
    oldest = oldest.replace(tzinfo=timezone.utc) if oldest is not None and oldest.tzinfo is None else oldest
    lag = (now - oldest).total_seconds() if oldest is not None else 0.0
    return Snapshot({str(k): int(v) for k, v in by_status.items()}, int(open_tasks), int(overdue), int(pending),
                    int(due or 0), max(lag, 0.0), int(incidents), int(failed))


