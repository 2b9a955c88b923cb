"""enforcement_referral v2 (移送执法): the referral letter and its number, the receiving body's receipt (回执) and its
chasing, the outcome (handled, not filed, no action, returned), the inspector's urges (催办) up to the bound, the
formal inquiry (函询) signed by the deputy director, and the one open follow-up task."""
from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest

import engine
from engine.campaign import plan_progress, referral_letters, registers
from engine.runtime import workdays
from tests.processes.campaign_support import (
    CATERING,
    OIL,
    Campaign,
    acceptance,
    columns,
    grading,
    hazard_report,
    rectification_report,
)


@pytest.fixture
def referrals(campaign: Campaign) -> Campaign:
    campaign.deploy("enforcement_referral")
    return campaign


def start_data(code: str = OIL, title: str = "油库违规动火") -> dict:
    return {"enterprise_code": code, "case_title": title, "trigger": "serious_violation",
            "facts_summary": "储罐区检修违规动火。"}


def dossier(**over: Any) -> dict:
    data = {"facts": "2025年3月3日检查发现储罐区违规动火。", "legal_basis": "《安全生产法》第一百零二条。",
            "evidence": ["att-1"], "proposed_measures": ["suspension", "dual_penalty"],
            "responsible_person_name": "张三", "target_regulators": ["emergency"]}
    data.update(over)
    return data


def sending(deadline: str = "2025-03-31") -> dict:
    return {"receiving_office": "市安委办", "sent_on": "2025-03-03", "send_channel": "document", "deadline": deadline,
            "contact_person": "王科长", "contact_phone": "0436-6221234"}


def receipt(**over: Any) -> dict:
    data = {"received_on": "2025-03-04", "receiver_name": "李明", "receiving_department": "市安委办综合科",
            "handling": "handle"}
    data.update(over)
    return data


def result(decision: str, **over: Any) -> dict:
    data: dict[str, Any] = {"committee_decision": decision, "handled_by": "市应急管理局", "result_on": "2025-03-20",
                            "feedback_text": "反馈意见。"}
    if decision == "handled":
        data.update(measures_taken=["suspension", "fine"], penalty_amount=50000, decision_document_no="洮应急罚〔2025〕1号")
    else:
        data["decision_reason"] = "经核查，违法事实不清。"
    data.update(over)
    return data


def urge(deadline: str, nxt: str = "wait") -> dict:
    return {"urged_on": "2025-03-17", "urge_channel": "phone", "urge_content": "电话催促尽快反馈。", "deadline": deadline,
            "urge_next": nxt}


def to_sent(referrals: Campaign, deadline: str = "2025-03-31", title: str = "油库违规动火") -> int:
    case = referrals.start("inspector", "enforcement_referral", start_data(title=title))
    referrals.do("inspector", case.id, "prepare_dossier", **dossier())
    referrals.do("chief", case.id, "review_referral", review_decision="approve", review_opinion="同意。")
    referrals.do("deputy", case.id, "approve_referral", approval_decision="approve", approval_opinion="同意。")
    referrals.do("inspector", case.id, "send_referral", **sending(deadline))
    return case.id


def to_feedback(referrals: Campaign, deadline: str = "2025-03-14") -> int:
    case_id = to_sent(referrals, deadline)
    referrals.do("committee", case_id, "acknowledge_receipt", **receipt())
    return case_id


def referral_row(case_id: int) -> registers.RegisterRow:
    [row] = [r for r in registers.rows(engine.SYSTEM, "referrals").items if r.id == case_id]
    return row


