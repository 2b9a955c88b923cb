"""engine.campaign.accidents and the register kind `accidents`: records per year and level, hand-counted on both databases."""
from __future__ import annotations

import pytest

import engine
from engine.campaign import accidents, registers
from engine.campaign.registers import Filters
from tests.processes.campaign_support import CATERING, DEMO, ENTERPRISES, GRAIN, OIL, USERS, Campaign


def report(code: str, kind: str, level: str, day: str) -> dict:
    return {"enterprise_code": code, "event_type": kind, "accident_level": level, "occurred_on": day,
            "location": "仓库", "description": "经过。", "deaths": 0, "serious_injuries": 0, "injuries": 0}


@pytest.fixture
def records(clock: engine.ManualClock) -> Campaign:
    for code in ENTERPRISES:
        e = DEMO[code]
        engine.add_enterprise(code, e["name"], e["industry"], category=e["category"])
    for name, spec in USERS.items():
        engine.add_user(name, **spec)
    c = Campaign(clock)
    c.actors = {name: engine.get_actor(name) for name in USERS}
    c.deploy("accident_report")
    # 2025 (the clock): a near miss at the catering company, verified; a general accident at the oil depot, open;
    # a grain accident reported as larger and verified as major
    near = c.start("officer", "accident_report", report(CATERING, "near_miss", "general", "2025-03-01"))
    assert near.data["accident_level"] == "near_miss" and near.title == "2025-03-01 险情"
    c.do("inspector", near.id, "verify_accident", verified_level="near_miss", verification_notes="属实。")
    c.start("officer_oil", "accident_report", report(OIL, "accident", "general", "2025-03-02"))
    grain = c.start("inspector", "accident_report", report(GRAIN, "accident", "larger", "2025-03-02"))
    done = c.do("inspector", grain.id, "verify_accident", verified_level="major", verification_notes="定为重大。")
    assert done.status == "completed" and done.data["serious"] is True
    return c


def test_records_count_per_year_and_level(records):
    (y2025, y2024) = accidents.yearly_counts(records.actors["chief"], (2025, 2024))
    assert y2025.by_level == {"general": 1, "larger": 0, "major": 1, "especially_major": 0, "near_miss": 1}
    assert (y2025.accidents, y2025.serious) == (2, 1)
    assert sum(y2024.by_level.values()) == 0


def test_the_accidents_register_counts_verified_records_as_settled(records):
    chief = records.actors["chief"]
    counts = registers.counts(chief, "accidents", Filters(year=2025))
    assert (counts.due, counts.open, counts.overdue, counts.done, counts.missed) == (3, 1, 0, 2, 0)
    assert "accidents" in {k.key for k in registers.visible_kinds(records.actors["officer"])}
    rows = registers.rows(chief, "accidents", Filters(variant="major")).items
    assert [(r.enterprise_code, r.fields["accident_level"]) for r in rows] == [(GRAIN, "major")]


def test_an_enterprise_sees_its_own_records_only(records):
    (y2025,) = accidents.yearly_counts(records.actors["officer"], (2025,))
    assert y2025.by_level["near_miss"] == 1 and y2025.accidents == 0


def test_the_registers_enterprise_rows_carry_scale_grade_and_benchmark(records):
    from engine.campaign import enterprises
    enterprises.set_enterprise_profile(GRAIN, actor="admin", scale="above_scale", standard_grade="level_1", benchmark=True)
    rows = registers.enterprise_counts(records.actors["chief"], "accidents", sort="enterprise").items
    grain = next(r for r in rows if r.enterprise_code == GRAIN)
    assert (grain.scale, grain.standard_grade, grain.benchmark, grain.counts.due) == ("above_scale", "level_1", True, 1)
    assert next(r for r in rows if r.enterprise_code == OIL).scale is None
