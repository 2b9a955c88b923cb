"""The campaign simulator runs the real processes on a simulated clock; its figures are the dashboard's metrics."""
from __future__ import annotations

import json
from datetime import date

import pytest
from sqlalchemy import func, select

from engine.campaign import simulation, yearly_figures
from engine.runtime import stored_state
from engine.runtime.db import unit_of_work
from engine.runtime.models import AuditEvent, ProcessInstance

QUARTER = (date(2024, 7, 1), date(2024, 9, 30))
PROCEDURES = ("hazard_closure", "industry_inspection", "quarterly_principal_check", "evacuation_drill",
              "training_rollout", "training_enrolment", "notice_distribution", "notice_acknowledgement",
              "whistleblower_intake", "daily_self_check", "quarterly_progress_report", "enforcement_referral")


@pytest.fixture(scope="module")
def quarter(tmp_path_factory):
    """One simulated quarter with every procedure, on 8 of the 40 demo enterprises (self-checks on)."""
    import engine
    from engine.runtime import db
    path = tmp_path_factory.mktemp("sim")
    engine.configure(database_url=f"sqlite:///{path}/sim.db", data_dir=path)
    params = simulation.Parameters(whistleblower_reports_per_month=8, joint_inspections_per_month=2,
                                   serious_violation=0.2)
    figures, health = simulation.prepare_and_run(*QUARTER, seed=5, enterprises=8, params=params)
    with unit_of_work(write=False) as s:
        started = dict(s.execute(select(ProcessInstance.process_key, func.count()).group_by(ProcessInstance.process_key)).all())
        sources = set(s.scalars(select(ProcessInstance.source).where(ProcessInstance.process_key == "hazard_closure")))
        escalations = s.scalar(select(func.count()).where(AuditEvent.action == "task.escalate"))
        ungraded = s.scalar(select(func.count()).where(ProcessInstance.process_key == "hazard_closure",
                                                       ProcessInstance.status == "completed",
                                                       ProcessInstance.hazard_level.is_(None),
                                                       ProcessInstance.summary["is_hazard"].as_boolean().is_(True)))
    yield dict(figures=figures, health=health, started=started, sources=sources, escalations=escalations,
               ungraded=ungraded, params=params)
    db.dispose()


def test_a_quarter_exercises_every_procedure_through_the_engine(quarter):
    health = quarter["health"]
    assert health.problems == () and health.errored_cases == 0  # no form refused, no engine fault, no incident
    missing = [key for key in PROCEDURES if not quarter["started"].get(key)]
    assert missing == []
    assert {"inspection", "self_check", "grid_report", "whistleblower"} <= quarter["sources"]
    assert health.steps == health.completions + health.timer_firings + health.starts > 500


def test_the_figures_are_plausible_and_every_closed_hazard_was_graded(quarter):
    [year] = quarter["figures"]
    assert year.year == 2024 and year.hazards_found >= 5
    assert year.hazards_general > year.hazards_major  # most hazards are general
    assert quarter["ungraded"] == 0  # a confirmed hazard always gets a level
    assert year.referrals <= 0.25 * year.hazards_found  # not most inspections end in a referral
    assert year.self_checks_done > 8 * 55 and year.self_check_rate > 0.85
    assert year.inspections_due >= 8 and year.escalations == quarter["escalations"] > 0  # some staff are late
    assert year.duplicate_referrals == 0
    # leaders hear of escalations in one daily digest, never task by task
    assert quarter["health"].leader_notes_max_per_day <= 3


def test_the_table_puts_the_goals_beside_the_figures(quarter):
    text = simulation.table(quarter["figures"])
    assert "重大隐患按期闭环" in text and "major hazards on schedule" in text and "目标 Goal" in text
    assert "达标 met" in text and "2024" in text
    keys = [g.key for g in yearly_figures.goals(quarter["figures"][0])]
    assert keys[:3] == ["major_on_schedule", "new_major", "open_major"] and "escalations_per_working_day" in keys


def test_the_json_has_the_table_and_the_runs_health(quarter):
    doc = json.loads(simulation.as_json(quarter["figures"], quarter["health"], seed=5, params=quarter["params"],
                                        self_checks=True))
    [year] = doc["years"]
    assert {g["key"] for g in year["goals"]} >= {"major_on_schedule", "training", "self_checks", "inspections"}
    health = doc["health"]
    assert health["largest_state_bytes"] == stored_state.largest_state() > 1000
    assert 5 < health["deepest_task_tree"] < 200 and health["steps_per_second"] > 0
    assert health["escalations_per_working_day"] is not None and health["duplicate_referrals"] == 0


def test_tree_depth_walks_parents_without_recursion():
    chain = {str(n): {"parent": str(n - 1) if n else None} for n in range(5000)}
    assert stored_state.tree_depth(json.dumps({"tasks": chain})) == 5000
    assert stored_state.tree_depth(json.dumps({"tasks": {}})) == 0


def test_same_seed_same_campaign(tmp_path):
    import engine
    from engine.runtime import db
    results = []
    for run in ("a", "b"):
        engine.configure(database_url=f"sqlite:///{tmp_path / run}.db", data_dir=tmp_path)
        figures, _health = simulation.prepare_and_run(date(2024, 7, 1), date(2024, 7, 12), seed=3, enterprises=4)
        results.append(figures)
        db.dispose()
    assert results[0] == results[1] and results[0][0].cases > 0


def test_the_hazard_rate_falls_as_the_campaign_works():
    p = simulation.Parameters()
    assert p.trend(simulation.CAMPAIGN_START) == 1.0
    assert p.trend(date(2025, 6, 1)) < 0.5 * p.trend(date(2024, 7, 1))
    assert p.trend(date(2026, 12, 31)) == pytest.approx(p.trend_floor, abs=0.01)


def test_the_command_prints_the_table_and_writes_the_json(tmp_path):
    from click.testing import CliRunner

    from engine.operations import cli
    from engine.runtime import db
    out = tmp_path / "run.json"
    result = CliRunner().invoke(cli.main, ["--data-dir", str(tmp_path), "simulate", "--from", "2024-06-24", "--until",
                                           "2024-06-28", "--no-self-checks", "--late-share", "0.3", "--json", str(out)])
    db.dispose()
    assert result.exit_code == 0, result.output
    assert "目标 Goal" in result.output and "steps" in result.output
    doc = json.loads(out.read_text("utf-8"))
    assert doc["parameters"]["late_share"] == 0.3 and doc["self_checks"] is False
    assert doc["health"]["steps"] > 0 and doc["years"][0]["year"] == 2024
    assert (tmp_path / "simulation.db").exists()
