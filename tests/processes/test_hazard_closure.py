"""hazard_closure (隐患排查治理闭环): every gateway branch, with the domain columns and the register at each step."""
from __future__ import annotations

from datetime import datetime, time, timedelta

import pytest

import engine
from engine.runtime import notifications as engine_notifications
from engine.runtime import timers, workdays
from engine.runtime.clock import CHINA_TZ
from tests.processes.campaign_support import (
    CATERING,
    COMPLEX,
    Campaign,
    acceptance,
    acknowledgement,
    columns,
    expert_acceptance,
    expert_grading,
    grading,
    hazard_report,
    progress,
    publicity,
    rectification_plan,
    rectification_report,
    supervision,
)


@pytest.fixture
def hazards(campaign: Campaign) -> Campaign:
    campaign.deploy("hazard_closure", "enforcement_referral")
    return campaign


def running(level: str | None, deadline: str | None, enterprise: str = CATERING, industry: str = "catering") -> dict:
    return {"enterprise": enterprise, "industry": industry, "level": level, "deadline": deadline, "status": "running"}


def test_a_report_that_is_no_hazard_is_closed_without_rectification(hazards):
    case = hazards.start("grid", "hazard_closure",
                         hazard_report(COMPLEX, source="grid_report", grid_name="兴隆街道第一网格", found_by="陈刚"))
    assert columns(case) == running(None, None, COMPLEX, "commercial_complex")
    assert case.source == "grid_report" and case.title == "后厨燃气软管老化"
    assert hazards.steps(case.id) == ["grade_hazard"]

    case = hazards.do("inspector", case.id, "grade_hazard", **grading(None))
    assert columns(case) == dict(running(None, None, COMPLEX, "commercial_complex"), status="completed")
    assert case.open_tasks == ()
    assert "closed_on" not in case.data


def test_a_general_hazard_is_rectified_accepted_and_struck_off(hazards):
    case = hazards.start("officer", "hazard_closure", hazard_report())
    assert case.source == "self_check"

    case = hazards.do("inspector", case.id, "grade_hazard", **grading("general", "2025-03-13"))
    assert columns(case) == running("general", "2025-03-13")
    assert hazards.steps(case.id) == ["rectify_general"]
    [row] = hazards.register()
    assert (row.hazard_level, row.status, row.overdue) == ("general", "running", False)

    case = hazards.do("officer", case.id, "rectify_general", **rectification_report())
    assert columns(case) == running("general", "2025-03-13")
    assert hazards.steps(case.id) == ["acceptance"]

    case = hazards.do("inspector", case.id, "acceptance", **acceptance("pass"))
    assert columns(case) == dict(running("general", "2025-03-13"), status="completed")
    assert case.data["closed_on"] == "2025-03-03"
    assert [r.status for r in hazards.register(hazard_level="general")] == ["completed"]
    assert hazards.register(hazard_level="major") == []


def test_a_failed_acceptance_sends_the_hazard_back_with_a_new_deadline(hazards):
    case = hazards.start("officer", "hazard_closure", hazard_report())
    hazards.do("inspector", case.id, "grade_hazard", **grading("general", "2025-03-13"))
    hazards.do("officer", case.id, "rectify_general", **rectification_report())

    case = hazards.do("inspector", case.id, "acceptance", **acceptance("fail", "2025-03-20"))
    assert columns(case) == running("general", "2025-03-20")
    assert hazards.steps(case.id) == ["rectify_general"]
    assert hazards.children(case.id) == []

    hazards.do("officer", case.id, "rectify_general", **rectification_report())
    case = hazards.do("inspector", case.id, "acceptance", **acceptance("pass"))
    assert case.status == "completed"


