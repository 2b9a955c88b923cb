"""engine.campaign.register: the hazard register query, names of roles/industries/enterprises (both databases)."""
from __future__ import annotations

from datetime import date

import engine
from engine.campaign import register
from tests.webui.pages_support import deploy_hazard_stand_in, start_review

TODAY = date(2025, 3, 3)


def test_roles_and_industries_have_both_names(database):
    roles = {r.key: r for r in register.list_roles()}
    assert roles["section_chief"].name_zh == "科室负责人" and roles["section_chief"].name_en == "Section chief"
    assert {i.key for i in register.list_industries()} >= {"catering", "refined_oil", "grain_storage"}


def test_the_register_is_scoped_like_the_cases(people, review):
    deploy_hazard_stand_in()
    a = start_review(people["officer_a"], "hazard_closure", case_title="甲", deadline="2025-03-01")
    start_review(people["officer_b"], "hazard_closure", case_title="乙")
    start_review(people["officer_a"], "review", case_title="别的流程")
    assert [r.title for r in register.hazard_register(people["officer_a"], today=TODAY).items] == ["甲"]
    assert [r.title for r in register.hazard_register(people["inspector_oil"], today=TODAY).items] == ["乙"]
    rows = register.hazard_register(people["chief"], today=TODAY).items
    assert [r.title for r in rows] == ["甲", "乙"]  # nearest deadline first
    [row] = [r for r in rows if r.id == a.id]
    assert (row.enterprise_name, row.industry, row.overdue, row.status) == ("洮南市甲餐饮有限公司", "catering", True, "running")


def test_filters_and_the_five_fixes(people, review):
    deploy_hazard_stand_in()
    case = start_review(people["officer_a"], "hazard_closure", hazard_level="major", deadline="2025-04-01")
    start_review(people["officer_b"], "hazard_closure", hazard_level="general")
    chief = people["chief"]
    assert register.hazard_register(chief, today=TODAY, hazard_level="major").total == 1
    assert register.hazard_register(chief, today=TODAY, enterprise_code="91220881MA10000006").total == 1
    assert register.hazard_register(chief, today=TODAY, overdue=True).total == 0
    assert register.hazard_register(chief, today=date(2025, 5, 1), overdue=True).total == 2
    engine.complete_task(people["officer_a"], case.open_tasks[0].id, {"measures": "更换"})
    [row] = register.hazard_register(chief, today=TODAY, hazard_level="major").items
    assert row.measures == "更换" and row.five_fixes_complete is False


def test_enterprise_names_follow_the_actor_scope(people):
    assert register.enterprise_names(people["officer_a"]) == {"91220881MA00000000": "洮南市甲餐饮有限公司"}
    assert set(register.enterprise_names(people["inspector_oil"])) == {"91220881MA10000006"}
    assert len(register.enterprise_names(people["chief"])) == 2
    assert register.enterprise_name("91220881MA00000000") == "洮南市甲餐饮有限公司"
    assert register.enterprise_name("nope") is None
