"""The campaign simulator runs the real processes on a simulated clock; its figures come from the database."""
from __future__ import annotations

from datetime import date

from sqlalchemy import func, select

from engine import simulation
from engine.db import unit_of_work
from engine.models import AuditEvent, ProcessInstance


def test_a_simulated_month_runs_real_processes_and_reports_what_is_stored(database):
    if database != "sqlite":
        import pytest
        pytest.skip("one database is enough for the simulator")
    figures = simulation.prepare_and_run(date(2024, 4, 8), date(2024, 4, 30), seed=7)
    [year] = figures
    with unit_of_work(write=False) as s:
        hazards = s.scalar(select(func.count()).where(ProcessInstance.process_key == "hazard_closure"))
        escalations = s.scalar(select(func.count()).where(AuditEvent.action == "task.escalate"))
        errors = s.scalar(select(func.count()).where(ProcessInstance.status == "error"))
    assert year.hazards_total == hazards > 5
    assert year.hazards_general + year.hazards_major <= hazards
    assert year.escalations == escalations > 0  # some staff are late on purpose
    assert year.closed_general + year.closed_major > 0
    assert errors == 0
    text = simulation.table(figures)
    assert "2024" in text and "hazards" in text


def test_same_seed_same_campaign(tmp_path):
    import engine
    from engine import db, schema
    results = []
    for run in ("a", "b"):
        engine.configure(database_url=f"sqlite:///{tmp_path / run}.db", data_dir=tmp_path)
        schema.upgrade()
        results.append(simulation.prepare_and_run(date(2024, 4, 8), date(2024, 4, 16), seed=3))
        db.dispose()
    assert results[0] == results[1] and results[0][0].hazards_total > 0
