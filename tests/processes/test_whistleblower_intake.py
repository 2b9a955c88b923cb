"""whistleblower_intake (举报受理): public intake, confidential identity, every screening outcome."""
from __future__ import annotations

import pytest

import engine
from tests.processes.campaign_support import RECYCLING, Campaign, columns


@pytest.fixture
def intake(campaign: Campaign) -> Campaign:
    campaign.deploy("whistleblower_intake", "hazard_closure")
    return campaign


def report(anonymous: bool) -> dict:
    data = {"enterprise_name": "聚宝乡一家废品收购站", "enterprise_address": "聚宝乡北街",
            "description": "院内堆放大量废旧电瓶，有漏液。", "anonymous": anonymous, "wants_reward": not anonymous}
    if not anonymous:
        data.update(reporter_name="李先生", reporter_phone="13943612345")
    return data


def public_report(intake: Campaign, anonymous: bool) -> int:
    """As the /report page does: started by the system actor, no login."""
    return engine.start_instance(engine.SYSTEM, "whistleblower_intake", report(anonymous)).id


def verified() -> dict:
    return {"screening_result": "verified", "screening_opinion": "现场核查属实。", "verified_on": "2025-03-04",
            "enterprise_code": RECYCLING, "case_title": "废旧铅蓄电池露天堆放漏液", "location": "院内东侧",
            "verified_description": "露天堆放废旧铅蓄电池约200块，部分破损漏液。", "category": "hazardous_chemicals",
            "evidence_photos": ["att-1"]}


def test_a_verified_report_opens_a_hazard_case_without_the_reporters_identity(intake):
    case_id = public_report(intake, anonymous=False)
    case = intake.case(case_id)
    assert columns(case) == {"enterprise": None, "industry": None, "level": None, "deadline": None, "status": "running"}
    assert intake.steps(case_id) == ["screen_report"]
    assert "reporter_phone" not in case.data  # hidden from everyone but the handler and the director
    assert engine.get_instance(intake.actors["handler"], case_id).data["reporter_phone"] == "13943612345"
    assert "reporter_name" not in engine.get_instance(intake.actors["chief"], case_id).data

    case = intake.do("handler", case_id, "screen_report", **verified())
    assert columns(case)["enterprise"] == RECYCLING and columns(case)["industry"] == "renewable_recycling"
    [hazard] = intake.children(case_id, "hazard_closure")
    assert hazard.source == "whistleblower" and hazard.enterprise_code == RECYCLING
    assert hazard.title == "废旧铅蓄电池露天堆放漏液" and intake.steps(hazard.id) == ["grade_hazard"]
    assert not any(k.startswith("reporter_") for k in engine.get_instance(intake.actors["handler"], hazard.id).data)
    assert intake.steps(case_id) == ["decide_reward"]

    intake.do("chief", case_id, "decide_reward", reward_granted=True, reward_amount=500,
              reward_basis="举报属实，按办法给予奖励。", decided_on="2025-03-10")
    assert intake.steps(case_id) == ["answer_reporter"]
    case = intake.do("handler", case_id, "answer_reporter", replied_on="2025-03-11", reply_channel="phone",
                     reply_summary="告知核查结果及奖励。")
    assert case.status == "completed"


def test_an_unfounded_anonymous_report_is_closed_without_an_answer(intake):
    case_id = public_report(intake, anonymous=True)
    case = intake.do("handler", case_id, "screen_report", screening_result="unfounded",
                     screening_opinion="现场未发现所述情况。", verified_on="2025-03-04")
    assert case.status == "completed" and intake.children(case_id) == []


def test_a_report_for_another_department_is_transferred_and_the_reporter_told(intake):
    case_id = public_report(intake, anonymous=False)
    intake.do("handler", case_id, "screen_report", screening_result="transferred", screening_opinion="属生态环境部门职责。",
              verified_on="2025-03-04", transferred_to="白城市生态环境局洮南分局")
    assert intake.steps(case_id) == ["answer_reporter"] and intake.children(case_id) == []
    case = intake.do("handler", case_id, "answer_reporter", replied_on="2025-03-05", reply_channel="sms",
                     reply_summary="已转交生态环境部门办理。")
    assert case.status == "completed"


def test_the_dashboard_counts_a_report_handled_after_its_due_time_as_done_but_not_in_time(intake):
    from engine.campaign import plan_progress, registers
    on_time = public_report(intake, anonymous=True)
    intake.do("handler", on_time, "screen_report", screening_result="unfounded",
              screening_opinion="现场未发现所述情况。", verified_on="2025-03-04")
    late = public_report(intake, anonymous=True)
    intake.advance(days=8)  # screening is due in 5 days
    intake.do("handler", late, "screen_report", screening_result="unfounded",
              screening_opinion="现场未发现所述情况。", verified_on="2025-03-12")
    public_report(intake, anonymous=True)  # still within its time
    chief = intake.actors["chief"]
    counts = registers.counts(chief, "whistleblower")
    assert (counts.due, counts.done, counts.late, counts.in_time, counts.open) == (3, 2, 1, 1, 1)
    tile = plan_progress.progress(chief).tile("whistleblower")
    assert (tile.numerator, tile.denominator, tile.met, tile.pending) == (1, 2, False, 1)
    assert registers.counts(chief, "referrals").late == 0  # only registers that judge time count late items
