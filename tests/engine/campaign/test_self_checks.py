"""engine.campaign.self_checks: daily self-checks done, missed and open per enterprise over a window (both databases).

The real `daily_self_check` diagram is used, so a missed check is one its 23:59 boundary timer closed.
"""
from __future__ import annotations

from datetime import date

import pytest

import engine
from engine.campaign import enterprises, self_checks
from tests.conftest import ENT_A, ENT_B
from tests.processes.campaign_support import Campaign, finding
from tests.processes.test_periodic_duties import DAILY

ENT_C = "91220881MA2000000C"
MARCH = ("2025-03-03", "2025-03-04", "2025-03-05", "2025-03-06", "2025-03-07")  # Monday to Friday


@pytest.fixture
def checks(people, clock) -> Campaign:
    """A week of checks for three enterprises, seen on Friday 2025-03-07 at 12:00.

    A (catering): done Mon–Wed (a finding on Monday), missed Thu, done Fri.
    B (refined oil): missed Mon–Thu, Friday's still open.
    C (catering): one done on 28 February, done Thu, Friday's still open, Wednesday's withdrawn (terminated).
    """
    engine.add_enterprise(ENT_C, "洮南市丙餐饮有限公司", "catering")
    engine.add_user("officer_c", roles=["enterprise_safety_officer"], enterprise=ENT_C)
    campaign = Campaign(clock, actors={**people, "officer_c": engine.get_actor("officer_c")})
    campaign.deploy("hazard_closure", "daily_self_check")
    plan = {ENT_C: {"2025-02-28": "done", "2025-03-05": "terminate", "2025-03-06": "done", "2025-03-07": None},
            ENT_A: {"2025-03-03": "finding", "2025-03-04": "done", "2025-03-05": "done", "2025-03-06": None,
                    "2025-03-07": "done"},
            ENT_B: dict.fromkeys(MARCH)}
    officers = {ENT_A: "officer_a", ENT_B: "officer_b", ENT_C: "officer_c"}
    campaign.go_to("2025-02-28T09:00")  # a past day's check can only be done on its day: February's first
    for code, days in plan.items():
        for day, outcome in days.items():
            if day >= "2025-03-03":
                campaign.go_to("2025-03-03T09:00")
            case = campaign.start("admin", "daily_self_check",
                                  {"enterprise_code": code, "case_title": f"{day} 每日安全自查", "deadline": day})
            if outcome in ("done", "finding"):
                campaign.do(officers[code], case.id, "self_check", checked_by="安全员", **DAILY,
                            findings=[finding()] if outcome == "finding" else [])
            elif outcome == "terminate":
                engine.terminate_instance(people["admin"], case.id, "企业停业整顿")
    campaign.go_to("2025-03-07T12:00")  # the boundary timers of Monday–Thursday have fired
    return campaign


def test_done_missed_and_open_are_counted_per_enterprise(checks):
    report = self_checks.self_check_report(checks.admin, today=date(2025, 3, 7))
    assert report.window == self_checks.Window(date(2025, 3, 1), date(2025, 3, 7))
    rows = {r.enterprise_code: r for r in report.rows}
    figures = {code: (r.expected, r.done, r.missed, r.open, r.last_done, r.hazards_opened) for code, r in rows.items()}
    assert figures == {ENT_A: (5, 4, 1, 0, date(2025, 3, 7), 1),
                       ENT_B: (5, 0, 4, 1, None, 0),
                       ENT_C: (2, 1, 0, 1, date(2025, 3, 6), 0)}
    assert (rows[ENT_A].rate, rows[ENT_B].rate, rows[ENT_C].rate) == (0.8, 0.0, 1.0)
    assert [r.missed_heavy for r in report.rows] == [True, False, False]
    assert [r.enterprise_code for r in report.rows] == [ENT_B, ENT_A, ENT_C]  # the most missed first
    assert rows[ENT_A].enterprise_name == "洮南市甲餐饮有限公司" and rows[ENT_B].industry == "refined_oil"
    totals = (report.expected, report.done, report.missed, report.open, report.missed_heavy, report.hazards_opened)
    assert totals == (12, 5, 5, 2, 1, 1) and report.rate == 0.5


def test_a_missed_check_is_one_the_day_timer_closed(checks):
    page = engine.list_instances(checks.admin, process_key="daily_self_check", enterprise_code=ENT_B, limit=10)
    missed = [checks.case(c.id) for c in page.items if c.status == "completed"]
    assert len(missed) == 4 and all(c.data["self_check_missed"] is True for c in missed)


def test_each_user_counts_only_the_enterprises_it_may_see(checks, people):
    def codes(who: str) -> list[str]:
        report = self_checks.self_check_report(people[who], today=date(2025, 3, 7))
        return sorted(r.enterprise_code for r in report.rows)

    assert codes("officer_a") == [ENT_A]
    assert codes("officer_b") == [ENT_B]
    assert codes("inspector_catering") == [ENT_A, ENT_C]
    assert codes("inspector_oil") == [ENT_B]
    assert codes("chief") == codes("auditor") == [ENT_A, ENT_B, ENT_C]
    own = self_checks.self_check_report(people["officer_a"], today=date(2025, 3, 7))
    assert (own.expected, own.done, own.missed, own.missed_heavy) == (5, 4, 1, 0)


