"""engine.campaign.report_figures: the quarterly progress report opens pre-filled with the registers' figures for its quarter
(hand-counted cases of 2024Q4–2025Q1 on both databases), and a figure the section chief corrects keeps the register's
figure beside it."""
from __future__ import annotations

from datetime import date

import pytest

import engine
from engine.campaign import report_figures, staff
from tests.conftest import ENT_A, ENT_B
from tests.processes.campaign_support import Campaign
from tests.webui.pages_support import deploy_hazard_stand_in, start_review

CHECKLIST = {"check_" + k: True for k in ("responsibility_system", "training_records", "special_operation_certificates",
                                          "evacuation_drills", "standards_displayed", "mandatory_standards",
                                          "standardization", "dual_prevention")}
EXPECTED = {  # 2025Q1, counted on 1 April 2025 (see `quarter` below)
    "major_open": 2,        # B (overdue), C
    "major_overdue": 1,     # B: deadline 1 March
    "major_closed": 2,      # A (20 Jan), D (15 Feb, reported in 2024)
    "major_new": 3,         # A, B, C (D is 2024's, G withdrawn)
    "general_open": 1,      # E
    "general_closed": 1,    # F (1 Mar)
    "inspections_done": 1,  # I1 (signed in March); I2 was settled in December, I3 is open
    "referrals": 1,         # R1 (R2 is 2024's, R3 withdrawn)
    "training_coverage": 0.0,  # people: B's principal and safety manager (refined oil trains in 2025), none passed
}


@pytest.fixture
def quarter(people, review, clock) -> Campaign:
    """Hazards (stand-in), inspections, referrals and enrolments from December 2024 to March 2025."""
    for name, code in (("principal_a", ENT_A), ("principal_b", ENT_B)):
        engine.add_user(name, roles=["enterprise_principal"], enterprise=code)
    c = Campaign(clock, actors={**people, "principal_a": engine.get_actor("principal_a"),
                                "principal_b": engine.get_actor("principal_b")})
    deploy_hazard_stand_in()
    c.deploy("industry_inspection", "enforcement_referral", "training_enrolment", "quarterly_progress_report")
    officer = {ENT_A: people["officer_a"], ENT_B: people["officer_b"]}
    for name, post in (("赵站长", "principal"), ("钱安全", "safety_manager")):
        staff.add_person(c.admin, ENT_B, name, post)

    def hazard(code: str, level: str, deadline: str) -> int:
        return start_review(officer[code], "hazard_closure", hazard_level=level, deadline=deadline).id

    def close(case_id: int) -> None:
        who = "officer_a" if c.case(case_id).enterprise_code == ENT_A else "officer_b"
        c.do(who, case_id, "rectify", measures="已整改")
        c.do("inspector_catering" if who == "officer_a" else "inspector_oil", case_id, "accept", result="pass")

    def inspection(code: str, period: str, deadline: str) -> int:
        who = "inspector_catering" if code == ENT_A else "inspector_oil"
        return c.start(who, "industry_inspection", {"enterprise_code": code, "case_title": f"{period} 检查",
                                                    "inspection_type": "routine", "period": period,
                                                    "deadline": deadline}).id

    def inspect(code: str, case_id: int, day: str) -> None:
        c.do("inspector_catering" if code == ENT_A else "inspector_oil", case_id, "inspect", inspected_on=day,
             inspectors="李娜", inspection_type="routine", **CHECKLIST, hazards=[], serious_violation=False)
        c.do("principal_a" if code == ENT_A else "principal_b", case_id, "sign_record", signed_by="负责人",
             signed_on=day, objection=False)

    def referral(code: str) -> int:
        return c.start("inspector_catering" if code == ENT_A else "inspector_oil", "enforcement_referral",
                       {"enterprise_code": code, "case_title": "拒不整改", "trigger": "refusal",
                        "facts_summary": "拒不整改。"}).id

    c.go_to("2024-12-01T10:00")
    d = hazard(ENT_A, "major", "2025-01-31")
    i2 = inspection(ENT_B, "2024H2", "2024-12-31")
    inspect(ENT_B, i2, "2024-12-01")
    referral(ENT_B)  # R2
    c.go_to("2025-01-10T10:00")
    a = hazard(ENT_A, "major", "2025-02-01")
    i1 = inspection(ENT_A, "2025H1", "2025-06-30")
    inspection(ENT_B, "2025H1", "2025-06-30")  # I3, open
    c.go_to("2025-01-20T10:00")
    close(a)
    c.go_to("2025-02-01T10:00")
    hazard(ENT_B, "general", "2025-05-01")  # E
    f = hazard(ENT_B, "general", "2025-03-31")
    c.go_to("2025-02-10T10:00")
    hazard(ENT_B, "major", "2025-03-01")  # B
    referral(ENT_A)  # R1
    engine.terminate_instance(c.admin, referral(ENT_B), "重复移送")  # R3
    for code in (ENT_A, ENT_B):
        enrolment = c.start("admin", "training_enrolment", {"enterprise_code": code, "year": 2025,
                                                            "include_safety_officer": True, "deadline": "2025-12-31",
                                                            "case_title": "2025年度安全培训报名"}).id
        if code == ENT_B:
            engine.terminate_instance(c.admin, enrolment, "企业已注销")
    c.go_to("2025-02-15T10:00")
    close(d)
    c.go_to("2025-03-01T10:00")
    close(f)
    c.go_to("2025-03-10T10:00")
    hazard(ENT_A, "major", "2025-06-30")  # C
    inspect(ENT_A, i1, "2025-03-10")
    engine.terminate_instance(c.admin, hazard(ENT_A, "major", "2025-06-30"), "重复上报")  # G
    c.go_to("2025-04-01T10:00")
    return c


def test_the_quarters_figures_are_counted_by_the_registers(quarter):
    assert report_figures.quarter_figures("2025Q1", actor=quarter.actors["chief"], today=date(2025, 4, 1)) == EXPECTED
    assert report_figures.quarter_figures("2025Q1", today=date(2025, 4, 1)) == EXPECTED  # the engine's own view
    q4 = report_figures.quarter_figures("2024Q4", today=date(2025, 4, 1))
    assert (q4["major_new"], q4["major_closed"], q4["inspections_done"], q4["referrals"]) == (1, 0, 1, 1)
    with pytest.raises(engine.BadRequest):
        report_figures.quarter_figures("2025-Q1")


def test_the_report_opens_pre_filled_and_a_corrected_figure_keeps_the_registers_beside_it(quarter):
    case = quarter.start("chief", "quarterly_progress_report", {"period": "2025Q1", "deadline": "2025-04-15",
                                                                 "case_title": "2025Q1 治本攻坚进展情况汇报"})
    assert quarter.steps(case.id) == ["draft_report"]
    assert {k: case.data[k] for k in EXPECTED} == EXPECTED
    assert {k: case.data["register_" + k] for k in EXPECTED} == EXPECTED

    done = quarter.do("chief", case.id, "draft_report", period="2025Q1", **{**EXPECTED, "inspections_done": 3},
                      progress_summary="一季度进展。", key_problems="逾期重大隐患1项。")
    assert (done.data["inspections_done"], done.data["register_inspections_done"]) == (3, 1)
    assert quarter.steps(case.id) == ["hear_report"]
