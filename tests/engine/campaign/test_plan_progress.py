"""engine.campaign.plan_progress: every target of the plan, hand-counted on the registers' stand (tests/engine/campaign/test_registers.py,
Monday 2025-03-03) plus a yellow enterprise's inspection, and major hazards on the stand-in diagram; both databases."""
from __future__ import annotations

from datetime import date, datetime, timezone

import pytest

import engine
from engine.campaign import plan_progress, registers
from engine.campaign.registers import Filters
from tests.engine.campaign.test_registers import TODAY, campaign, stand  # noqa: F401 (fixtures)
from tests.processes.campaign_support import COMPLEX, OIL
from tests.webui.pages_support import deploy_hazard_stand_in, start_review


def figures(p: plan_progress.PlanProgress) -> dict[str, tuple]:
    return {t.key: (t.numerator, t.denominator, t.met) for t in p.tiles}


def test_every_target_is_measured_from_the_registers(campaign, stand):  # noqa: F811
    chief = campaign.actors["chief"]
    campaign.start("inspector", "industry_inspection", {"enterprise_code": COMPLEX, "case_title": "2025H1 检查",
                                                        "inspection_type": "routine", "period": "2025H1",
                                                        "deadline": "2025-06-30"})
    this_year = plan_progress.progress(chief, 2025, today=TODAY)
    assert figures(this_year) == {
        "major_loop": (0, 0, None), "major_new": (0, None, True), "major_open": (0, None, True),
        "training": (0, 0, None),             # the 2025 enrolment is open within its time
        "self_checks": (1, 2, False),         # done 3 Mar; missed 2 Mar (3 Mar's OIL check is still open)
        "inspections": (1, 1, True),          # OIL's routine 2025Q1 done; COMPLEX's 2025H1 still within its time
        "inspections_high_risk": (1, 1, True),  # red OIL; COMPLEX is yellow
        "drills": (1, 1, True),               # OIL 2025H1 held
        "referrals": (0, 0, None), "whistleblower": (0, 0, None),
        "notices": (1, 1, True),              # CATERING confirmed; OIL's receipt is within its time
    }
    assert this_year.tile("inspections").pending == 1 and this_year.tile("inspections_high_risk").pending == 0
    assert this_year.tile("self_checks").pending == 1
    last_year = figures(plan_progress.progress(chief, 2024, today=TODAY))
    assert last_year["inspections"] == (0, 1, False) and last_year["drills"] == (0, 1, False)  # missed; overdue
    to_date = figures(plan_progress.progress(chief, today=TODAY))
    assert to_date["inspections"] == (1, 2, False) and to_date["drills"] == (1, 2, False)


def test_a_tile_links_to_exactly_the_register_rows_it_counts(campaign, stand):  # noqa: F811
    chief = campaign.actors["chief"]
    tile = plan_progress.progress(chief, 2025, today=TODAY).tile("inspections_high_risk")
    assert (tile.register, tile.filters) == ("inspections", Filters(year=2025, variant="routine",
                                                                     risk_grades=("red", "orange")))
    rows = registers.rows(chief, tile.register, tile.filters, today=TODAY).items
    assert [(r.enterprise_code, r.state) for r in rows] == [(OIL, "done")]
    assert registers.counts(chief, "inspections", Filters(risk_grades=("yellow",)), today=TODAY).due == 0
    with pytest.raises(engine.BadRequest):
        registers.counts(chief, "inspections", Filters(risk_grades=("purple",)), today=TODAY)


def test_an_enterprise_user_sees_its_own_figures_and_no_bureau_registers(campaign, stand):  # noqa: F811
    mine = figures(plan_progress.progress(campaign.actors["officer"], 2025, today=TODAY))
    assert "referrals" not in mine and "whistleblower" not in mine
    assert mine["notices"] == (1, 1, True) and mine["self_checks"] == (1, 1, True)  # CATERING's own
    assert mine["inspections"] == (0, 0, None)  # its unannounced and joint inspections are not routine


def test_major_hazards_overdue_are_out_of_the_loop_and_the_increment_is_judged_year_on_year(people, review, clock):
    deploy_hazard_stand_in()
    clock.set(datetime(2024, 6, 1, 2, 0, tzinfo=timezone.utc))
    for deadline in ("2024-07-01", "2024-08-01"):
        start_review(people["officer_a"], "hazard_closure", hazard_level="major", deadline=deadline)
    clock.set(datetime(2025, 3, 3, 1, 0, tzinfo=timezone.utc))
    late = start_review(people["officer_a"], "hazard_closure", hazard_level="major", deadline="2025-03-01")
    start_review(people["officer_b"], "hazard_closure", hazard_level="general", deadline="2025-01-01")
    rectify = engine.complete_task(people["officer_a"], late.open_tasks[0].id, {"measures": "已整改"})
    assert rectify.status == "running"
    chief = people["chief"]
    to_date = plan_progress.progress(chief, today=TODAY)
    assert figures(to_date)["major_loop"] == (0, 3, False)  # all three past their deadlines: not in the loop
    assert figures(to_date)["major_open"] == (3, None, False)  # dynamic zero: none may be overdue
    assert to_date.new_major_by_year == ((2024, 2), (2025, 1))
    assert figures(to_date)["major_new"] == (3, None, True)  # 2025 (1) below 2024 (2)
    y2025 = plan_progress.progress(chief, 2025, today=TODAY).tile("major_new")
    assert (y2025.numerator, y2025.previous, y2025.met, y2025.previous_filters) == (
        1, 2, True, Filters(year=2024, variant="major"))
    assert plan_progress.progress(chief, 2024, today=TODAY).tile("major_new").met is None  # the baseline year
    engine.complete_task(people["inspector_catering"], rectify.open_tasks[0].id, {"result": "pass"})
    after = figures(plan_progress.progress(chief, 2025, today=TODAY))
    assert after["major_loop"] == (1, 1, True) and after["major_open"] == (0, None, True)
    assert plan_progress.progress(chief, 2024, today=date(2026, 12, 31)).tile("major_open").met is False
