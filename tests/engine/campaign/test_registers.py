"""engine.campaign.registers: one register per duty — hand-counted items of every kind on both databases, scoping, filters.

The clock stands at Monday 2025-03-03 09:00 China time. Each case is started and moved through the engine's public
API on the real diagrams (tests/processes/campaign_support.py), so the states come from real case columns.
"""
from __future__ import annotations

from datetime import date

import pytest

import engine
from engine.campaign import register, registers, self_checks
from engine.campaign.registers import Filters
from tests.processes.campaign_support import CATERING, DEMO, ENTERPRISES, OIL, USERS, Campaign, finding, review

TODAY = date(2025, 3, 3)
DAILY = {"check_" + k: True for k in ("exits_clear", "fire_equipment_ok", "electrical_ok", "gas_ok",
                                      "special_operations_ok", "storage_ok")}
CHECKLIST = {"check_" + k: True for k in ("responsibility_system", "training_records", "special_operation_certificates",
                                          "evacuation_drills", "standards_displayed", "mandatory_standards",
                                          "standardization", "dual_prevention")}
PROCESSES = ("hazard_closure", "enforcement_referral", "industry_inspection", "quarterly_principal_check",
             "evacuation_drill", "training_enrolment", "daily_self_check", "notice_acknowledgement",
             "whistleblower_intake")


@pytest.fixture
def campaign(clock: engine.ManualClock) -> Campaign:
    for code in ENTERPRISES:
        e = DEMO[code]
        engine.add_enterprise(code, e["name"], e["industry"], category=e["category"], risk_grade=e["risk_grade"],
                              township=e["township"], address=e["address"])
    users = {**USERS, "inspector_catering": dict(roles=["bureau_inspector"], industries=["catering"])}
    for name, spec in users.items():
        engine.add_user(name, **spec)
    result = Campaign(clock)
    result.actors = {name: engine.get_actor(name) for name in users}
    return result


def _inspection(c: Campaign, code: str, kind: str, deadline: str, period: str) -> int:
    return c.start("inspector", "industry_inspection", {"enterprise_code": code, "case_title": f"{period} 检查",
                                                         "inspection_type": kind, "period": period,
                                                         "deadline": deadline}).id


@pytest.fixture
def stand(campaign: Campaign) -> dict[str, int]:
    """Every kind's cases, hand-counted in the comments; returns a few case ids by name."""
    c = campaign
    c.deploy(*PROCESSES)
    ids: dict[str, int] = {}
    # inspections: OIL done + OIL missed (terminated, 2024); CATERING overdue (unannounced) + open (joint)
    ids["i_done"] = _inspection(c, OIL, "routine", "2025-03-31", "2025Q1")
    c.do("inspector", ids["i_done"], "inspect", inspected_on="2025-03-01", inspectors="李娜", inspection_type="routine",
         **CHECKLIST, hazards=[], serious_violation=False)
    c.do("principal_oil", ids["i_done"], "sign_record", signed_by="站长", signed_on="2025-03-02", objection=False)
    ids["i_late"] = _inspection(c, CATERING, "unannounced", "2025-02-28", "2025Q1")
    ids["i_open"] = _inspection(c, CATERING, "joint", "2025-03-31", "2025Q1")
    ids["i_missed"] = _inspection(c, OIL, "routine", "2024-12-31", "2024H2")
    engine.terminate_instance(c.admin, ids["i_missed"], "企业已注销")
    # principal checks: CATERING open, OIL overdue (2024Q4)
    for code, period, deadline in ((CATERING, "2025Q1", "2025-03-31"), (OIL, "2024Q4", "2024-12-31")):
        c.start("admin", "quarterly_principal_check", {"enterprise_code": code, "case_title": f"{period} 排查",
                                                        "period": period, "deadline": deadline})
    # drills: OIL done (accepted), CATERING overdue (2024)
    drill = c.start("admin", "evacuation_drill", {"enterprise_code": OIL, "case_title": "2025H1 演练", "period": "2025H1",
                                                  "drill_interval": "half_year", "deadline": "2025-06-30"}).id
    c.do("officer_oil", drill, "report_drill", drill_on="2025-03-01", scenario="fire", participants=14, photos=["att-1"])
    c.do("inspector", drill, "review_drill", **review("accepted"))
    c.start("admin", "evacuation_drill", {"enterprise_code": CATERING, "case_title": "2024H2 演练", "period": "2024H2",
                                          "drill_interval": "year", "deadline": "2024-12-31"})
    # training: CATERING open
    c.start("admin", "training_enrolment", {"enterprise_code": CATERING, "year": 2025, "include_safety_officer": True,
                                            "case_title": "2025年度安全培训报名", "deadline": "2025-12-31"})
    # daily self-checks: CATERING done (3 Mar), OIL missed (2 Mar, the midnight timer), OIL open (3 Mar),
    # CATERING terminated (a duplicate for 3 Mar: withdrawn, not counted)
    def check(code: str, day: str) -> int:
        return c.start("admin", "daily_self_check", {"enterprise_code": code, "case_title": f"{day} 自查",
                                                     "deadline": day}).id
    done = check(CATERING, "2025-03-03")
    c.do("officer", done, "self_check", checked_by="何永刚", **DAILY, findings=[])
    ids["s_missed"] = check(OIL, "2025-03-02")
    check(OIL, "2025-03-03")
    engine.terminate_instance(c.admin, check(CATERING, "2025-03-03"), "重复派发")
    c.advance(seconds=1)  # fires the 2 March check's 23:59 timer: missed
    # hazards: one CATERING report, open
    c.start("officer", "hazard_closure", {"enterprise_code": CATERING, "case_title": "后厨燃气软管老化",
                                          "source": "self_check", "location": "后厨", "description": "老化。",
                                          "category": "gas", "found_by": "安全员", "found_at": "2025-03-03"})
    # referrals: OIL open
    c.start("inspector", "enforcement_referral", {"enterprise_code": OIL, "case_title": "无证储存", "trigger": "refusal",
                                                  "facts_summary": "拒不整改。"})
    # notice receipts: CATERING confirmed, OIL pending
    for code in (CATERING, OIL):
        ids[f"n_{code}"] = c.start("admin", "notice_acknowledgement", {
            "enterprise_code": code, "notice_title": "节前安全提醒", "notice_body": "注意用火用电。",
            "published_on": "2025-03-03", "case_title": "通知：节前安全提醒"}).id
    c.do("officer", ids[f"n_{CATERING}"], "confirm_read", read_confirmed=True)
    # whistleblower: one report, no enterprise yet, open
    c.start("admin", "whistleblower_intake", {"enterprise_name": "某饭店", "enterprise_address": "兴华路1号",
                                              "description": "消防通道堵塞。", "anonymous": True})
    return ids