def test_an_enterprise_that_refuses_is_referred_and_must_still_rectify(hazards):
    case = hazards.start("officer", "hazard_closure", hazard_report())
    hazards.do("inspector", case.id, "grade_hazard", **grading("general", "2025-03-13"))
    hazards.do("officer", case.id, "rectify_general", **rectification_report())

    case = hazards.do("inspector", case.id, "acceptance", **acceptance("refused", "2025-03-31"))
    assert columns(case) == running("general", "2025-03-31")
    assert hazards.steps(case.id) == ["rectify_general"]
    [referral] = hazards.children(case.id, "enforcement_referral")
    assert referral.enterprise_code == CATERING and referral.status == "running"
    assert referral.data["trigger"] == "refusal"
    assert referral.data["facts_summary"] == "复查时仍未整改，负责人拒绝签字。"
    assert referral.hazard_level is None  # the referral never counts as a hazard of its own
    assert hazards.steps(referral.id) == ["prepare_dossier"]


def test_a_general_hazard_reminds_before_its_deadline_and_escalates_when_overdue(hazards):
    case = hazards.start("officer", "hazard_closure", hazard_report())
    hazards.do("inspector", case.id, "grade_hazard", **grading("general", "2025-03-13"))
    hazards.go_to("2025-03-11T12:00")
    actions = [h.action for h in engine.instance_history(hazards.admin, case.id)]
    assert "task.remind" in actions and "task.escalate" not in actions

    hazards.go_to("2025-03-15T12:00")
    [task] = hazards.case(case.id).open_tasks
    assert task.element_id == "rectify_general" and task.overdue and task.escalation_level >= 1
    assert [r.overdue for r in hazards.register()] == [True]


def test_a_major_hazard_runs_the_full_major_loop_and_leaves_the_major_list(hazards):
    case = hazards.start("inspector", "hazard_closure", hazard_report(source="inspection"))
    case = hazards.do("inspector", case.id, "grade_hazard", **grading("major", "2025-04-30"))
    assert columns(case) == running("major", "2025-04-30")
    assert hazards.steps(case.id) == ["expert_confirm"]

    case = hazards.do("expert", case.id, "expert_confirm", **expert_grading("major"))
    assert columns(case) == running("major", "2025-04-30")
    assert case.data["major_list_status"] == "open" and case.data["major_listed_on"] == "2025-03-03"
    assert hazards.steps(case.id) == ["decide_supervision"]
    [row] = hazards.register(hazard_level="major")
    assert row.status == "running" and not row.five_fixes_complete

    case = hazards.do("chief", case.id, "decide_supervision", **supervision())  # not listed, not suspended
    assert hazards.steps(case.id) == ["acknowledge_notice"]
    hazards.do("principal", case.id, "acknowledge_notice", **acknowledgement())
    case = hazards.do("principal", case.id, "submit_plan", **rectification_plan("2025-04-20"))
    assert columns(case) == running("major", "2025-04-20")
    assert hazards.steps(case.id) == ["approve_plan"]

    hazards.do("chief", case.id, "approve_plan", plan_decision="return", approval_opinion="资金测算不足。")
    assert hazards.steps(case.id) == ["submit_plan"]
    hazards.do("principal", case.id, "submit_plan", **rectification_plan("2025-04-25"))
    case = hazards.do("chief", case.id, "approve_plan", plan_decision="approve")
    assert columns(case) == running("major", "2025-04-25")
    assert hazards.steps(case.id) == ["rectify_major"]
    [row] = hazards.register(hazard_level="major")
    assert row.five_fixes_complete and row.responsible_person == "后厨主管"

    hazards.do("officer", case.id, "rectify_major", **progress("in_progress"))
    assert hazards.steps(case.id) == ["rectify_major"]
    hazards.do("officer", case.id, "rectify_major", **progress("completed"))
    assert hazards.steps(case.id) == ["expert_acceptance"]
    hazards.do("expert", case.id, "expert_acceptance", **expert_acceptance())
    assert hazards.steps(case.id) == ["acceptance"]

    case = hazards.do("inspector", case.id, "acceptance", **acceptance("pass"))
    assert case.data["major_list_status"] == "closed" and case.data["closed_on"] == "2025-03-03"
    assert case.data["closed_by"] == "bureau" and "supervision_closed_on" not in case.data
    assert hazards.steps(case.id) == ["publicize_result"]  # no suspension to lift
    assert case.status == "running"

    case = hazards.do("principal", case.id, "publicize_result", **publicity())
    assert columns(case) == dict(running("major", "2025-04-25"), status="completed")
    assert [r.status for r in hazards.register(hazard_level="major")] == ["completed"]
    assert hazards.children(case.id) == []


