"""The *_dispatch schedules: each occurrence starts one case per target enterprise (or one report)."""
from __future__ import annotations

import pytest

import engine
from tests.processes.campaign_support import (
    CATERING,
    COMPLEX,
    ENTERPRISES,
    GRAIN,
    OIL,
    RECYCLING,
    SMALL_VENUE,
    Campaign,
)


@pytest.fixture
def schedules(campaign: Campaign) -> Campaign:
    return campaign


def started(campaign: Campaign, key: str) -> list[engine.InstanceView]:
    page = engine.list_instances(campaign.admin, process_key=key, limit=500)
    return [campaign.case(c.id) for c in sorted(page.items, key=lambda c: c.id)]


def by_enterprise(cases: list[engine.InstanceView]) -> dict[str, engine.InstanceView]:
    return {c.enterprise_code: c for c in cases}


def test_inspections_go_to_red_and_orange_enterprises_each_quarter_and_to_all_each_half_year(schedules):
    schedules.deploy("industry_inspection", "industry_inspection_dispatch")
    schedules.go_to("2025-04-01T09:01")
    q2 = by_enterprise(started(schedules, "industry_inspection"))
    assert set(q2) == {CATERING, OIL, GRAIN}  # orange, red, red
    assert {(c.data["period"], c.deadline.isoformat()) for c in q2.values()} == {("2025Q2", "2025-06-30")}
    [dispatch] = started(schedules, "industry_inspection_dispatch")
    assert dispatch.status == "completed" and {c.parent_id for c in q2.values()} == {dispatch.id}

    schedules.go_to("2025-07-01T09:01")
    everyone = started(schedules, "industry_inspection")
    h2 = [c for c in everyone if c.data["period"] == "2025H2"]
    assert sorted(c.enterprise_code for c in h2) == sorted(ENTERPRISES)
    assert {c.deadline.isoformat() for c in h2} == {"2025-12-31"}
    assert schedules.steps(h2[0].id) == ["inspect"]


def test_the_quarterly_principal_check_goes_to_every_enterprise_but_small_venues(schedules):
    schedules.deploy("quarterly_principal_check", "quarterly_principal_check_dispatch")
    schedules.go_to("2025-04-01T09:01")
    cases = by_enterprise(started(schedules, "quarterly_principal_check"))
    assert set(cases) == set(ENTERPRISES) - {SMALL_VENUE}
    assert {(c.data["period"], c.deadline.isoformat()) for c in cases.values()} == {("2025Q2", "2025-06-30")}
    assert schedules.steps(cases[OIL].id) == ["report_check"]


def test_drills_are_half_yearly_for_high_risk_and_yearly_for_crowded_places(schedules):
    schedules.deploy("evacuation_drill", "evacuation_drill_dispatch")
    schedules.go_to("2025-07-01T09:01")
    h2 = by_enterprise(started(schedules, "evacuation_drill"))
    assert set(h2) == set(ENTERPRISES)
    assert {h2[c].data["drill_interval"] for c in (OIL, GRAIN, RECYCLING)} == {"half_year"}
    assert {h2[c].data["drill_interval"] for c in (CATERING, SMALL_VENUE, COMPLEX)} == {"year"}
    assert {c.deadline.isoformat() for c in h2.values()} == {"2025-12-31"}

    schedules.go_to("2026-01-01T09:01")
    h1 = [c for c in started(schedules, "evacuation_drill") if c.data["period"] == "2026H1"]
    assert sorted(c.enterprise_code for c in h1) == sorted([OIL, GRAIN, RECYCLING])
    assert {c.deadline.isoformat() for c in h1} == {"2026-06-30"}


def test_the_quarterly_progress_report_covers_the_quarter_just_ended(schedules):
    schedules.deploy("quarterly_progress_report", "quarterly_progress_report_dispatch")
    schedules.go_to("2025-04-01T09:01")
    [report] = started(schedules, "quarterly_progress_report")
    assert report.data["period"] == "2025Q1" and report.enterprise_code is None
    assert report.deadline.isoformat() == "2025-04-16"  # ten working days, Qingming (4–6 April) off
    assert schedules.steps(report.id) == ["draft_report"]
    schedules.go_to("2026-01-01T09:01")
    assert [r.data["period"] for r in started(schedules, "quarterly_progress_report")] == ["2025Q1", "2025Q2",
                                                                                          "2025Q3", "2025Q4"]


def test_every_enterprise_gets_a_self_check_every_morning(schedules):
    schedules.deploy("daily_self_check", "daily_self_check_dispatch")
    schedules.go_to("2025-03-04T08:01")
    today = started(schedules, "daily_self_check")
    assert sorted(c.enterprise_code for c in today) == sorted(ENTERPRISES)
    assert {(c.deadline.isoformat(), c.title) for c in today} == {("2025-03-04", "2025-03-04 每日安全自查")}
    schedules.go_to("2025-03-05T08:01")
    cases = started(schedules, "daily_self_check")
    assert len(cases) == 2 * len(ENTERPRISES)
    assert sum(c.status == "completed" and c.data.get("self_check_missed") for c in cases) == len(ENTERPRISES)
