"""The per-period duties: industry_inspection, quarterly_principal_check, evacuation_drill,
quarterly_progress_report and daily_self_check — every gateway branch of each."""
from __future__ import annotations

import pytest

from tests.processes.campaign_support import CATERING, OIL, Campaign, columns, finding, review

CHECKLIST = {"check_" + k: True for k in ("responsibility_system", "training_records", "special_operation_certificates",
                               "evacuation_drills", "standards_displayed", "mandatory_standards", "standardization",
                               "dual_prevention")}
DAILY = {"check_" + k: True for k in ("exits_clear", "fire_equipment_ok", "electrical_ok", "gas_ok", "special_operations_ok",
                           "storage_ok")}


@pytest.fixture
def duties(campaign: Campaign) -> Campaign:
    campaign.deploy("hazard_closure", "enforcement_referral")
    return campaign


# ------------------------------------------------------------------ industry_inspection
def inspection(duties: Campaign, kind: str) -> int:
    duties.deploy("industry_inspection")
    case = duties.start("inspector", "industry_inspection",
                        {"enterprise_code": OIL, "case_title": "2025Q1 行业安全检查", "inspection_type": kind,
                         "period": "2025Q1", "deadline": "2025-03-31"})
    assert columns(case) == {"enterprise": OIL, "industry": "refined_oil", "level": None, "deadline": "2025-03-31",
                             "status": "running"}
    assert duties.steps(case.id) == ["inspect"]
    return case.id


def record(kind: str, hazards: list, serious: bool) -> dict:
    data = {"inspected_on": "2025-03-04", "inspectors": "李娜、王强", "inspection_type": kind, **CHECKLIST,
            "hazards": hazards, "serious_violation": serious}
    if kind == "joint":
        data["joint_departments"] = ["emergency", "fire_rescue"]
    if serious:
        data["violation_facts"] = "无证储存危险化学品。"
    return data


def test_a_joint_inspection_opens_a_case_per_hazard_and_refers_a_serious_violation(duties):
    case_id = inspection(duties, "joint")
    case = duties.do("inspector", case_id, "inspect",
                     **record("joint", [finding("储罐区报警器失效"), finding("卸油口无接地")], True))
    assert duties.steps(case_id) == ["sign_record"] and case.data["hazards_opened"] == 2
    hazards = duties.children(case_id, "hazard_closure")  # open at once, before the enterprise signs
    assert [h.title for h in hazards] == ["储罐区报警器失效", "卸油口无接地"]
    assert {(h.source, h.enterprise_code, h.industry) for h in hazards} == {("joint_inspection", OIL, "refined_oil")}
    assert all(duties.steps(h.id) == ["grade_hazard"] for h in hazards)  # not graded on site: the bureau grades
    [referral] = duties.children(case_id, "enforcement_referral")
    assert referral.data["trigger"] == "serious_violation" and referral.data["facts_summary"] == "无证储存危险化学品。"

    case = duties.do("principal_oil", case_id, "sign_record", signed_by="站长", signed_on="2025-03-04", objection=False)
    assert case.status == "completed" and len(duties.children(case_id)) == 3


def test_an_inspection_that_finds_nothing_just_closes(duties):
    case_id = inspection(duties, "routine")
    duties.do("inspector", case_id, "inspect", **record("routine", [], False))
    case = duties.do("principal_oil", case_id, "sign_record", signed_by="站长", signed_on="2025-03-04", objection=True,
                     objection_text="对检查记录第3项有异议。")
    assert case.status == "completed" and duties.children(case_id) == []


# ------------------------------------------------------------------ quarterly_principal_check
def principal_check(duties: Campaign) -> int:
    duties.deploy("quarterly_principal_check")
    case = duties.start("inspector", "quarterly_principal_check",
                        {"enterprise_code": CATERING, "case_title": "2025Q1 主要负责人带队重大隐患排查",
                         "period": "2025Q1", "deadline": "2025-03-31"})
    assert duties.steps(case.id) == ["report_check"] and columns(case)["deadline"] == "2025-03-31"
    return case.id


def check_report(findings: list) -> dict:
    return {"leader_name": "黄丽华", "checked_on": "2025-03-10", "participants": "总经理、安全员", "experts_involved": False,
            "scope": "后厨、配电室。", "findings": findings}


def test_a_returned_principal_check_is_redone_and_its_findings_become_hazard_cases(duties):
    case_id = principal_check(duties)
    duties.do("principal", case_id, "report_check", **check_report([]))
    duties.do("inspector", case_id, "review_check", **review("returned"))
    assert duties.steps(case_id) == ["report_check"]
    duties.do("principal", case_id, "report_check", **check_report([finding()]))
    case = duties.do("inspector", case_id, "review_check", **review("accepted"))
    assert case.status == "completed"
    [hazard] = duties.children(case_id, "hazard_closure")
    assert hazard.source == "self_check" and hazard.enterprise_code == CATERING and hazard.title == "配电箱前堆放杂物"
    assert hazard.data["found_by"] == "黄丽华"
    assert hazard.data["reported_level"] == "general" and duties.steps(hazard.id) == ["rectify_self"]  # 自查自改


