"""`safeloop init --demo`: the demo data loads every procedure in some stage, once."""
from __future__ import annotations

import pytest

import engine
from engine.campaign import bootstrap, notices

pytestmark = pytest.mark.parametrize("database", ["sqlite"], indirect=True)  # one database is enough for the data


def test_the_demo_loads_once_with_a_notice_whose_receipts_are_partly_confirmed(database):
    report = bootstrap.init(demo=True)
    assert report["demo_cases"] == 39 and report["campaign_dates"]
    again = bootstrap.init(demo=True)
    assert again["demo_cases"] == 0  # idempotent by business key

    inspector = engine.get_actor("zhangwei")
    [notice] = engine.list_instances(inspector, process_key="notice_distribution").items
    cover = notices.coverage(inspector, notice.id)
    assert (cover.total, cover.confirmed, cover.pending) == (7, 3, 4)  # the seven catering enterprises
    by_code = {r.enterprise_code: r for r in cover.rows}
    assert by_code["91220881MA57H0KQ5Q"].confirmed_by == "ent01.principal"  # the alternate role confirmed
    processes = {p.key for p in engine.list_processes()}
    started = {i.process_key for i in engine.list_instances(engine.SYSTEM, limit=500).items}
    assert {"hazard_closure", "enforcement_referral", "notice_distribution", "notice_acknowledgement",
            "daily_self_check", "training_rollout"} <= started <= processes
    assert "accident_report" in started


def test_the_demo_enterprises_have_staff_registers_and_training_counted_in_people(database):
    from engine.campaign import staff, training_coverage
    bootstrap.init(demo=True)
    people = staff.list_people(engine.SYSTEM, "91220881MA57H0KQ5Q")
    assert [(p.name, p.post) for p in people][:2] == [("黄丽华", "principal"), ("何永刚", "safety_manager")]
    by_key = {i.business_key: i for i in engine.list_instances(engine.SYSTEM, process_key="training_enrolment").items}
    done, makeup = engine.get_instance(engine.SYSTEM, by_key["DEMO-TE-01"].id), by_key["DEMO-TE-02"]
    assert done.status == "completed" and done.data["people_passed"] == 2
    assert makeup.status == "running"
    coverage = training_coverage.coverage(engine.SYSTEM, 2024)
    assert {line.key: line.figures.passed for line in coverage.industries}["catering"] == 2
    grain = [e for e in engine.list_enterprises(limit=200).items if e.industry == "grain_storage"]
    assert all(e.scale == "above_scale" for e in grain) and any(e.benchmark for e in engine.list_enterprises(limit=200).items)