def test_a_referral_goes_from_dossier_to_letter_receipt_returned_material_and_outcome(referrals):
    case = referrals.start("inspector", "enforcement_referral", start_data())
    assert columns(case) == {"enterprise": OIL, "industry": "refined_oil", "level": None, "deadline": None,
                             "status": "running"}
    referrals.do("inspector", case.id, "prepare_dossier", **dossier())
    referrals.do("chief", case.id, "review_referral", review_decision="return", review_opinion="证据不足。")
    referrals.do("inspector", case.id, "prepare_dossier", **dossier(evidence=["att-1", "att-2"]))
    referrals.do("chief", case.id, "review_referral", review_decision="approve", review_opinion="同意。")
    referrals.do("deputy", case.id, "approve_referral", approval_decision="return", approval_opinion="补充依据。")
    assert referrals.steps(case.id) == ["review_referral"]
    referrals.do("chief", case.id, "review_referral", review_decision="approve", review_opinion="已补充。")
    referrals.do("deputy", case.id, "approve_referral", approval_decision="approve", approval_opinion="同意。")
    assert referrals.steps(case.id) == ["send_referral"]

    case = referrals.do("inspector", case.id, "send_referral", **sending("2025-03-31"))
    assert case.data["letter_no"] == "洮商安移〔2025〕1号" and case.data["letter_issued_on"] == "2025-03-03"
    assert case.data["receipt_due"] == "2025-03-06" and columns(case)["deadline"] == "2025-03-31"
    [task] = case.open_tasks
    assert (task.element_id, task.role, task.form_key) == ("acknowledge_receipt", "safety_committee", "referral_receipt")
    assert task.due_at is not None and task.due_at.astimezone(engine.runtime.clock.CHINA_TZ).date() == date(2025, 3, 6)
    with pytest.raises(engine.FormInvalid):  # forwarded: to whom?
        referrals.do("committee", case.id, "acknowledge_receipt", **receipt(handling="forward"))
    case = referrals.do("committee", case.id, "acknowledge_receipt", **receipt(handling="forward", forwarded_to="emergency"))
    assert referrals.steps(case.id) == ["record_feedback"] and case.data["received_on"] == "2025-03-04"

    referrals.do("committee", case.id, "record_feedback", **result("returned"))
    assert referrals.steps(case.id) == ["supplement_dossier"]
    case = referrals.do("inspector", case.id, "supplement_dossier", supplement_note="补充现场视频。",
                        supplement_documents=["att-3"], resent_on="2025-03-21", deadline="2025-04-15")
    assert referrals.steps(case.id) == ["record_feedback"] and columns(case)["deadline"] == "2025-04-15"
    referrals.do("committee", case.id, "record_feedback", **result("handled"))
    assert referrals.steps(case.id) == ["close_referral"]
    case = referrals.do("inspector", case.id, "close_referral", outcome_summary="停产整顿并罚款5万元。",
                        closed_on="2025-04-20", follow_up_required=False)
    assert case.status == "completed" and case.data["penalty_amount"] == 50000

    row = referral_row(case.id)
    assert row.state == "done"
    assert {k: row.fields[k] for k in ("letter_no", "received_on", "urge_count", "committee_decision",
                                       "decision_document_no")} == {
        "letter_no": "洮商安移〔2025〕1号", "received_on": "2025-03-04", "urge_count": 0, "committee_decision": "handled",
        "decision_document_no": "洮应急罚〔2025〕1号"}


@pytest.mark.parametrize("decision", ["not_filed", "not_handled"])
def test_not_filed_or_no_action_needs_reasons_and_counts_as_answered(referrals, decision):
    case_id = to_feedback(referrals)
    with pytest.raises(engine.FormInvalid):
        referrals.do("committee", case_id, "record_feedback", **{k: v for k, v in result(decision).items()
                                                                 if k != "decision_reason"})
    referrals.do("committee", case_id, "record_feedback", **result(decision))
    assert referrals.steps(case_id) == ["close_referral"]
    referrals.do("inspector", case_id, "close_referral", outcome_summary="不予立案，已告知。", closed_on="2025-03-21",
                 follow_up_required=True)
    assert referral_row(case_id).fields["committee_decision"] == decision
    tile = plan_progress.progress(engine.SYSTEM, 2025, today=referrals.today()).tile("referrals")
    assert (tile.numerator, tile.denominator) == (1, 1)


def test_a_withdrawn_referral_issues_no_letter_and_counts_as_answered(referrals):
    case = referrals.start("inspector", "enforcement_referral", start_data())
    referrals.do("inspector", case.id, "prepare_dossier", **dossier())
    case = referrals.do("chief", case.id, "review_referral", review_decision="withdraw", review_opinion="已当场整改。")
    assert case.status == "completed" and "letter_no" not in case.data
    with pytest.raises(engine.NotFound):
        referral_letters.letter(engine.SYSTEM, case.id)
    tile = plan_progress.progress(engine.SYSTEM, 2025, today=referrals.today()).tile("referrals")
    assert (tile.numerator, tile.denominator) == (1, 1)


