"""Timer start events start one fresh case per occurrence, on the injected clock."""
from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

import engine
from engine.runtime import timers

DATA = Path(__file__).parents[2] / "data"


def test_cycle_schedule_starts_a_new_case_per_occurrence_and_stops_after_its_count(review, people, clock):
    deployed = engine.deploy((DATA / "tick.bpmn").read_bytes(), actor="owner")
    assert deployed.created
    assert timers.fire_due() == 0  # first occurrence is tomorrow 09:00
    for day in range(4, 8):
        clock.set(datetime(2025, 3, day, 1, 0, 5, tzinfo=timezone.utc))
        timers.fire_due()
    ticks = engine.list_instances(people["admin"], process_key="tick")
    assert ticks.total == 3 and {c.status for c in ticks.items} == {"completed"}
    reviews = engine.list_instances(people["admin"], process_key="review")
    assert reviews.total == 3  # one catering enterprise per occurrence
    assert {c.enterprise_code for c in reviews.items} == {"91220881MA00000000"}
    assert {c.parent_id for c in reviews.items} == {c.id for c in ticks.items}


def test_redeploy_moves_the_schedule_to_the_new_version(review, people, clock):
    engine.deploy((DATA / "tick.bpmn").read_bytes(), actor="owner")
    v2 = engine.deploy((DATA / "tick.bpmn").read_bytes().replace(b"R3/", b"R2/"), actor="owner")
    clock.set(datetime(2025, 3, 9, 1, 0, 5, tzinfo=timezone.utc))
    timers.fire_due()
    timers.fire_due()
    ticks = engine.list_instances(people["admin"], process_key="tick")
    assert ticks.total == 2 and {c.process_version for c in ticks.items} == {v2.process.version}


def test_missed_occurrences_fire_after_downtime_in_due_order(review, people, clock):
    engine.deploy((DATA / "tick.bpmn").read_bytes(), actor="owner")
    clock.set(datetime(2025, 4, 1, tzinfo=timezone.utc))
    total = 0
    while fired := timers.fire_due():
        total += fired
    assert total == 3
    ticks = sorted(engine.list_instances(people["admin"], process_key="tick").items, key=lambda c: c.id)
    assert [c.business_key for c in ticks] == ["tick@2025-03-04", "tick@2025-03-05", "tick@2025-03-06"]
