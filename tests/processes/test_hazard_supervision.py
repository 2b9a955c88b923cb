"""hazard_closure, a confirmed major hazard (issue 16 §4): 挂牌督办 and the report to the city safety committee
office, 停产停业整顿 decided and lifted, and the expert's 不同意销号 binding the acceptance."""
from __future__ import annotations

import pytest

from engine import FormInvalid
from engine.campaign import registers
from tests.processes.campaign_support import (
    Campaign,
    acceptance,
    acknowledgement,
    expert_acceptance,
    expert_grading,
    grading,
    hazard_report,
    progress,
    publicity,
    rectification_plan,
    supervision,
)


@pytest.fixture
def hazards(campaign: Campaign) -> Campaign:
    campaign.deploy("hazard_closure", "enforcement_referral")
    return campaign


def _confirmed(hazards: Campaign) -> int:
    case = hazards.start("inspector", "hazard_closure", hazard_report(source="inspection"))
    hazards.do("inspector", case.id, "grade_hazard", **grading("major", "2025-04-30"))
    hazards.do("expert", case.id, "expert_confirm", **expert_grading("major"))
    assert hazards.steps(case.id) == ["decide_supervision"]
    return case.id


def _to_expert_acceptance(hazards: Campaign, case_id: int) -> None:
    hazards.do("principal", case_id, "acknowledge_notice", **acknowledgement())
    hazards.do("principal", case_id, "submit_plan", **rectification_plan("2025-04-20"))
    hazards.do("chief", case_id, "approve_plan", plan_decision="approve")
    hazards.do("officer", case_id, "rectify_major", **progress("completed"))
    assert hazards.steps(case_id) == ["expert_acceptance"]


def test_a_listed_and_suspended_major_hazard_shows_in_the_register_and_is_delisted_and_lifted(hazards):
    case_id = _confirmed(hazards)
    [task] = hazards.case(case_id).open_tasks
    assert (task.role, task.alt_role, task.form_key) == ("section_chief", "deputy_director", "major_hazard_supervision")
    with pytest.raises(FormInvalid):  # listing needs who, when, the leader and the deadline
        hazards.do("deputy", case_id, "decide_supervision", supervision_listed=True, committee_reported=False,
                   suspension_ordered=False)
    case = hazards.do("deputy", case_id, "decide_supervision", **supervision(listed=True, suspended=True))
    assert hazards.steps(case_id) == ["acknowledge_notice"]
    assert (case.data["supervision_listed_on"], case.data["committee_document_no"], case.data["suspension_decision_no"]) \
        == ("2025-03-04", "洮商安〔2025〕12号", "洮商停〔2025〕3号")

    [row] = hazards.register(hazard_level="major")
    assert row.supervision == {"supervision_listed_on": "2025-03-04", "supervision_listed_by": "洮南市商务局",
                               "supervising_leader": "王副局长", "supervision_deadline": "2025-04-30",
                               "committee_reported_on": "2025-03-05", "committee_document_no": "洮商安〔2025〕12号",
                               "suspension_decision_no": "洮商停〔2025〕3号", "suspension_decided_on": "2025-03-04",
                               "suspension_scope": "二楼后厨停止使用"}
    [item] = registers.rows(hazards.admin, "hazards", registers.Filters(variant="major"), today=hazards.today()).items
    assert item.fields["supervising_leader"] == "王副局长" and item.fields["suspension_lifted_on"] == ""

    _to_expert_acceptance(hazards, case_id)
    hazards.do("expert", case_id, "expert_acceptance", **expert_acceptance("pass"))
    case = hazards.do("inspector", case_id, "acceptance", **acceptance("pass"))
    assert case.data["supervision_closed_on"] == "2025-03-03" and case.data["major_list_status"] == "closed"
    assert hazards.steps(case_id) == ["lift_suspension"]  # struck off: now the suspension is lifted
    with pytest.raises(FormInvalid):
        hazards.do("chief", case_id, "lift_suspension", suspension_lifted_on="2025-03-20")
    hazards.do("chief", case_id, "lift_suspension", suspension_lifted_on="2025-03-20", lifting_document_no="洮商复〔2025〕1号",
               lifting_opinion="复查合格，准予恢复营业。")
    assert hazards.steps(case_id) == ["publicize_result"]
    case = hazards.do("principal", case_id, "publicize_result", **publicity())
    assert case.status == "completed"
    [row] = hazards.register(hazard_level="major")
    assert row.supervision["suspension_lifted_on"] == "2025-03-20" and row.supervision["supervision_closed_on"] == "2025-03-03"


def test_a_major_hazard_neither_listed_nor_suspended_goes_straight_on(hazards):
    case_id = _confirmed(hazards)
    hazards.do("chief", case_id, "decide_supervision", **supervision())
    [row] = hazards.register(hazard_level="major")
    assert row.supervision == {}
    _to_expert_acceptance(hazards, case_id)
    hazards.do("expert", case_id, "expert_acceptance", **expert_acceptance("pass"))
    hazards.do("inspector", case_id, "acceptance", **acceptance("pass"))
    assert hazards.steps(case_id) == ["publicize_result"]


def test_the_experts_disagreement_binds_the_acceptance_and_sends_the_hazard_back(hazards):
    case_id = _confirmed(hazards)
    hazards.do("chief", case_id, "decide_supervision", **supervision())
    _to_expert_acceptance(hazards, case_id)
    [task] = hazards.case(case_id).open_tasks
    assert task.form_key == "expert_acceptance_binding"
    hazards.do("expert", case_id, "expert_acceptance", **expert_acceptance("fail"))
    [task] = hazards.case(case_id).open_tasks
    assert (task.element_id, task.form_key) == ("acceptance_expert_disagrees", "acceptance_expert_disagrees")

    for refused in (acceptance("pass"), acceptance("pass", "2025-05-15"), acceptance("fail")):  # no pass; a deadline
        with pytest.raises(FormInvalid):
            hazards.do("inspector", case_id, "acceptance_expert_disagrees", **refused)
    case = hazards.do("inspector", case_id, "acceptance_expert_disagrees", **acceptance("fail", "2025-05-15"))
    assert hazards.steps(case_id) == ["rectify_major"] and case.deadline.isoformat() == "2025-05-15"
    assert case.data["major_list_status"] == "open" and "closed_on" not in case.data

    hazards.do("officer", case_id, "rectify_major", **progress("completed"))
    hazards.do("expert", case_id, "expert_acceptance", **expert_acceptance("pass"))  # this time the expert agrees
    assert hazards.steps(case_id) == ["acceptance"]
    hazards.do("inspector", case_id, "acceptance", **acceptance("pass"))
    assert hazards.steps(case_id) == ["publicize_result"]


def test_a_refusal_after_the_experts_disagreement_is_referred(hazards):
    case_id = _confirmed(hazards)
    hazards.do("chief", case_id, "decide_supervision", **supervision())
    _to_expert_acceptance(hazards, case_id)
    hazards.do("expert", case_id, "expert_acceptance", **expert_acceptance("fail"))
    hazards.do("inspector", case_id, "acceptance_expert_disagrees", **acceptance("refused", "2025-05-15"))
    [referral] = hazards.children(case_id, "enforcement_referral")
    assert referral.data["trigger"] == "refusal" and hazards.steps(case_id) == ["rectify_major"]
