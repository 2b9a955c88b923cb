"""Tenancy: every task action by a user of another enterprise (or another industry) is refused, and a task is
never handed over (转办, 委派) to someone who could not see its case or lacks its role and scope."""
from __future__ import annotations

import pytest

import engine


@pytest.fixture
def task(review, people):
    case = engine.start_instance(people["officer_a"], "review", {"case_title": "配电箱无防护", "hazard_level": "general",
                                                                 "deadline": "2025-03-10", "spawn": False})
    return case.open_tasks[0]


ACTIONS = {
    "get": lambda who, t: engine.get_task(who, t.id),
    "claim": lambda who, t: engine.claim(who, t.id),
    "unclaim": lambda who, t: engine.unclaim(who, t.id),
    "complete": lambda who, t: engine.complete_task(who, t.id, {"measures": "越权"}),
    "draft": lambda who, t: engine.save_draft(who, t.id, {"measures": "越权"}),
    "reassign": lambda who, t: engine.reassign(who, t.id, "officer_b", "越权"),
    "delegate": lambda who, t: engine.delegate(who, t.id, "officer_b", "越权"),
    "resolve": lambda who, t: engine.resolve(who, t.id, {"measures": "越权"}, "越权"),
    "send_back": lambda who, t: engine.send_back(who, t.id, "越权"),
    "case": lambda who, t: engine.get_instance(who, t.instance_id),
}


@pytest.mark.parametrize("action", sorted(ACTIONS))
@pytest.mark.parametrize("outsider", ["officer_b", "inspector_oil"])
def test_another_enterprise_or_industry_cannot_touch_the_task(task, people, action, outsider):
    engine.claim(people["officer_a"], task.id)
    with pytest.raises(engine.NotFound):
        ACTIONS[action](people[outsider], task)
    after = engine.get_task(people["officer_a"], task.id)
    assert (after.status, after.assignee, after.owner, after.draft) == ("open", "officer_a", None, None)


@pytest.mark.parametrize("handover", ["reassign", "delegate"])
@pytest.mark.parametrize("target", ["officer_b", "inspector_catering", "inspector_oil", "auditor", "nobody"])
def test_a_task_is_handed_over_only_within_its_role_and_scope(task, people, handover, target):
    engine.claim(people["officer_a"], task.id)
    hand = engine.reassign if handover == "reassign" else engine.delegate
    with pytest.raises(engine.BadRequest) as info:
        hand(people["officer_a"], task.id, target, "请办理")
    assert info.value.details[0]["field"] == "to"
    assert engine.get_task(people["officer_a"], task.id).assignee == "officer_a"
    # the outsider sees nothing of it
    if target != "nobody":
        assert engine.list_tasks(people[target], scope="mine").total == 0
    moved = hand(people["officer_a"], task.id, "officer_a2", "请同事办理")
    assert moved.assignee == "officer_a2"