def test_the_window_can_be_chosen(checks):
    february = self_checks.self_check_report(checks.admin, today=date(2025, 3, 7), start=date(2025, 2, 1),
                                             end=date(2025, 2, 28))
    assert [(r.enterprise_code, r.expected, r.done) for r in february.rows] == [(ENT_C, 1, 1)]
    two_days = self_checks.self_check_report(checks.admin, today=date(2025, 3, 7), start=date(2025, 3, 6),
                                             end=date(2025, 3, 7))
    assert (two_days.expected, two_days.done, two_days.missed, two_days.open) == (6, 2, 2, 2)
    with pytest.raises(engine.BadRequest):
        self_checks.self_check_report(checks.admin, today=date(2025, 3, 7), start=date(2025, 3, 8))
    with pytest.raises(engine.BadRequest):
        self_checks.self_check_report(checks.admin, today=date(2025, 3, 7), start=date(2024, 1, 1))


def test_nothing_counted_has_no_rate(people):
    report = self_checks.self_check_report(people["chief"], today=date(2025, 3, 7))
    assert (report.rows, report.expected, report.rate, report.missed_heavy) == ((), 0, None, 0)


def test_a_month_window_runs_to_today_in_the_current_month_only():
    today = date(2025, 3, 7)
    assert self_checks.month_window(date(2025, 3, 1), today) == self_checks.Window(date(2025, 3, 1), today)
    assert self_checks.month_window(date(2025, 2, 14), today) == self_checks.Window(date(2025, 2, 1), date(2025, 2, 28))
    assert self_checks.month_window(date(2024, 12, 1), today).end == date(2024, 12, 31)
    assert self_checks.month_window(date(2025, 4, 1), today).days == 30


def test_rows_sort_by_missed_rate_or_enterprise():
    def row(code: str, done: int, missed: int) -> self_checks.EnterpriseChecks:
        return self_checks.EnterpriseChecks(code, code, None, done + missed, done, missed, 0, None, 0)

    rows = [row("A", 9, 1), row("B", 0, 0), row("C", 2, 3), row("D", 1, 3)]
    assert [r.enterprise_code for r in self_checks.sort_rows(rows, "missed")] == ["D", "C", "A", "B"]
    assert [r.enterprise_code for r in self_checks.sort_rows(rows, "rate")] == ["D", "C", "A", "B"]
    assert [r.enterprise_code for r in self_checks.sort_rows(rows, "enterprise")] == ["A", "B", "C", "D"]


# ------------------------------------------------------------------ business days (营业日)
SPRING_FESTIVAL = date(2025, 1, 29)  # 春节, a Wednesday off
MAKE_UP_SATURDAY = date(2025, 2, 8)  # 调休: a Saturday worked
SUNDAY = date(2025, 3, 2)  # a normal Sunday
MONDAY = date(2025, 3, 3)
RESTAURANT, WHOLESALER, SHOP = "91220881MA3000000J", "91220881MA4000000Q", "91220881MA5000000Y"


def test_the_rule_decides_each_day_by_the_official_calendar():
    from engine.campaign import business_days
    days = (SPRING_FESTIVAL, MAKE_UP_SATURDAY, SUNDAY, MONDAY)
    assert [business_days.is_due("every_day", d) for d in days] == [True, True, True, True]
    assert [business_days.is_due("working_days", d) for d in days] == [False, True, False, True]
    assert [business_days.is_due("days:1,2,3,4,5,6", d) for d in days] == [False, True, False, True]
    assert [business_days.is_due("days:1,2,3,4,5,6;holidays", d) for d in days] == [True, True, False, True]
    assert [business_days.is_due("days:6,7", d) for d in days] == [False, True, True, False]
    # the industry default, and the enterprise's own rule over it
    assert business_days.effective(None, "catering") == business_days.effective(None, "refined_oil") == "every_day"
    assert business_days.effective(None, "grain_storage") == "working_days"
    assert business_days.effective("days:1,2,3,4,5,6", "catering") == "days:1,2,3,4,5,6"
    assert business_days.closed_days("working_days", date(2025, 2, 1), date(2025, 2, 9)) == [
        date(2025, 2, 1), date(2025, 2, 2), date(2025, 2, 3), date(2025, 2, 4), date(2025, 2, 9)]  # 春节 to 4 Feb


@pytest.mark.parametrize("said, stored", [
    ("每天营业", "every_day"), ("工作日营业", "working_days"), ("", None), ("按行业", None),
    ("周一至周六", "days:1,2,3,4,5,6"), ("周一至周六 节假日营业", "days:1,2,3,4,5,6;holidays"),
    ("周一、周三、周五", "days:1,3,5"), ("days:6,1", "days:1,6"), ("working_days", "working_days")])
def test_what_a_form_or_an_import_says_becomes_a_stored_rule(said, stored):
    from engine.campaign import business_days
    assert business_days.normalise(said) == stored


