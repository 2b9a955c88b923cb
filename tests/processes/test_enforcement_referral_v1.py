"""enforcement_referral version 1 (移送执法, the director's 督办): cases started before v2 was deployed keep running on it,
with the v1 forms (referral_dispatch, referral_feedback, referral_supervision, referral_supplement). The diagram is
kept as it was deployed (tests/data/enforcement_referral_v1.bpmn)."""
from __future__ import annotations

from datetime import date, timedelta

import pytest

import engine
from engine.runtime import workdays
from tests.processes.campaign_support import FORMS, OIL, ROOT, Campaign, columns

V1 = ROOT / "tests" / "data" / "enforcement_referral_v1.bpmn"
V1_FORMS = ("referral_start", "referral_dossier", "referral_review", "referral_approval", "referral_dispatch",
            "referral_feedback", "referral_supervision", "referral_supplement", "referral_closure")


@pytest.fixture
def referrals(campaign: Campaign) -> Campaign:
    engine.deploy(V1.read_bytes(), actor="owner", forms_given={k: FORMS[k] for k in V1_FORMS})
    return campaign


def start_data(code: str = OIL) -> dict:
    return {"enterprise_code": code, "case_title": "油库违规动火", "trigger": "serious_violation",
            "facts_summary": "储罐区检修违规动火。"}


def dossier(**over) -> dict:
    data = {"facts": "2025年3月3日检查发现储罐区违规动火。", "legal_basis": "《安全生产法》第一百零二条。",
            "evidence": ["att-1"], "proposed_measures": ["suspension", "dual_penalty"],
            "responsible_person_name": "张三", "target_regulators": ["emergency"]}
    data.update(over)
    return data


def dispatch(deadline: str) -> dict:
    return {"letter_no": "洮商安移〔2025〕1号", "sent_on": "2025-03-03", "receiving_office": "市安委办", "deadline": deadline}


def feedback(decision: str) -> dict:
    data = {"committee_decision": decision, "received_on": "2025-03-04", "feedback_text": "反馈意见。"}
    if decision == "handled":
        data.update(measures_taken=["suspension"], penalty_amount=50000, decision_document_no="洮应急罚〔2025〕1号")
    return data


def to_feedback(referrals: Campaign, deadline: str) -> int:
    case = referrals.start("inspector", "enforcement_referral", start_data())
    referrals.do("inspector", case.id, "prepare_dossier", **dossier())
    referrals.do("chief", case.id, "review_referral", review_decision="approve", review_opinion="同意。")
    referrals.do("deputy", case.id, "approve_referral", approval_decision="approve", approval_opinion="同意。")
    referrals.do("inspector", case.id, "send_referral", **dispatch(deadline))
    return case.id


def test_a_referral_goes_through_both_send_backs_and_a_returned_dossier_to_its_outcome(referrals):
    case = referrals.start("inspector", "enforcement_referral", start_data())
    assert columns(case) == {"enterprise": OIL, "industry": "refined_oil", "level": None, "deadline": None,
                             "status": "running"}
    assert referrals.steps(case.id) == ["prepare_dossier"]

    referrals.do("inspector", case.id, "prepare_dossier", **dossier())
    referrals.do("chief", case.id, "review_referral", review_decision="return", review_opinion="证据不足。")
    assert referrals.steps(case.id) == ["prepare_dossier"]
    referrals.do("inspector", case.id, "prepare_dossier", **dossier(evidence=["att-1", "att-2"]))
    referrals.do("chief", case.id, "review_referral", review_decision="approve", review_opinion="同意。")
    assert referrals.steps(case.id) == ["approve_referral"]

    referrals.do("deputy", case.id, "approve_referral", approval_decision="return", approval_opinion="补充一案双罚依据。")
    assert referrals.steps(case.id) == ["review_referral"]  # back to the section chief, not the inspector
    referrals.do("chief", case.id, "review_referral", review_decision="approve", review_opinion="已补充。")
    referrals.do("deputy", case.id, "approve_referral", approval_decision="approve", approval_opinion="同意。")
    assert referrals.steps(case.id) == ["send_referral"]

    case = referrals.do("inspector", case.id, "send_referral", **dispatch("2025-03-31"))
    assert columns(case)["deadline"] == "2025-03-31"
    assert referrals.steps(case.id) == ["record_feedback"]

    referrals.do("committee", case.id, "record_feedback", **feedback("returned"))
    assert referrals.steps(case.id) == ["supplement_dossier"]
    referrals.do("inspector", case.id, "supplement_dossier", supplement_note="补充现场视频。",
                 supplement_documents=["att-3"], resent_on="2025-03-06")
    assert referrals.steps(case.id) == ["record_feedback"]
    referrals.do("committee", case.id, "record_feedback", **feedback("handled"))
    assert referrals.steps(case.id) == ["close_referral"]

    case = referrals.do("inspector", case.id, "close_referral", outcome_summary="停产整顿并罚款5万元。",
                        closed_on="2025-03-20", follow_up_required=False)
    assert case.status == "completed" and case.data["penalty_amount"] == 50000


