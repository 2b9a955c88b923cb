"""Operations endpoints: `/readyz` (database reachable, schema at the newest migration) and `/metrics`
(Prometheus text format). `/healthz` (the process answers) is registered by `create_app` itself.

`/metrics` is open unless SAFELOOP_METRICS_TOKEN is set; then it wants `Authorization: Bearer <token>`.
The request-latency histogram is per process: with several gunicorn workers, scrape each worker or
read the sum over the `pid` label (see docs/operations.md).

Every request is logged once on `safeloop.http` (method, path, status, duration, request id); the request
id is the caller's `X-Request-ID` when it looks like one, else a fresh one, and is echoed in the response.
"""
from __future__ import annotations

import hmac
import logging
import os
import re
import threading
import time
import uuid
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from flask import Blueprint, Response, g, jsonify, request
from sqlalchemy import func, select, text

from engine import db, schema
from engine.models import Delivery, Job, ProcessInstance, Task

bp = Blueprint("ops", __name__)

log = logging.getLogger("safeloop.http")
REQUEST_ID = re.compile(r"[A-Za-z0-9._:-]{1,64}")
BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
UNTIMED = frozenset({"/metrics", "/healthz", "/readyz"})


class LatencyHistogram:
    """Request durations by method, route and status: cumulative buckets, sum and count (thread-safe)."""

    def __init__(self, buckets: tuple[float, ...] = BUCKETS) -> None:
        self.buckets = buckets
        self._lock = threading.Lock()
        self._series: dict[tuple[str, str, str], list[float]] = defaultdict(lambda: [0.0] * (len(buckets) + 2))

    def observe(self, method: str, route: str, status: int, seconds: float) -> None:
        with self._lock:
            series = self._series[(method, route, str(status))]
            for i, bound in enumerate(self.buckets):
                if seconds <= bound:
                    series[i] += 1
            series[-2] += seconds
            series[-1] += 1

    def lines(self, name: str) -> list[str]:
        pid = os.getpid()
        out = [f"# HELP {name} HTTP request duration in seconds.", f"# TYPE {name} histogram"]
        with self._lock:
            items = sorted((k, list(v)) for k, v in self._series.items())
        for (method, route, status), series in items:
            labels = f'method="{method}",route="{_escape(route)}",status="{status}",pid="{pid}"'
            for bound, count in zip(self.buckets, series):
                out.append(f'{name}_bucket{{{labels},le="{bound:g}"}} {count:g}')
            out.append(f'{name}_bucket{{{labels},le="+Inf"}} {series[-1]:g}')
            out.append(f"{name}_sum{{{labels}}} {series[-2]:.6f}")
            out.append(f"{name}_count{{{labels}}} {series[-1]:g}")
        return out


latency = LatencyHistogram()
# First of all before-request hooks, so that a request another hook answers early (login, CSRF, or a
# database outage while loading the user) is still timed, logged and given its request id.
bp.record_once(lambda state: state.app.before_request_funcs.setdefault(None, []).insert(0, _start_timer))


def _start_timer() -> None:
    g.ops_started = time.perf_counter()
    given = request.headers.get("X-Request-ID", "")
    g.request_id = given if REQUEST_ID.fullmatch(given) else uuid.uuid4().hex


@bp.after_app_request
def _observe(response: Response) -> Response:
    started = g.get("ops_started")
    if started is None:
        return response
    seconds = time.perf_counter() - started
    response.headers.setdefault("X-Request-ID", g.request_id)
    if request.path not in UNTIMED:
        route = request.url_rule.rule if request.url_rule is not None else "unmatched"
        latency.observe(request.method, route, response.status_code, seconds)
        log.info("%s %s %s", request.method, request.path, response.status_code,
                 extra={"method": request.method, "path": request.path, "status": response.status_code,
                        "duration_ms": round(seconds * 1000, 1), "request_id": g.request_id,
                        "remote": request.remote_addr})
    return response


@bp.get("/readyz")
def readyz() -> tuple[Response, int]:
    """200 when the database answers and its schema is at the newest migration; 503 (with why) otherwise."""
    status = readiness()
    return jsonify(status), 200 if status["status"] == "ready" else 503


@bp.get("/metrics")
def metrics() -> Response:
    """Cases by status, open and overdue tasks, pending jobs and their lag, request latency."""
    token = os.environ.get("SAFELOOP_METRICS_TOKEN")
    if token and not hmac.compare_digest(request.headers.get("Authorization", ""), f"Bearer {token}"):
        return Response("unauthorized\n", status=401, mimetype="text/plain")
    lines = _gauges(snapshot(datetime.now(timezone.utc))) + latency.lines("safeloop_http_request_duration_seconds")
    return Response("\n".join(lines) + "\n", mimetype="text/plain", content_type="text/plain; version=0.0.4; charset=utf-8")


def _gauges(snap: Snapshot) -> list[str]:
    out = ["# HELP safeloop_cases Cases by status.", "# TYPE safeloop_cases gauge"]
    out += [f'safeloop_cases{{status="{_escape(k)}"}} {v}' for k, v in sorted(snap.cases_by_status.items())]
    for name, help_text, value in (
            ("safeloop_open_tasks", "Open human tasks (the inbox).", snap.open_tasks),
            ("safeloop_overdue_tasks", "Open tasks past their due time.", snap.overdue_tasks),
            ("safeloop_pending_jobs", "Pending jobs (timers, reminders, escalations, starts).", snap.pending_jobs),
            ("safeloop_due_jobs", "Pending jobs already due (waiting for a worker).", snap.due_jobs),
            ("safeloop_job_lag_seconds", "Age of the oldest due, unfired job (0 when none is waiting).", snap.job_lag_seconds),
            ("safeloop_job_incidents", "Jobs that failed every retry.", snap.incident_jobs),
            ("safeloop_failed_deliveries", "Notification e-mails and webhooks given up after every try.",
             snap.failed_deliveries)):
        out += [f"# HELP {name} {help_text}", f"# TYPE {name} gauge", f"{name} {value:g}"]
    return out


# The two queries below read the engine's tables directly (read-only, no SpiffWorkflow). They belong in an
# engine module (e.g. engine/health.py re-exported as engine.readiness / engine.snapshot); kept here until then.

def readiness() -> dict[str, Any]:
    """Whether the database answers and its schema revision is Alembic's head."""
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory
    head = set(ScriptDirectory.from_config(schema.alembic_config()).get_heads())
    try:
        with db.sql_engine().connect() as conn:
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
    with db.unit_of_work(write=False) as s:
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


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