EXPECTED = {  # kind: (due, open, overdue, done, missed), all time, seen by the section chief
    "inspections": (4, 1, 1, 1, 1), "principal_checks": (2, 1, 1, 0, 0), "drills": (2, 0, 1, 1, 0),
    "training": (1, 1, 0, 0, 0), "self_checks": (3, 1, 0, 1, 1), "hazards": (1, 1, 0, 0, 0),
    "referrals": (1, 1, 0, 0, 0), "notices": (2, 1, 0, 1, 0), "whistleblower": (1, 1, 0, 0, 0),
    "accidents": (0, 0, 0, 0, 0),  # counted in tests/engine/campaign/test_accidents.py
}


def _tuple(counts: registers.Counts) -> tuple[int, ...]:
    return (counts.due, counts.open, counts.overdue, counts.done, counts.missed)


def test_every_kind_counts_its_items_as_hand_counted(campaign, stand):
    chief = campaign.actors["chief"]
    assert {k.kind.key: _tuple(k.counts) for k in registers.overview(chief, today=TODAY)} == EXPECTED
    for key, expected in EXPECTED.items():
        assert _tuple(registers.counts(chief, key, today=TODAY)) == expected
        assert registers.rows(chief, key, today=TODAY).total == expected[0]


def test_rows_carry_their_state_and_the_registers_fields(campaign, stand):
    page = registers.rows(campaign.actors["chief"], "inspections", today=TODAY)
    by_id = {r.id: r for r in page.items}
    assert {by_id[stand[k]].state for k in ("i_done", "i_late", "i_open", "i_missed")} == set(registers.STATES)
    assert [r.state for r in page.items][:2] == ["overdue", "open"]  # open items first, the nearest deadline first
    late = by_id[stand["i_late"]]
    assert (late.enterprise_code, late.industry, late.township, late.fields["inspection_type"]) == (
        CATERING, "catering", DEMO[CATERING]["township"], "unannounced")
    assert by_id[stand["i_done"]].fields["inspected_on"] == "2025-03-01"


def test_period_state_variant_and_place_filters(campaign, stand):
    chief = campaign.actors["chief"]
    count = lambda kind, **f: registers.counts(chief, kind, Filters(**f), today=TODAY).due  # noqa: E731
    assert count("inspections", year=2025) == 3 and count("inspections", year=2024) == 1
    assert count("inspections", year=2025, quarter=1) == 3 and count("inspections", year=2025, quarter=2) == 0
    assert count("inspections", year=2025, month=2) == 1 and count("inspections", year=2025, month=3) == 2
    assert count("inspections", variant="unannounced") == 1 and count("inspections", state="missed") == 1
    assert count("inspections", overdue_only=True) == 1 and count("inspections", enterprise_code=OIL) == 2
    assert count("inspections", industry="refined_oil") == 2
    assert count("inspections", township=DEMO[CATERING]["township"]) == sum(
        1 for code in (CATERING, OIL) if DEMO[code]["township"] == DEMO[CATERING]["township"]) * 2
    assert count("hazards", year=2025, month=3) == 1 and count("hazards", year=2025, month=2) == 0
    assert count("self_checks", year=2025, month=3) == 3
    for bad in (dict(quarter=1), dict(year=2025, quarter=5), dict(year=2025, quarter=1, month=2), dict(state="late")):
        with pytest.raises(engine.BadRequest):
            count("inspections", **bad)
    with pytest.raises(engine.BadRequest):
        count("training", variant="x")
    with pytest.raises(engine.NotFound):
        registers.counts(chief, "nope")


