"""hazard_closure, 自查自改 + 抽查 (issue 16 §4): a general hazard the enterprise found itself is fixed and closed by
the enterprise; the bureau checks a sample (SAFELOOP_SPOT_CHECK_RATE, a deterministic pick)."""
from __future__ import annotations

import pytest

from engine import FormInvalid
from engine.campaign import registers, spot_checks
from tests.processes.campaign_support import (
    CATERING,
    Campaign,
    columns,
    grading,
    hazard_report,
    self_fix_report,
    self_rectification,
    spot_check,
)


@pytest.fixture
def hazards(campaign: Campaign) -> Campaign:
    campaign.deploy("hazard_closure", "enforcement_referral")
    return campaign


def _row(hazards: Campaign, case_id: int) -> registers.RegisterRow:
    [row] = [r for r in registers.rows(hazards.admin, "hazards", today=hazards.today()).items if r.id == case_id]
    return row


def test_a_self_fixed_general_hazard_not_drawn_is_closed_by_the_enterprise(hazards, monkeypatch):
    monkeypatch.setenv("SAFELOOP_SPOT_CHECK_RATE", "0")
    case = hazards.start("officer", "hazard_closure", self_fix_report(planned_deadline="2025-03-10"))
    assert hazards.steps(case.id) == ["rectify_self"]  # no grading on site
    assert columns(case) == {"enterprise": CATERING, "industry": "catering", "level": "general", "deadline": "2025-03-10",
                             "status": "running"}
    assert case.data["general_registered_on"] == "2025-03-03" and case.data["self_fix"] is True
    [task] = hazards.case(case.id).open_tasks
    assert task.role == "enterprise_safety_officer" and task.form_key == "self_rectification_report"

    hazards.go_to("2025-03-05T10:00")
    case = hazards.do("officer", case.id, "rectify_self", **self_rectification())
    assert case.status == "completed" and case.open_tasks == ()
    assert (case.data["closed_on"], case.data["closed_by"], case.data["spot_check_selected"]) == ("2025-03-05", "enterprise",
                                                                                                   False)
    assert columns(case)["level"] == "general" and columns(case)["deadline"] == "2025-03-10"
    [row] = hazards.register(hazard_level="general")
    assert (row.status, row.closed_on, row.closed_by, row.overdue) == ("completed", "2025-03-05", "enterprise", False)
    assert _row(hazards, case.id).state == "done"
    assert hazards.steps(case.id) == [] and hazards.children(case.id) == []


def test_a_drawn_self_closed_hazard_confirmed_by_the_bureau_stays_closed(hazards, monkeypatch):
    monkeypatch.setenv("SAFELOOP_SPOT_CHECK_RATE", "1")
    case = hazards.start("officer", "hazard_closure", self_fix_report())
    assert columns(case)["deadline"] == "2025-03-18"  # no planned date: 15 days
    case = hazards.do("officer", case.id, "rectify_self", **self_rectification())
    assert hazards.steps(case.id) == ["spot_check"] and case.status == "running"
    assert case.data["closed_by"] == "enterprise" and case.data["spot_check_result"] == "pending"

    hazards.go_to("2025-03-20T10:00")  # past the enterprise's deadline while the check is pending
    [row] = hazards.register()
    assert (row.status, row.closed_on, row.spot_check_result, row.overdue) == ("running", "2025-03-03", "pending", False)
    assert _row(hazards, case.id).state == "done"  # closed by the enterprise: settled, not overdue
    assert registers.counts(hazards.admin, "hazards", today=hazards.today()).overdue == 0

    case = hazards.do("inspector", case.id, "spot_check", **spot_check("ok"))
    assert case.status == "completed" and case.data["spot_check_result"] == "ok"
    assert case.data["closed_on"] == "2025-03-03" and case.current_step == "企业自改销号"