def test_the_section_chief_can_withdraw_a_referral(referrals):
    case = referrals.start("inspector", "enforcement_referral", start_data())
    referrals.do("inspector", case.id, "prepare_dossier", **dossier())
    case = referrals.do("chief", case.id, "review_referral", review_decision="withdraw", review_opinion="已当场整改。")
    assert case.status == "completed" and case.open_tasks == ()


def test_no_feedback_five_working_days_after_the_deadline_puts_the_director_on_it(referrals):
    case_id = to_feedback(referrals, "2025-03-14")  # a Friday
    referrals.go_to("2025-03-21T08:59")  # five working days later is Friday 21 March
    assert referrals.steps(case_id) == ["record_feedback"]
    referrals.go_to("2025-03-21T09:01")
    assert referrals.steps(case_id) == ["press_feedback"]

    case = referrals.do("director", case_id, "press_feedback", supervision_note="已与市安委办协调。", deadline="2025-04-15")
    assert columns(case)["deadline"] == "2025-04-15"
    assert referrals.steps(case_id) == ["record_feedback"]
    referrals.go_to("2025-04-21T10:00")  # the new deadline re-arms the timer: not yet five working days
    assert referrals.steps(case_id) == ["record_feedback"]
    referrals.do("committee", case_id, "record_feedback", **feedback("handled"))
    referrals.do("inspector", case_id, "close_referral", outcome_summary="已处理。", closed_on="2025-04-22",
                 follow_up_required=True)
    assert referrals.case(case_id).status == "completed"


def test_the_director_presses_at_most_three_times_ten_working_days_apart_then_one_task_stays_open(referrals):
    case_id = to_feedback(referrals, "2025-03-14")
    presses: list[str] = []
    day = referrals.today()
    while day.isoformat() < "2025-09-30":  # half a year without any feedback
        day += timedelta(days=1)
        referrals.go_to(f"{day.isoformat()}T10:00")
        if referrals.steps(case_id) == ["press_feedback"]:
            presses.append(day.isoformat())
            # a careless new deadline (tomorrow) must not make the pressing loop
            referrals.do("director", case_id, "press_feedback", supervision_note="电话督促。",
                         deadline=(day + timedelta(days=1)).isoformat())
    holidays = workdays.load()
    assert len(presses) == 3 and presses[0] == "2025-03-21"
    for earlier, later in zip(presses, presses[1:]):
        assert later >= holidays.add_working_days(date.fromisoformat(earlier), 10).isoformat()
    assert referrals.steps(case_id) == ["track_feedback"]  # one open task with the director, no deadline
    [task] = referrals.case(case_id).open_tasks
    assert task.role == "director" and task.alt_role == "safety_committee" and task.due_at is None
    case = referrals.do("committee", case_id, "track_feedback", **feedback("handled"))  # feedback ends it
    assert referrals.steps(case_id) == ["close_referral"] and case.data["press_count"] == 4


def test_feedback_after_a_press_stops_the_pressing(referrals):
    case_id = to_feedback(referrals, "2025-03-14")
    referrals.go_to("2025-03-21T09:01")
    referrals.do("director", case_id, "press_feedback", supervision_note="已督促。", deadline="2025-03-28")
    referrals.do("committee", case_id, "record_feedback", **feedback("handled"))
    referrals.go_to("2025-06-30T10:00")
    assert referrals.steps(case_id) == ["close_referral"]
    assert referrals.case(case_id).data["press_count"] == 1


def test_a_v1_case_keeps_its_version_and_forms_when_v2_is_deployed(referrals):
    case_id = to_feedback(referrals, "2025-03-14")
    referrals.deploy("enforcement_referral")  # v2: the running case stays on v1
    case = referrals.case(case_id)
    assert case.process_version == 1 and referrals.steps(case_id) == ["record_feedback"]
    [task] = case.open_tasks
    assert task.form_key == "referral_feedback"
    referrals.do("committee", case_id, "record_feedback", **feedback("handled"))
    case = referrals.do("inspector", case_id, "close_referral", outcome_summary="已处理。", closed_on="2025-03-20",
                        follow_up_required=False)
    assert case.status == "completed" and case.data["letter_no"] == "洮商安移〔2025〕1号"
    new = referrals.start("inspector", "enforcement_referral", start_data())
    assert new.process_version == 2
