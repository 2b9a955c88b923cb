"""engine.campaign.staff: the enterprise staff register — who may read and change it, validation, audit, import."""
from __future__ import annotations

import pytest
from sqlalchemy import select

import engine
from engine.campaign import staff
from engine.runtime.models import AuditEvent
from tests.conftest import ENT_A, ENT_B


def _audit_actions() -> list[str]:
    with engine.runtime.db.unit_of_work(write=False) as s:
        return [e.action for e in s.scalars(select(AuditEvent).order_by(AuditEvent.id)) if e.action.startswith("staff.")]


def test_an_enterprise_officer_keeps_the_own_register_and_every_change_is_audited(people):
    officer = people["officer_a"]
    boss = staff.add_person(officer, None, "黄丽华", "principal", "13904361001")
    staff.add_person(officer, ENT_A, "王安全", "安全管理人员")  # the Chinese post name is understood
    staff.update_person(officer, boss.id, name="黄丽华", post="principal", phone="0436-6221234", active=True)
    found = staff.list_people(officer)
    assert [(p.name, p.post, p.phone) for p in found] == [("黄丽华", "principal", "0436-6221234"),
                                                          ("王安全", "safety_manager", None)]
    assert _audit_actions() == ["staff.add", "staff.add", "staff.update"]


def test_enterprise_b_can_neither_see_nor_change_the_people_of_enterprise_a(people):
    person = staff.add_person(people["admin"], ENT_A, "黄丽华", "principal")
    other = people["officer_b"]
    with pytest.raises(engine.NotFound):
        staff.list_people(other, ENT_A)
    assert staff.list_people(other) == ()  # its own register, empty
    with pytest.raises(engine.NotFound):
        staff.add_person(other, ENT_A, "冒名", "principal")
    with pytest.raises(engine.NotFound):
        staff.update_person(other, person.id, name="改名", post="principal")
    assert [p.name for p in staff.list_people(people["admin"], ENT_A)] == ["黄丽华"]


def test_bureau_staff_read_the_registers_of_their_industries_but_do_not_change_them(people):
    staff.add_person(people["admin"], ENT_A, "黄丽华", "principal")
    assert len(staff.list_people(people["inspector_catering"], ENT_A)) == 1
    with pytest.raises(engine.NotFound):
        staff.list_people(people["inspector_oil"], ENT_A)
    with pytest.raises(engine.Forbidden):
        staff.add_person(people["inspector_catering"], ENT_A, "张三", "principal")


def test_a_bad_name_post_or_phone_is_refused_field_by_field(people):
    with pytest.raises(engine.ValidationFailed) as err:
        staff.add_person(people["admin"], ENT_A, " ", "boss", "12345")
    assert [d["field"] for d in err.value.details] == ["name", "post", "phone"]


def test_a_person_who_left_is_kept_but_no_longer_listed(people):
    person = staff.add_person(people["admin"], ENT_A, "黄丽华", "principal")
    staff.update_person(people["admin"], person.id, name="黄丽华", post="principal", active=False)
    assert staff.list_people(people["admin"], ENT_A) == ()
    assert [p.active for p in staff.list_people(people["admin"], ENT_A, include_inactive=True)] == [False]


def test_an_import_with_a_bad_row_imports_nobody_and_names_each_bad_row(people):
    data = ("统一社会信用代码,姓名,岗位,电话\n"
            f"{ENT_A},黄丽华,主要负责人,13904361001\n"
            f"{ENT_A},,安全管理人员,\n"
            f"{ENT_A},李四,厨师长,\n"
            f"91220881MA00000013,王五,主要负责人,\n").encode("utf-8-sig")
    result = staff.import_people(people["admin"], "people.csv", data)
    assert result.created == 0
    assert [(e.row, e.field) for e in result.errors] == [(3, "name"), (4, "post"), (5, "code")]
    assert staff.list_people(people["admin"], ENT_A) == ()


def test_an_enterprise_user_imports_into_its_own_register_only(people):
    good = "姓名,岗位,电话\n黄丽华,主要负责人,13904361001\n王安全,安全管理人员,\n".encode()
    result = staff.import_people(people["officer_a"], "people.csv", good)
    assert (result.created, result.errors) == (2, ())
    foreign = f"统一社会信用代码,姓名,岗位\n{ENT_B},冒名,主要负责人\n".encode()
    result = staff.import_people(people["officer_a"], "people.csv", foreign)
    assert result.created == 0 and result.errors[0].field == "code"
    assert staff.list_people(people["admin"], ENT_B) == ()
