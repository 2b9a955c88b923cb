"""Operations endpoints: `/readyz` (database reachable, schema at the newest migration) and `/metrics`
(Prometheus text format). `/healthz` (the process answers) is registered by `create_app` itself.

`/metrics` is open unless SAFELOOP_METRICS_TOKEN is set; then it wants `Authorization: Bearer <token>`.
Written by `prometheus-client`: the request-latency histogram is per process, or — with several gunicorn
workers and PROMETHEUS_MULTIPROC_DIR set — summed over every worker's files (see docs/operations.md).

Every request is logged once on `safeloop.http` (method, path, status, duration, request id); the request
id is the caller's `X-Request-ID` when it looks like one, else a fresh one, and is echoed in the response.
"""
from __future__ import annotations

import hmac
import logging
import os
import re
import time
import uuid
from collections.abc import Iterator
from datetime import datetime, timezone

from flask import Blueprint, Response, g, jsonify, request
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Histogram, generate_latest, multiprocess
from prometheus_client.core import GaugeMetricFamily

from engine.runtime import readiness, snapshot

bp = Blueprint("ops", __name__)

log = logging.getLogger("safeloop.http")
REQUEST_ID = re.compile(r"[A-Za-z0-9._:-]{1,64}")
BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
UNTIMED = frozenset({"/metrics", "/healthz", "/readyz"})


class DatabaseGauges:
    """The gauges read from the database at scrape time (every process reports the same values)."""

    def collect(self) -> Iterator[GaugeMetricFamily]:
        snap = snapshot(datetime.now(timezone.utc))
        cases = GaugeMetricFamily("safeloop_cases", "Cases by status.", labels=["status"])
        for status, n in sorted(snap.cases_by_status.items()):
            cases.add_metric([status], n)
        yield cases
        for name, help_text, value in (
                ("safeloop_open_tasks", "Open human tasks (the inbox).", snap.open_tasks),
                ("safeloop_overdue_tasks", "Open tasks past their due time.", snap.overdue_tasks),
                ("safeloop_pending_jobs", "Pending jobs (timers, reminders, escalations, starts).", snap.pending_jobs),
                ("safeloop_due_jobs", "Pending jobs already due (waiting for a worker).", snap.due_jobs),
                ("safeloop_job_lag_seconds", "Age of the oldest due, unfired job (0 when none is waiting).",
                 snap.job_lag_seconds),
                ("safeloop_job_incidents", "Jobs that failed every retry.", snap.incident_jobs),
                ("safeloop_failed_deliveries", "Notification e-mails and webhooks given up after every try.",
                 snap.failed_deliveries)):
            yield GaugeMetricFamily(name, help_text, value=value)


# This process's latency histogram. Under gunicorn with PROMETHEUS_MULTIPROC_DIR set (docs/operations.md) the
# values go to files there and a scrape of any worker sums every worker's.
REGISTRY = CollectorRegistry(auto_describe=True)
latency = Histogram("safeloop_http_request_duration_seconds", "HTTP request duration in seconds.",
                    ["method", "route", "status"], buckets=BUCKETS, registry=REGISTRY)
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
        latency.labels(request.method, route, str(response.status_code)).observe(seconds)
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
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):  # every worker's histogram, summed from its files
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
        body = generate_latest(registry)
    else:
        body = generate_latest(REGISTRY)
    gauges = CollectorRegistry()
    gauges.register(DatabaseGauges())
    return Response(generate_latest(gauges) + body, content_type=CONTENT_TYPE_LATEST)
