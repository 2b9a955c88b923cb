"""training_rollout (年度安全培训) and training_enrolment (企业培训报名与考核): every branch of both."""
from __future__ import annotations

import pytest

from tests.processes.campaign_support import CATERING, OIL, RECYCLING, SMALL_VENUE, Campaign, columns


@pytest.fixture
def training(campaign: Campaign) -> Campaign:
    campaign.deploy("training_rollout", "training_enrolment")
    return campaign


def plan(year: int, townships: list[str] | None = None, **over) -> dict:
    data = {"year": year, "industries": ["refined_oil", "renewable_recycling", "scrap_vehicle"],
            "include_small_venues": True, "small_venue_townships": townships or [], "include_safety_officers": True,
            "batches": [{"batch_name": "成品油第一期", "session_date": f"{year}-05-20", "location": "商务局会议室",
                         "delivery": "offline"}],
            "content": "重大事故隐患判定标准与主要负责人职责。"}
    data.update(over)
    return data


def coverage(trained: int, target: int) -> dict:
    return {"target_count": target, "trained_count": trained, "coverage_rate": round(100 * trained / target, 1),
            "summary": "年度培训总结。"}


def test_the_rollout_presets_the_years_industries_and_enrols_each_target_enterprise_once(training):
    case = training.start("inspector", "training_rollout", {"year": 2025})
    assert case.data["industries"] == ["refined_oil", "renewable_recycling", "scrap_vehicle"]
    assert case.data["include_small_venues"] is True and case.title == "2025年度重点行业主要负责人和安全管理人员安全培训"
    assert columns(case)["deadline"] == "2025-12-31"
    assert training.steps(case.id) == ["draft_plan"]

    training.do("inspector", case.id, "draft_plan", **plan(2025, ["瓦房镇"]))
    training.do("deputy", case.id, "approve_plan", plan_decision="return", approval_opinion="小场所应覆盖全部乡镇。")
    assert training.steps(case.id) == ["draft_plan"]
    training.do("inspector", case.id, "draft_plan", **plan(2025))
    case = training.do("deputy", case.id, "approve_plan", plan_decision="approve")

    enrolments = training.children(case.id, "training_enrolment")
    assert sorted(e.enterprise_code for e in enrolments) == sorted([OIL, RECYCLING, SMALL_VENUE])
    assert case.data["enrolled_count"] == 3
    small = next(e for e in enrolments if e.enterprise_code == SMALL_VENUE)
    assert columns(small) == {"enterprise": SMALL_VENUE, "industry": "catering", "level": None,
                              "deadline": "2025-12-31", "status": "running"}
    assert small.data["year"] == 2025 and small.data["include_safety_officer"] is True
    assert training.steps(small.id) == ["register_attendees"]
    assert training.steps(case.id) == []  # waiting for December

    training.go_to("2025-12-10T08:59")
    assert training.steps(case.id) == []
    training.go_to("2025-12-10T09:01")
    assert training.steps(case.id) == ["report_coverage"]
    training.do("inspector", case.id, "report_coverage", **coverage(2, 3))
    training.do("director", case.id, "review_coverage", review_decision="return", review_opinion="补充未培训企业名单。")
    assert training.steps(case.id) == ["report_coverage"]
    training.do("inspector", case.id, "report_coverage", **coverage(2, 3))
    case = training.do("director", case.id, "review_coverage", review_decision="accept")
    assert case.status == "completed"


def test_a_township_batch_limits_the_small_venues_enrolled(training):
    case = training.start("inspector", "training_rollout", {"year": 2025})
    training.do("inspector", case.id, "draft_plan", **plan(2025, ["瓦房镇"]))
    case = training.do("deputy", case.id, "approve_plan", plan_decision="approve")
    assert sorted(e.enterprise_code for e in training.children(case.id)) == sorted([OIL, RECYCLING])


def enrolment(training: Campaign) -> int:
    case = training.start("inspector", "training_enrolment",
                          {"enterprise_code": CATERING, "year": 2025, "include_safety_officer": True,
                           "case_title": "2025年度安全培训报名", "deadline": "2025-12-31"})
    training.do("principal", case.id, "register_attendees", principal_name="黄丽华", principal_phone="13904361001",
                batch_name="餐饮第一期")
    assert training.steps(case.id) == ["record_attendance"]
    return case.id


def test_an_enterprise_whose_principal_and_safety_manager_pass_counts_as_trained(training):
    case_id = enrolment(training)
    case = training.do("inspector", case_id, "record_attendance", session_date="2025-05-20",
                       principal_result="passed", principal_score=90, safety_officer_result="passed")
    assert case.status == "completed" and case.data["trained"] is True and case.data["trained_on"] == "2025-03-03"
    assert columns(case)["industry"] == "catering"


def test_an_absentee_gets_make_up_sessions_until_everyone_has_passed(training):
    case_id = enrolment(training)
    training.do("inspector", case_id, "record_attendance", session_date="2025-05-20",
                principal_result="absent", safety_officer_result="passed")
    assert training.steps(case_id) == ["schedule_makeup"]
    training.do("inspector", case_id, "schedule_makeup", makeup_date="2025-06-10", makeup_location="商务局会议室")
    training.do("inspector", case_id, "record_attendance", session_date="2025-06-10",
                principal_result="failed", safety_officer_result="not_required")
    assert training.steps(case_id) == ["schedule_makeup"]
    training.do("inspector", case_id, "schedule_makeup", makeup_date="2025-07-10", makeup_location="线上")
    case = training.do("inspector", case_id, "record_attendance", session_date="2025-07-10",
                       principal_result="passed", safety_officer_result="not_required")
    assert case.status == "completed" and case.data["trained"] is True
