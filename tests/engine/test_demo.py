"""`safeloop init --demo`: the demo data loads every procedure in some stage, once."""
from __future__ import annotations

import pytest

import engine
from engine import bootstrap, notices

pytestmark = pytest.mark.parametrize("database", ["sqlite"], indirect=True)  # one database is enough for the data


def test_the_demo_loads_once_with_a_notice_whose_receipts_are_partly_confirmed(database):
    report = bootstrap.init(demo=True)
    assert report["demo_cases"] == 37 and report["campaign_dates"]
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