def test_per_enterprise_counts_and_sorts(campaign, stand):
    chief = campaign.actors["chief"]
    page = registers.enterprise_counts(chief, "inspections", today=TODAY)
    assert {r.enterprise_code: _tuple(r.counts) for r in page.items} == {CATERING: (2, 1, 1, 0, 0),
                                                                          OIL: (2, 0, 0, 1, 1)}
    assert [r.enterprise_code for r in page.items] == [CATERING, OIL]  # the most overdue first
    by_missed = registers.enterprise_counts(chief, "inspections", sort="missed", today=TODAY)
    assert [r.enterprise_code for r in by_missed.items] == [OIL, CATERING]
    [nobody] = registers.enterprise_counts(chief, "whistleblower", today=TODAY).items
    assert nobody.enterprise_code is None and nobody.counts.due == 1
    paged = registers.enterprise_counts(chief, "inspections", limit=1, offset=1, today=TODAY)
    assert (paged.total, len(paged.items), paged.next_offset) == (2, 1, None)
    assert registers.rows(chief, "inspections", limit=10_000, today=TODAY).limit == registers.MAX_LIMIT


def test_the_self_check_and_hazard_registers_agree_with_their_own_pages(campaign, stand):
    chief = campaign.actors["chief"]
    report = self_checks.self_check_report(chief, today=TODAY, start=date(2025, 3, 1), end=TODAY)
    counted = registers.counts(chief, "self_checks", Filters(year=2025, month=3), today=TODAY)
    assert (report.expected, report.done, report.missed, report.open) == (counted.due, counted.done, counted.missed,
                                                                          counted.open + counted.overdue)
    assert register.hazard_register(chief, today=TODAY).total == registers.counts(chief, "hazards", today=TODAY).due


def test_an_enterprise_sees_only_its_own_items_and_no_bureau_registers(campaign, stand):
    officer, officer_oil = campaign.actors["officer"], campaign.actors["officer_oil"]
    assert {r.enterprise_code for r in registers.rows(officer, "inspections", today=TODAY).items} == {CATERING}
    assert _tuple(registers.counts(officer_oil, "inspections", today=TODAY)) == (2, 0, 0, 1, 1)
    assert registers.counts(officer, "inspections", Filters(enterprise_code=OIL), today=TODAY).due == 0
    assert "referrals" not in {k.key for k in registers.visible_kinds(officer)}
    for kind in ("referrals", "whistleblower"):
        with pytest.raises(engine.NotFound):
            registers.rows(officer, kind, today=TODAY)
    catering_only = campaign.actors["inspector_catering"]
    assert {r.enterprise_code for r in registers.enterprise_counts(catering_only, "inspections", today=TODAY).items} \
        == {CATERING}


def test_the_enterprise_overview_lists_what_is_owed_and_what_was_settled(campaign, stand):
    mine = registers.enterprise_overview(campaign.actors["officer_oil"], today=TODAY)
    assert mine.enterprise_code == OIL and "referrals" not in {k.kind.key for k in mine.kinds}
    assert [r.state for r in mine.open_items][:2] == ["overdue", "open"]
    assert {(r.kind, r.state) for r in mine.open_items} == {("principal_checks", "overdue"), ("self_checks", "open"),
                                                           ("notices", "open")}
    assert {(r.kind, r.state) for r in mine.history} == {("inspections", "done"), ("inspections", "missed"),
                                                        ("drills", "done"), ("self_checks", "missed")}
    with pytest.raises(engine.NotFound):
        registers.enterprise_overview(campaign.actors["officer_oil"], CATERING, today=TODAY)
    staff = registers.enterprise_overview(campaign.actors["chief"], OIL, today=TODAY)
    assert ("referrals", "open") in {(r.kind, r.state) for r in staff.open_items}
    with pytest.raises(engine.NotFound):
        registers.enterprise_overview(campaign.actors["inspector_catering"], OIL, today=TODAY)


def test_an_unconfirmed_notice_becomes_overdue_when_its_step_is_late(campaign, stand):
    chief = campaign.actors["chief"]
    campaign.clock.advance(days=7)
    later = campaign.today()
    assert _tuple(registers.counts(chief, "notices", today=later)) == (2, 0, 1, 1, 0)
    [late] = registers.rows(chief, "notices", Filters(overdue_only=True), today=later).items
    assert late.id == stand[f"n_{OIL}"] and late.fields["notice_title"] == "节前安全提醒"


def test_exports_read_every_row_in_chunks_up_to_the_cap(campaign, stand):
    chief = campaign.actors["chief"]
    assert len(list(registers.iter_rows(chief, "inspections", today=TODAY))) == 4
    assert len(list(registers.iter_rows(chief, "inspections", max_rows=3, today=TODAY))) == 3
