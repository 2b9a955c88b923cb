"""industry_inspection v-next (issue 16 §4): an inspector's findings open their hazard cases at once, keeping the
level judged on site (no grading step); the enterprise's signing comes after and holds nothing."""
from __future__ import annotations

import pytest

from engine import FormInvalid
from tests.processes.campaign_support import OIL, Campaign, columns, expert_grading, finding, rectification_report
from tests.processes.test_periodic_duties import CHECKLIST


@pytest.fixture
def duties(campaign: Campaign) -> Campaign:
    campaign.deploy("hazard_closure", "enforcement_referral", "industry_inspection")
    return campaign


def graded(title: str, level: str, deadline: str) -> dict:
    item = {**finding(title), "hazard_level": level, "judged_by": "fire" if level == "major" else "other",
            "deadline": deadline, "responsible_person": "站长"}
    if level == "major":
        item["standard_clause"] = "第四条第（二）项"
    return item


def visit(duties: Campaign, hazards: list, kind: str = "routine") -> int:
    case = duties.start("inspector", "industry_inspection",
                        {"enterprise_code": OIL, "case_title": "2025Q1 行业安全检查", "inspection_type": kind,
                         "period": "2025Q1", "deadline": "2025-03-31"})
    [task] = duties.case(case.id).open_tasks
    assert task.form_key == "inspection_record_graded"
    duties.do("inspector", case.id, "inspect", inspected_on="2025-03-04", inspectors="李娜、王强", inspection_type=kind,
              **CHECKLIST, hazards=hazards, serious_violation=False)
    return case.id


def test_findings_graded_on_site_keep_their_level_and_skip_grading_before_the_enterprise_signs(duties):
    case_id = visit(duties, [graded("卸油口无接地", "general", "2025-03-14"), graded("储罐区报警器失效", "major", "2025-04-30"),
                             finding("消防通道堆物")])
    assert duties.steps(case_id) == ["sign_record"]  # the enterprise has not signed yet
    general, major, ungraded = duties.children(case_id, "hazard_closure")
    assert columns(general) == {"enterprise": OIL, "industry": "refined_oil", "level": "general", "deadline": "2025-03-14",
                                "status": "running"}
    assert duties.steps(general.id) == ["rectify_general"] and general.data["graded_on_site"] is True
    assert general.data["responsible_person"] == "站长" and general.source == "inspection"
    assert columns(major)["level"] == "major" and duties.steps(major.id) == ["expert_confirm"]
    assert major.data["standard_clause"] == "第四条第（二）项"
    assert ungraded.hazard_level is None and duties.steps(ungraded.id) == ["grade_hazard"]

    # the hazard cases move on while the record is still unsigned
    duties.do("officer_oil", general.id, "rectify_general", **rectification_report())
    assert duties.steps(general.id) == ["acceptance"]
    duties.do("expert", major.id, "expert_confirm", **expert_grading("major"))
    assert duties.steps(major.id) == ["decide_supervision"]
    assert duties.steps(case_id) == ["sign_record"]

    case = duties.do("principal_oil", case_id, "sign_record", signed_by="站长", signed_on="2025-03-06", objection=False)
    assert case.status == "completed" and case.data["hazards_opened"] == 3
    assert len(duties.children(case_id, "hazard_closure")) == 3  # signing opens nothing more


def test_a_finding_graded_on_site_needs_its_deadline_and_a_major_one_its_clause(duties):
    case = duties.start("inspector", "industry_inspection",
                        {"enterprise_code": OIL, "case_title": "2025Q1 行业安全检查", "inspection_type": "unannounced",
                         "period": "2025Q1", "deadline": "2025-03-31"})
    no_deadline = {k: v for k, v in graded("卸油口无接地", "general", "2025-03-14").items() if k != "deadline"}
    no_clause = {k: v for k, v in graded("储罐区报警器失效", "major", "2025-04-30").items() if k != "standard_clause"}
    for bad in (no_deadline, no_clause):
        with pytest.raises(FormInvalid):
            duties.do("inspector", case.id, "inspect", inspected_on="2025-03-04", inspectors="李娜",
                      inspection_type="unannounced", **CHECKLIST, hazards=[bad], serious_violation=False)
    assert duties.steps(case.id) == ["inspect"] and duties.children(case.id) == []


def test_an_unannounced_visit_opens_joint_inspection_hazards_at_once(duties):
    case_id = visit(duties, [graded("卸油口无接地", "general", "2025-03-14")], kind="unannounced")
    [hazard] = duties.children(case_id, "hazard_closure")
    assert hazard.source == "joint_inspection" and duties.steps(hazard.id) == ["rectify_general"]