def test_a_principal_check_finding_the_principal_judges_major_is_graded_by_the_bureau(duties):
    case_id = principal_check(duties)
    duties.do("principal", case_id, "report_check", **check_report([{**finding("燃气报警器失效"), "suggested_level": "major"}]))
    duties.do("inspector", case_id, "review_check", **review("accepted"))
    [hazard] = duties.children(case_id, "hazard_closure")
    assert hazard.data["reported_level"] == "major" and hazard.hazard_level is None
    assert duties.steps(hazard.id) == ["grade_hazard"]


def test_an_accepted_principal_check_without_findings_opens_nothing(duties):
    case_id = principal_check(duties)
    duties.do("principal", case_id, "report_check", **check_report([]))
    case = duties.do("inspector", case_id, "review_check", **review("accepted"))
    assert case.status == "completed" and duties.children(case_id) == []


# ------------------------------------------------------------------ evacuation_drill
def test_an_evacuation_drill_report_can_be_sent_back_then_accepted(duties):
    duties.deploy("evacuation_drill")
    case = duties.start("inspector", "evacuation_drill",
                        {"enterprise_code": OIL, "case_title": "2025H1 疏散逃生演练", "period": "2025H1",
                         "drill_interval": "half_year", "deadline": "2025-06-30"})
    assert columns(case)["deadline"] == "2025-06-30" and duties.steps(case.id) == ["report_drill"]
    drill = {"drill_on": "2025-03-20", "scenario": "fire", "participants": 14, "photos": ["att-1"]}
    duties.do("officer_oil", case.id, "report_drill", **drill)
    duties.do("inspector", case.id, "review_drill", **review("returned", "请补充疏散用时。"))
    assert duties.steps(case.id) == ["report_drill"]
    duties.do("officer_oil", case.id, "report_drill", **drill, evacuation_seconds=120)
    case = duties.do("inspector", case.id, "review_drill", **review("accepted"))
    assert case.status == "completed"


# ------------------------------------------------------------------ quarterly_progress_report
FIGURES = {"period": "2025Q1", "major_open": 3, "major_closed": 1, "major_new": 2, "major_overdue": 0,
           "progress_summary": "一季度进展。", "key_problems": "小场所培训进度慢。"}


def progress_report(duties: Campaign) -> int:
    duties.deploy("quarterly_progress_report")
    case = duties.start("chief", "quarterly_progress_report",
                        {"period": "2025Q1", "case_title": "2025Q1 治本攻坚进展情况汇报", "deadline": "2025-04-15"})
    assert columns(case) == {"enterprise": None, "industry": None, "level": None, "deadline": "2025-04-15",
                             "status": "running"}
    duties.do("chief", case.id, "draft_report", **FIGURES)
    assert duties.steps(case.id) == ["hear_report"]
    return case.id


def test_a_returned_progress_report_is_redrafted_and_instructions_are_followed_up(duties):
    case_id = progress_report(duties)
    duties.do("deputy", case_id, "hear_report", review_decision="returned", instructions="补充逾期隐患分析。")
    assert duties.steps(case_id) == ["draft_report"]
    duties.do("chief", case_id, "draft_report", **FIGURES)
    duties.do("deputy", case_id, "hear_report", review_decision="instructed", instructions="开展粮食仓储专项检查。")
    assert duties.steps(case_id) == ["follow_up"]
    case = duties.do("chief", case_id, "follow_up", actions_taken="已完成专项检查。", completed_on="2025-04-30")
    assert case.status == "completed"


def test_a_progress_report_that_is_only_noted_closes(duties):
    case_id = progress_report(duties)
    case = duties.do("deputy", case_id, "hear_report", review_decision="noted")
    assert case.status == "completed" and case.open_tasks == ()


# ------------------------------------------------------------------ daily_self_check
def self_check(duties: Campaign, day: str) -> int:
    duties.deploy("daily_self_check")
    case = duties.start("officer", "daily_self_check",
                        {"enterprise_code": CATERING, "case_title": f"{day} 每日安全自查", "deadline": day})
    assert columns(case)["deadline"] == day and duties.steps(case.id) == ["self_check"]
    return case.id


def test_a_daily_self_check_with_findings_opens_hazard_cases(duties):
    case_id = self_check(duties, "2025-03-03")
    case = duties.do("officer", case_id, "self_check", checked_by="何永刚", **dict(DAILY, check_exits_clear=False),
                     findings=[finding("安全出口堆放杂物")])
    assert case.status == "completed"
    [hazard] = duties.children(case_id, "hazard_closure")
    assert hazard.source == "self_check" and hazard.data["found_at"] == "2025-03-03"


def test_a_daily_self_check_without_findings_just_closes(duties):
    case_id = self_check(duties, "2025-03-03")
    case = duties.do("officer", case_id, "self_check", checked_by="何永刚", **DAILY, findings=[])
    assert case.status == "completed" and duties.children(case_id) == []


def test_a_daily_self_check_not_done_by_midnight_is_closed_as_missed(duties):
    case_id = self_check(duties, "2025-03-03")
    duties.go_to("2025-03-03T23:58")
    assert duties.steps(case_id) == ["self_check"]
    duties.go_to("2025-03-04T00:00")
    case = duties.case(case_id)
    assert case.status == "completed" and case.data["self_check_missed"] is True