def test_no_receipt_is_chased_twice_then_the_feedback_is_awaited_anyway(referrals):
    case_id = to_sent(referrals)  # Monday 3 March: the receipt is due Thursday 6 March
    referrals.go_to("2025-03-07T08:59")
    assert referrals.steps(case_id) == ["acknowledge_receipt"]
    referrals.go_to("2025-03-07T09:01")
    [task] = referrals.case(case_id).open_tasks
    assert (task.element_id, task.role) == ("chase_receipt", "bureau_inspector")
    chase = {"chased_on": "2025-03-07", "chase_channel": "phone", "chase_note": "电话无人接听。", "chase_result": "no_answer"}
    case = referrals.do("inspector", case_id, "chase_receipt", **chase)
    assert referrals.steps(case_id) == ["acknowledge_receipt"] and case.data["receipt_due"] == "2025-03-12"
    referrals.go_to("2025-03-13T09:01")
    case = referrals.do("inspector", case_id, "chase_receipt", **chase)
    assert case.data["receipt_chases"] == 2 and referrals.steps(case_id) == ["record_feedback"]
    assert "received_on" not in case.data


def test_a_receipt_confirmed_by_phone_is_recorded_by_the_inspector(referrals):
    case_id = to_sent(referrals)
    referrals.go_to("2025-03-07T09:01")
    chase = {"chased_on": "2025-03-07", "chase_channel": "phone", "chase_note": "对方称已收到。", "chase_result": "confirmed"}
    with pytest.raises(engine.FormInvalid):  # confirmed: who received it, when?
        referrals.do("inspector", case_id, "chase_receipt", **chase)
    case = referrals.do("inspector", case_id, "chase_receipt", **chase, **receipt(received_on="2025-03-05"))
    assert referrals.steps(case_id) == ["record_feedback"] and case.data["received_on"] == "2025-03-05"
    assert referral_row(case_id).fields["received_on"] == "2025-03-05"


def test_the_inspector_urges_at_most_three_times_five_working_days_apart_then_one_task_stays_open(referrals):
    case_id = to_feedback(referrals, "2025-03-14")  # a Friday: the first urge is due Monday 17 March
    urges: list[str] = []
    day = referrals.today()
    while day.isoformat() < "2025-09-30":  # half a year without any feedback
        day += timedelta(days=1)
        referrals.go_to(f"{day.isoformat()}T10:00")
        if referrals.steps(case_id) == ["urge_feedback"]:
            urges.append(day.isoformat())
            # a careless new deadline (tomorrow) must not make the urging loop
            referrals.do("inspector", case_id, "urge_feedback", **urge((day + timedelta(days=1)).isoformat()))
    holidays = workdays.load()
    assert len(urges) == 3 and urges[0] == "2025-03-17"
    for earlier, later in zip(urges, urges[1:]):
        assert later >= holidays.add_working_days(date.fromisoformat(earlier), 5).isoformat()
    assert referrals.steps(case_id) == ["track_feedback"]
    [task] = referrals.case(case_id).open_tasks
    assert task.role == "section_chief" and task.alt_role == "safety_committee" and task.due_at is None
    case = referrals.case(case_id)
    assert case.data["urge_count"] == 3 and [u["channel"] for u in case.data["urges"]] == ["phone"] * 3
    assert referral_row(case_id).fields["urge_count"] == 3
    referrals.do("committee", case_id, "track_feedback", **result("handled"))
    assert referrals.steps(case_id) == ["close_referral"]


def test_feedback_after_an_urge_stops_the_urging(referrals):
    case_id = to_feedback(referrals, "2025-03-14")
    referrals.go_to("2025-03-17T09:01")
    referrals.do("inspector", case_id, "urge_feedback", **urge("2025-03-28"))
    referrals.do("committee", case_id, "record_feedback", **result("handled"))
    referrals.go_to("2025-06-30T10:00")
    assert referrals.steps(case_id) == ["close_referral"] and referrals.case(case_id).data["urge_count"] == 1