def test_a_failed_sample_check_reopens_the_hazard_and_its_next_closure_is_always_checked(hazards, monkeypatch):
    monkeypatch.setenv("SAFELOOP_SPOT_CHECK_RATE", "1")
    case = hazards.start("officer", "hazard_closure", self_fix_report())
    hazards.do("officer", case.id, "rectify_self", **self_rectification())
    with pytest.raises(FormInvalid):  # a failed check needs the new deadline
        hazards.do("inspector", case.id, "spot_check", **spot_check("not_ok"))

    case = hazards.do("inspector", case.id, "spot_check", **spot_check("not_ok", "2025-03-25"))
    assert hazards.steps(case.id) == ["rectify_self"]
    assert columns(case)["deadline"] == "2025-03-25" and columns(case)["status"] == "running"
    assert (case.data["closed_on"], case.data["self_closed"], case.data["spot_check_failures"]) == ("", False, 1)
    [row] = hazards.register()
    assert (row.closed_on, row.closed_by) == (None, None)
    hazards.go_to("2025-03-26T10:00")
    assert _row(hazards, case.id).state == "overdue" and [r.overdue for r in hazards.register()] == [True]

    monkeypatch.setenv("SAFELOOP_SPOT_CHECK_RATE", "0")  # a rate of nought: the failed hazard is checked anyway
    case = hazards.do("officer", case.id, "rectify_self", **self_rectification())
    assert hazards.steps(case.id) == ["spot_check"] and case.data["closures"] == 2
    case = hazards.do("inspector", case.id, "spot_check", **spot_check("ok"))
    assert case.status == "completed" and case.data["closed_on"] == "2025-03-26"


def test_a_hazard_the_enterprise_judges_major_is_graded_by_the_bureau(hazards):
    case = hazards.start("officer", "hazard_closure", hazard_report(reported_level="major"))
    assert hazards.steps(case.id) == ["grade_hazard"] and case.hazard_level is None
    case = hazards.do("inspector", case.id, "grade_hazard", **grading("major", "2025-04-30"))
    assert hazards.steps(case.id) == ["expert_confirm"]


@pytest.mark.parametrize("source", ["grid_report", "whistleblower", "inspection"])
def test_hazards_from_outside_the_enterprise_are_graded_whatever_level_was_reported(hazards, source):
    extra = {"grid_name": "兴隆街道第一网格"} if source == "grid_report" else {}
    case = hazards.start("inspector", "hazard_closure", self_fix_report(source=source, **extra))
    assert hazards.steps(case.id) == ["grade_hazard"]


def test_the_pick_is_deterministic_and_draws_about_the_rate(monkeypatch):
    monkeypatch.delenv("SAFELOOP_SPOT_CHECK_SALT", raising=False)
    monkeypatch.setenv("SAFELOOP_SPOT_CHECK_RATE", "0.2")
    picks = [spot_checks.pick(CATERING, f"隐患{i}", "2025-03-03", 1) for i in range(2000)]
    assert picks == [spot_checks.pick(CATERING, f"隐患{i}", "2025-03-03", 1) for i in range(2000)]
    assert 0.17 < sum(picks) / len(picks) < 0.23
    monkeypatch.setenv("SAFELOOP_SPOT_CHECK_SALT", "bureau-secret")
    salted = [spot_checks.pick(CATERING, f"隐患{i}", "2025-03-03", 1) for i in range(2000)]
    assert salted != picks and 0.17 < sum(salted) / len(salted) < 0.23


@pytest.mark.parametrize(("setting", "rate"), [("0.35", 0.35), ("1", 1.0), ("0", 0.0), ("1.5", 0.2), ("-1", 0.2),
                                                ("lots", 0.2)])
def test_the_rate_comes_from_the_setting_and_a_bad_one_is_the_default(monkeypatch, setting, rate):
    monkeypatch.setenv("SAFELOOP_SPOT_CHECK_RATE", setting)
    assert spot_checks.rate() == rate