@pytest.mark.parametrize("bad", ["每周营业", "days:", "days:0,8", "周六至周一", "自定义", "weekends"])
def test_a_rule_that_says_nothing_clear_is_refused(bad):
    from engine.campaign import business_days
    with pytest.raises(ValueError):
        business_days.normalise(bad)


@pytest.fixture
def shops(people, clock) -> Campaign:
    """An every-day restaurant, a working-days wholesaler (grain), and a catering shop closed on Sundays and
    holidays (its own rule: Monday–Saturday), with the real dispatcher deployed on 27 January 2025."""
    engine.add_enterprise(RESTAURANT, "洮南市丁饭店", "catering")
    engine.add_enterprise(WHOLESALER, "洮南市戊粮食批发有限公司", "grain_storage")
    engine.add_enterprise(SHOP, "洮南市己小吃店", "catering", business_days="周一至周六")
    for name, code in (("officer_r", RESTAURANT), ("officer_w", WHOLESALER), ("officer_s", SHOP)):
        engine.add_user(name, roles=["enterprise_safety_officer"], enterprise=code)
    campaign = Campaign(clock, actors={**people, **{n: engine.get_actor(n) for n in ("officer_r", "officer_w",
                                                                                     "officer_s")}})
    campaign.go_to("2025-01-27T12:00")
    campaign.deploy("hazard_closure", "daily_self_check", "daily_self_check_dispatch")
    return campaign


def _checked(day: date) -> set[str]:
    from sqlalchemy import select

    from engine.runtime.db import unit_of_work
    from engine.runtime.models import Enterprise, ProcessInstance
    with unit_of_work(write=False) as s:
        return set(s.scalars(select(Enterprise.code)
                             .join(ProcessInstance, ProcessInstance.enterprise_id == Enterprise.id)
                             .where(ProcessInstance.process_key == "daily_self_check",
                                    ProcessInstance.deadline == day)))


def test_the_dispatcher_starts_checks_only_for_enterprises_open_that_day(shops):
    shops.go_to("2025-03-03T08:01")  # every morning since 28 January dispatched (one after the other)
    every_day = {ENT_A, ENT_B, RESTAURANT}  # catering and refined oil: every day by their industry
    assert _checked(SPRING_FESTIVAL) == every_day
    assert _checked(MAKE_UP_SATURDAY) == every_day | {WHOLESALER, SHOP}  # 调休 is a working day; SHOP opens Saturdays
    assert _checked(SUNDAY) == every_day
    assert _checked(MONDAY) == every_day | {WHOLESALER, SHOP}
    february = self_checks.self_check_report(shops.admin, today=MONDAY, start=date(2025, 2, 1), end=date(2025, 2, 28))
    expected = {r.enterprise_code: r.expected for r in february.rows}
    # February 2025: 28 days; 19 official working days (20 weekdays, 3–4 Feb off for 春节, Saturday 8th worked);
    # Monday–Saturday: 24 days less the holidays 1, 3 and 4 February = 21
    assert expected == {ENT_A: 28, ENT_B: 28, RESTAURANT: 28, WHOLESALER: 19, SHOP: 21}
    assert all(r.missed == r.expected for r in february.rows)  # nobody checked: every owed day is a missed one


def test_a_day_the_enterprise_is_closed_by_its_new_rule_is_not_a_missed_check(shops):
    shops.go_to("2025-03-03T08:01")
    before = {r.enterprise_code: (r.expected, r.missed) for r in self_checks.self_check_report(
        shops.admin, today=MONDAY, start=date(2025, 2, 24), end=date(2025, 3, 2)).rows}
    assert before[RESTAURANT] == (7, 7)
    # the restaurant does its Friday check, then the bureau learns it closes at weekends and on holidays
    enterprises.set_enterprise_profile(RESTAURANT, actor="admin", scale=None, standard_grade=None, benchmark=False,
                                 business_days="周一至周五")
    week = self_checks.self_check_report(shops.admin, today=MONDAY, start=date(2025, 2, 24), end=date(2025, 3, 2))
    after = {r.enterprise_code: (r.expected, r.missed) for r in week.rows}
    assert after[RESTAURANT] == (5, 5) and after[ENT_A] == (7, 7)  # Saturday and Sunday no longer owed
    from engine.campaign import registers
    row = registers.counts(shops.admin, "self_checks", registers.Filters(year=2025, month=3,
                                                                         enterprise_code=RESTAURANT), today=MONDAY)
    assert (row.due, row.missed, row.open) == (1, 0, 1)  # 2 March (Sunday) not owed; Monday's check open
    with pytest.raises(engine.ValidationFailed):
        enterprises.set_enterprise_profile(RESTAURANT, actor="admin", scale=None, standard_grade=None, benchmark=False,
                                     business_days="每周营业")
    saved = {e.code: e for e in engine.list_enterprises(industry="catering").items}
    assert (saved[RESTAURANT].business_days, saved[RESTAURANT].business_days_effective) == ("days:1,2,3,4,5",) * 2
    assert (saved[ENT_A].business_days, saved[ENT_A].business_days_effective) == (None, "every_day")