def test_a_major_hazard_that_fails_acceptance_goes_back_to_major_rectification(hazards):
    case = hazards.start("inspector", "hazard_closure", hazard_report(source="inspection"))
    hazards.do("inspector", case.id, "grade_hazard", **grading("major", "2025-04-30"))
    hazards.do("expert", case.id, "expert_confirm", **expert_grading("major"))
    hazards.do("chief", case.id, "decide_supervision", **supervision())
    hazards.do("principal", case.id, "acknowledge_notice", **acknowledgement())
    hazards.do("principal", case.id, "submit_plan", **rectification_plan("2025-04-20"))
    hazards.do("chief", case.id, "approve_plan", plan_decision="approve")
    hazards.do("officer", case.id, "rectify_major", **progress("completed"))
    hazards.do("expert", case.id, "expert_acceptance", **expert_acceptance("pass"))

    case = hazards.do("inspector", case.id, "acceptance", **acceptance("fail", "2025-05-10"))
    assert columns(case) == running("major", "2025-05-10")
    assert hazards.steps(case.id) == ["rectify_major"]  # the approved plan stands; no new notice
    assert case.data["major_list_status"] == "open"


def test_an_expert_can_downgrade_a_major_hazard_to_general(hazards):
    case = hazards.start("inspector", "hazard_closure", hazard_report(source="joint_inspection"))
    hazards.do("inspector", case.id, "grade_hazard", **grading("major", "2025-04-30"))

    case = hazards.do("expert", case.id, "expert_confirm", **expert_grading("general"))
    assert columns(case) == running("general", "2025-04-30")
    assert hazards.steps(case.id) == ["rectify_general"]
    assert "major_list_status" not in case.data
    assert hazards.register(hazard_level="major") == []


def _to_major_rectification(hazards, deadline: str) -> int:
    case = hazards.start("inspector", "hazard_closure", hazard_report(source="inspection"))
    hazards.do("inspector", case.id, "grade_hazard", **grading("major", deadline))
    hazards.do("expert", case.id, "expert_confirm", **expert_grading("major"))
    hazards.do("chief", case.id, "decide_supervision", **supervision())
    hazards.do("principal", case.id, "acknowledge_notice", **acknowledgement())
    hazards.do("principal", case.id, "submit_plan", **rectification_plan(deadline))
    hazards.do("chief", case.id, "approve_plan", plan_decision="approve")
    return case.id


def _due(hazards, case_id: int) -> str:
    [task] = hazards.case(case_id).open_tasks
    return task.due_at.astimezone(CHINA_TZ).date().isoformat()


def test_progress_reports_are_due_every_15_days_and_never_after_the_deadline(hazards):
    case_id = _to_major_rectification(hazards, "2025-04-25")  # approved Mon 3 March
    assert hazards.case(case_id).data["progress_due"] == "2025-03-18" and _due(hazards, case_id) == "2025-03-18"
    hazards.go_to("2025-03-14T10:00")
    hazards.do("officer", case_id, "rectify_major", **progress("in_progress"))
    assert _due(hazards, case_id) == "2025-03-29"  # 15 days after the previous report
    hazards.go_to("2025-04-15T10:00")  # the report of the 29th is late: escalated, not repeated
    hazards.do("officer", case_id, "rectify_major", **progress("in_progress"))
    assert _due(hazards, case_id) == "2025-04-25"  # the deadline bounds it
    [task] = hazards.case(case_id).open_tasks
    assert not task.overdue and task.escalation_level == 0
    hazards.go_to("2025-04-28T10:00")
    hazards.do("officer", case_id, "rectify_major", **progress("in_progress"))
    assert _due(hazards, case_id) == "2025-05-13"  # past the deadline: every 15 days again, never in the past
    [task] = hazards.case(case_id).open_tasks
    assert not task.overdue and columns(hazards.case(case_id))["deadline"] == "2025-04-25"


