"""The candidate inbox: each task once, counted and paged from the pool's branches, filters on the case applied."""
from __future__ import annotations

import pytest

import engine
from tests.conftest import DATA, ENT_A, ENT_B, read_forms

RECTIFY = '<bpmn:userTask id="rectify" name="整改">'


@pytest.fixture
def both_roles(people):
    """`review` with the principal as the alternate role of `rectify`; a user holding both enterprise roles."""
    text = (DATA / "review.bpmn").read_text(encoding="utf-8")
    text = text.replace('xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core"',
                        'xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core" '
                        'xmlns:camunda="http://camunda.org/schema/1.0/bpmn"')
    assert RECTIFY in text
    text = text.replace(RECTIFY, '<bpmn:userTask id="rectify" name="整改" camunda:candidateGroups="enterprise_principal">')
    engine.deploy(text.encode("utf-8"), actor="owner", forms_given=read_forms())
    engine.add_user("principal_a", roles=["enterprise_principal"], enterprise=ENT_A)
    engine.add_user("both_a", roles=["enterprise_principal", "enterprise_safety_officer"], enterprise=ENT_A)
    engine.add_user("principal_b", roles=["enterprise_principal"], enterprise=ENT_B)
    return {name: engine.get_actor(name) for name in ("principal_a", "both_a", "principal_b")}


def start(actor: engine.Actor, title: str) -> engine.InstanceView:
    return engine.start_instance(actor, "review", {"case_title": title, "hazard_level": "general", "spawn": False})


def ids(page: engine.Page) -> list[str]:
    return [t.id for t in page.items]


def test_the_pool_counts_each_task_once_and_pages_it_soonest_due_first(people, both_roles, clock):
    cases = []
    for i in range(7):  # started a minute apart, each due three days later: the page keeps this order
        clock.advance(minutes=1)
        cases.append(start(people["officer_a"], f"隐患{i:02d}"))
    start(people["officer_b"], "别家的隐患")
    expected = [c.open_tasks[0].id for c in cases]
    for who in (people["officer_a"], both_roles["principal_a"], both_roles["both_a"]):
        page = engine.list_tasks(who, scope="candidate", limit=3)
        assert (page.total, ids(page), page.next_offset) == (7, expected[:3], 3)
        rest = engine.list_tasks(who, scope="candidate", limit=3, offset=6)
        assert (rest.total, ids(rest), rest.next_offset) == (7, expected[6:], None)
    assert engine.list_tasks(both_roles["principal_b"], scope="candidate").total == 1
    assert engine.list_tasks(people["inspector_catering"], scope="candidate").total == 0
    beyond = engine.list_tasks(people["officer_a"], scope="candidate", offset=50)
    assert (beyond.total, beyond.items) == (7, ())


def test_case_filters_apply_to_the_pool(people, both_roles):
    for i in range(3):
        start(people["officer_a"], f"燃气隐患{i}")
    start(people["officer_a"], "消防通道")
    principal = both_roles["principal_a"]
    found = engine.list_tasks(principal, scope="candidate", text="燃气")
    assert found.total == 3 and all("燃气" in t.case_title for t in found.items)
    assert engine.list_tasks(principal, scope="candidate", enterprise_code=ENT_A, limit=2).total == 4
    assert engine.list_tasks(principal, scope="candidate", enterprise_code=ENT_B).total == 0
    assert engine.list_tasks(principal, scope="candidate", process_key="other").total == 0
    claimed = engine.claim(principal, found.items[0].id)
    assert claimed.assignee == "principal_a"
    assert engine.list_tasks(principal, scope="candidate").total == 3
    assert [t.id for t in engine.list_tasks(principal, scope="mine").items] == [claimed.id]


def test_the_alternate_role_alone_is_no_way_around_the_scope(people, both_roles):
    task = start(people["officer_a"], "隐患").open_tasks[0]
    assert task.alt_role == "enterprise_principal"
    with pytest.raises(engine.NotFound):
        engine.claim(both_roles["principal_b"], task.id)  # another enterprise's principal
    assert engine.list_tasks(people["chief"], scope="candidate").total == 0  # a bureau role of another pool
