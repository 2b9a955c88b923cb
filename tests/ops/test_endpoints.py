"""/readyz and /metrics: what an orchestrator and a Prometheus scraper see."""
from __future__ import annotations

import io
import json
import logging
import re
from datetime import timedelta
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import text

import engine
from engine.operations import logs
from engine.runtime import db
from webui import create_app


@pytest.fixture
def app(database: str, tmp_path: Path) -> Flask:
    return create_app({"TESTING": True, "ENGINE_CONFIGURED": True, "DATA_DIR": str(tmp_path / "web")})


def _metric(body: str, name: str, labels: str = "") -> float:
    match = re.search(rf"^{re.escape(name + labels)} ([0-9.e+-]+)$", body, re.M)
    assert match, f"{name}{labels} missing from /metrics"
    return float(match.group(1))


def test_ready_when_the_database_answers_and_migrations_are_at_head(app):
    response = app.test_client().get("/readyz")
    assert response.status_code == 200
    assert response.json["status"] == "ready" and response.json["migrations"]["current"] == response.json["migrations"]["head"]


def test_not_ready_with_a_reason_when_the_schema_is_behind(app):
    with db.sql_engine().begin() as conn:
        head = conn.execute(text("SELECT version_num FROM alembic_version")).scalar_one()
        conn.execute(text("UPDATE alembic_version SET version_num = '0001'"))
    try:
        response = app.test_client().get("/readyz")
    finally:  # the PostgreSQL schema is shared by the whole run
        with db.sql_engine().begin() as conn:
            conn.execute(text("UPDATE alembic_version SET version_num = :head"), {"head": head})
    assert response.status_code == 503 and response.json["status"] == "migrations pending"


def test_metrics_count_cases_tasks_overdue_tasks_and_job_lag(app, review, people, clock):
    view = engine.start_instance(people["officer_a"], "review", {"case_title": "通道堵塞", "spawn": False})
    assert view.open_tasks
    client = app.test_client()
    client.get("/healthz")
    client.get("/no-such-page")
    body = client.get("/metrics").get_data(as_text=True)
    assert _metric(body, "safeloop_cases", '{status="running"}') == 1
    assert _metric(body, "safeloop_open_tasks") == 1
    assert _metric(body, "safeloop_pending_jobs") == 2  # the rectify task's reminder and escalation
    # the test clock is in 2025 and /metrics reads wall time: both jobs are long overdue
    assert _metric(body, "safeloop_due_jobs") == 2 and _metric(body, "safeloop_job_lag_seconds") > timedelta(days=1).total_seconds()
    assert _metric(body, "safeloop_overdue_tasks") == 1
    assert 'safeloop_http_request_duration_seconds_count{method="GET",route="unmatched",status="404"' in body
    assert 'route="/healthz"' not in body  # probes are not timed


def test_metrics_want_the_token_when_one_is_configured(app, monkeypatch):
    monkeypatch.setenv("SAFELOOP_METRICS_TOKEN", "s3cret")
    client = app.test_client()
    assert client.get("/metrics").status_code == 401
    assert client.get("/metrics", headers={"Authorization": "Bearer s3cret"}).status_code == 200


def test_each_request_gets_a_request_id_and_one_json_log_line(app):
    buffer = io.StringIO()
    logs.configure("json", stream=buffer)
    try:
        client = app.test_client()
        given = client.get("/no-such-page", headers={"X-Request-ID": "lb-7f3a"})
        fresh = client.get("/no-such-page", headers={"X-Request-ID": "not a valid id\u2028"})
    finally:
        logger = logging.getLogger(logs.LOGGER)
        logger.handlers = [h for h in logger.handlers if not getattr(h, "_safeloop", False)]
        logger.propagate, logger.level = True, logging.NOTSET
    assert given.headers["X-Request-ID"] == "lb-7f3a"
    assert re.fullmatch(r"[0-9a-f]{32}", fresh.headers["X-Request-ID"])
    entries = [json.loads(line) for line in buffer.getvalue().splitlines()]
    assert [(e["logger"], e["method"], e["path"], e["status"], e["request_id"]) for e in entries] == [
        ("safeloop.http", "GET", "/no-such-page", 404, "lb-7f3a"),
        ("safeloop.http", "GET", "/no-such-page", 404, fresh.headers["X-Request-ID"])]
    assert all(e["level"] == "INFO" and e["duration_ms"] >= 0 and e["time"].endswith("+00:00") for e in entries)


WORKER = """
import sys
from webui import create_app
from webui.pages import ops
app = create_app({"TESTING": True, "ENGINE_CONFIGURED": True, "DATA_DIR": sys.argv[1]})
if sys.argv[2] == "scrape":
    from engine.runtime import Snapshot
    ops.snapshot = lambda now: Snapshot({"running": 3}, 0, 0, 0, 0, 0.0, 0)
    sys.stdout.write(app.test_client().get("/metrics").get_data(as_text=True))
else:
    for _ in range(int(sys.argv[2])):
        app.test_client().get("/no-such-page")
"""


def test_with_several_gunicorn_workers_a_scrape_of_any_one_sums_every_workers_latency(tmp_path):
    """prometheus-client's multiprocess mode: each process writes its histogram to PROMETHEUS_MULTIPROC_DIR."""
    import os
    import subprocess
    import sys
    shared = tmp_path / "prometheus"
    shared.mkdir()
    env = {**os.environ, "PROMETHEUS_MULTIPROC_DIR": str(shared)}
    root = Path(__file__).resolve().parents[2]

    def run(*args: str) -> str:
        done = subprocess.run([sys.executable, "-c", WORKER, str(tmp_path / "web"), *args], env=env, cwd=root,
                              capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, done.stderr[-2000:]
        return done.stdout

    run("2")
    run("3")  # a second worker process
    body = run("scrape")
    assert _metric(body, "safeloop_http_request_duration_seconds_count",
                   '{method="GET",route="unmatched",status="404"}') == 5
    assert _metric(body, "safeloop_cases", '{status="running"}') == 3