def test_a_major_hazard_long_overdue_is_referred_once_and_leaders_get_one_digest_a_working_day(hazards):
    case_id = _to_major_rectification(hazards, "2025-03-31")
    hazards.go_to("2025-04-30T08:59")
    assert hazards.children(case_id) == []
    hazards.go_to("2025-04-30T09:01")  # deadline + 30 days, 09:00
    [first] = hazards.children(case_id, "enforcement_referral")
    assert first.data["trigger"] == "long_overdue" and first.data["hazard_deadline"] == "2025-03-31"
    assert first.data["related_hazard_level"] == "major"
    case = hazards.case(case_id)
    assert case.data["referral_started_on"] == "2025-04-30"
    assert hazards.steps(case_id) == ["rectify_major"]  # reissued, due in 15 days; rectification goes on
    assert _due(hazards, case_id) == "2025-05-15" and columns(case) == running("major", "2025-03-31")

    hazards.do("officer", case_id, "rectify_major", **progress("in_progress"))  # a report does not re-trigger
    day = hazards.today()
    while day.isoformat() < "2025-06-29":  # 90 days past the deadline, swept every day
        day += timedelta(days=1)
        hazards.clock.set(datetime.combine(day, time(9, 30), CHINA_TZ))
        timers.sweep()
    assert len(hazards.children(case_id)) == 1
    assert hazards.steps(case_id) == ["rectify_major"]
    holidays = workdays.load()
    for leader in ("chief", "deputy", "director"):
        notes = engine_notifications.list_for(hazards.actors[leader], limit=200)
        assert {n.kind for n in notes} <= {"digest", "cc"}
        days = [n.created_at.astimezone(CHINA_TZ).date() for n in notes if n.kind == "digest"]
        assert days and len(days) == len(set(days))  # at most one digest a day
        assert all(holidays.is_working_day(d) for d in days)
        span = [days[-1] + timedelta(days=i) for i in range((days[0] - days[-1]).days + 1)]
        assert len(days) == sum(holidays.is_working_day(d) for d in span)  # and one every working day since

    hazards.do("officer", case_id, "rectify_major", **progress("completed"))
    assert hazards.steps(case_id) == ["expert_acceptance"]
    assert len(hazards.children(case_id)) == 1


def test_a_refusal_while_a_referral_exists_raises_no_second_referral(hazards):
    case = hazards.start("officer", "hazard_closure", hazard_report())
    hazards.do("inspector", case.id, "grade_hazard", **grading("general", "2025-03-13"))
    for _ in range(2):
        hazards.do("officer", case.id, "rectify_general", **rectification_report())
        hazards.do("inspector", case.id, "acceptance", **acceptance("refused", "2025-03-31"))
    [referral] = hazards.children(case.id, "enforcement_referral")
    assert referral.data["trigger"] == "refusal"
    assert hazards.steps(case.id) == ["rectify_general"]


def test_a_major_hazard_referred_on_refusal_is_not_referred_again_when_long_overdue(hazards):
    case_id = _to_major_rectification(hazards, "2025-03-31")
    hazards.do("officer", case_id, "rectify_major", **progress("completed"))
    hazards.do("expert", case_id, "expert_acceptance", **expert_acceptance("fail"))
    hazards.do("inspector", case_id, "acceptance_expert_disagrees", **acceptance("refused", "2025-03-31"))
    assert hazards.steps(case_id) == ["rectify_major"]
    hazards.go_to("2025-06-30T10:00")
    [referral] = hazards.children(case_id, "enforcement_referral")
    assert referral.data["trigger"] == "refusal"
