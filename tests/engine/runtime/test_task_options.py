"""Pages offer only actions that can work: per-task yes/no and the people a task may be handed to."""
from __future__ import annotations

import pytest
from sqlalchemy import update

import engine
from engine.runtime.db import unit_of_work
from engine.runtime.models import User
from tests.conftest import ENT_A


def _start(actor, **data):
    payload = {"case_title": "后厨燃气报警器失效", "hazard_level": "general", "deadline": "2025-03-10", "spawn": False, **data}
    return engine.start_instance(actor, "review", payload)


def test_send_back_is_offered_only_where_the_diagram_leads_back(review, people):
    first = _start(people["officer_a"]).open_tasks[0]
    engine.claim(people["officer_a"], first.id)
    actions = engine.task_actions(people["officer_a"], first.id)
    assert actions.complete and actions.delegate and actions.reassign and not actions.send_back
    accept = engine.complete_task(people["officer_a"], first.id, {"measures": "更换"}).open_tasks[0]
    assert engine.task_actions(people["inspector_catering"], accept.id).send_back
    assert not engine.task_actions(people["officer_a"], accept.id).send_back  # not theirs to work


def test_claim_is_offered_only_to_those_who_may_take_the_task(review, people):
    task = _start(people["inspector_catering"], enterprise_code=ENT_A).open_tasks[0]  # an officer's step
    assert engine.task_actions(people["officer_a"], task.id).claim
    assert engine.task_actions(people["inspector_catering"], task.id) == engine.TaskActions()
    [started] = engine.list_tasks(people["inspector_catering"], scope="started").items
    assert not started.claimable
    [pooled] = engine.list_tasks(people["officer_a"], scope="candidate").items
    assert pooled.claimable and engine.get_task(people["officer_a"], task.id).claimable
    engine.claim(people["officer_a"], task.id)
    assert not engine.task_actions(people["officer_a2"], task.id).claim


def test_handover_candidates_are_the_people_who_hold_the_role_in_scope(review, people):
    engine.add_user("officer_a3", roles=["enterprise_safety_officer"], enterprise=ENT_A, display_name="王安全")
    engine.add_user("gone", roles=["enterprise_safety_officer"], enterprise=ENT_A)
    engine.add_user("inspector_all", roles=["bureau_inspector"])
    task = _start(people["officer_a"]).open_tasks[0]
    engine.claim(people["officer_a"], task.id)
    _disable("gone")
    names = [u.username for u in engine.handover_candidates(people["officer_a"], task.id)]
    assert sorted(names) == ["officer_a2", "officer_a3"]  # not officer_b (other enterprise), nor the inactive one
    assert [u.username for u in engine.handover_candidates(people["officer_a"], task.id, "王")] == ["officer_a3"]
    assert engine.handover_candidates(people["officer_a"], task.id, "nobody") == []
    assert len(engine.handover_candidates(people["officer_a"], task.id, limit=1)) == 1
    with pytest.raises(engine.Forbidden):
        engine.handover_candidates(people["officer_a2"], task.id)
    moved = engine.reassign(people["officer_a"], task.id, "officer_a3", "请同事办理")
    accept = engine.complete_task(engine.get_actor("officer_a3"), moved.id, {"measures": "更换"}).open_tasks[0]
    engine.claim(people["inspector_catering"], accept.id)
    bureau = [u.username for u in engine.handover_candidates(people["inspector_catering"], accept.id)]
    assert bureau == ["inspector_all"]  # the refined-oil inspector lacks the catering industry


def _disable(username: str) -> None:
    with unit_of_work() as s:
        s.execute(update(User).where(User.username == username).values(active=False))