def test_a_formal_inquiry_is_signed_by_the_deputy_director_once(referrals):
    case_id = to_feedback(referrals, "2025-03-14")
    referrals.go_to("2025-03-17T09:01")
    referrals.do("inspector", case_id, "urge_feedback", **urge("2025-03-28", "inquiry"))
    [task] = referrals.case(case_id).open_tasks
    assert (task.element_id, task.role) == ("approve_inquiry", "deputy_director")
    with pytest.raises(engine.FormInvalid):  # signing needs the letter's text
        referrals.do("deputy", case_id, "approve_inquiry", inquiry_decision="approve", inquiry_opinion="同意。")
    case = referrals.do("deputy", case_id, "approve_inquiry", inquiry_decision="approve", inquiry_opinion="同意。",
                        inquiry_text="请于3月28日前函复处理情况。")
    assert case.data["inquiry_no"] == "洮商安函〔2025〕1号" and referrals.steps(case_id) == ["record_feedback"]
    inquiry = referral_letters.letter(engine.SYSTEM, case_id, "inquiry")
    assert inquiry.referral_number == "洮商安移〔2025〕1号" and inquiry.inquiry_text == "请于3月28日前函复处理情况。"
    assert [(u["content"], u["channel"]) for u in inquiry.urges] == [("电话催促尽快反馈。", "电话")]

    referrals.go_to("2025-03-31T09:01")  # the second urge asks for an inquiry again: one was sent already
    referrals.do("inspector", case_id, "urge_feedback", **urge("2025-04-10", "inquiry"))
    assert referrals.steps(case_id) == ["record_feedback"]


def test_the_deputy_director_may_decline_the_inquiry_and_the_urging_goes_on(referrals):
    case_id = to_feedback(referrals, "2025-03-14")
    referrals.go_to("2025-03-17T09:01")
    referrals.do("inspector", case_id, "urge_feedback", **urge("2025-03-28", "inquiry"))
    case = referrals.do("deputy", case_id, "approve_inquiry", inquiry_decision="decline", inquiry_opinion="再催一次。")
    assert case.data["inquiry_no"] == "" and referrals.steps(case_id) == ["record_feedback"]
    with pytest.raises(engine.NotFound):
        referral_letters.letter(engine.SYSTEM, case_id, "inquiry")


def test_letter_numbers_run_per_year_and_never_repeat(referrals):
    first, second = to_sent(referrals, title="甲"), to_sent(referrals, title="乙")
    referrals.go_to("2026-01-05T09:00")
    third = to_sent(referrals, deadline="2026-02-27", title="丙")
    numbers = [referrals.case(c).data["letter_no"] for c in (first, second, third)]
    assert numbers == ["洮商安移〔2025〕1号", "洮商安移〔2025〕2号", "洮商安移〔2026〕1号"]


def test_the_letter_carries_the_facts_evidence_basis_measures_deadline_and_contact(referrals):
    case_id = to_sent(referrals)
    letter = referral_letters.letter(engine.SYSTEM, case_id)
    assert (letter.number, letter.issued_on, letter.addressee) == ("洮商安移〔2025〕1号", "2025-03-03", "市安委办")
    assert letter.enterprise_code == OIL and letter.enterprise_name and letter.trigger == "严重违法违规行为"
    assert letter.facts.startswith("2025年3月3日") and letter.evidence == ("att-1",)
    assert letter.legal_basis == "《安全生产法》第一百零二条。" and letter.proposed_measures == ("停产整顿", "一案双罚")
    assert letter.target_regulators == ("应急管理部门",) and letter.responsible_person == "张三"
    assert (letter.deadline, letter.receipt_due, letter.contact_person, letter.contact_phone) == (
        "2025-03-31", "2025-03-06", "王科长", "0436-6221234")
    with pytest.raises(engine.NotFound):  # an internal document between authorities: not for the enterprise
        referral_letters.letter(referrals.actors["officer_oil"], case_id)


def test_a_referral_started_by_a_hazard_case_is_linked_to_it_and_carries_its_facts(referrals):
    referrals.deploy("hazard_closure")
    hazard = referrals.start("officer", "hazard_closure", hazard_report(CATERING))
    referrals.do("inspector", hazard.id, "grade_hazard", **grading("general", "2025-03-13"))
    referrals.do("officer", hazard.id, "rectify_general", **rectification_report())
    referrals.do("inspector", hazard.id, "acceptance", **acceptance("refused", "2025-03-31"))

    [case] = referrals.children(hazard.id)
    assert case.parent_id == hazard.id and case.process_key == "enforcement_referral"
    assert columns(case) == {"enterprise": CATERING, "industry": "catering", "level": None, "deadline": None,
                             "status": "running"}
    assert case.title == "拒不整改：后厨燃气软管老化"
    assert case.data["hazard_case_title"] == "后厨燃气软管老化" and case.data["hazard_deadline"] == "2025-03-31"
    referrals.do("inspector", case.id, "prepare_dossier", **dossier())
    assert referrals.steps(case.id) == ["review_referral"]
