"""training_rollout (年度安全培训) and training_enrolment (企业培训报名与考核): every branch of both.

Training is counted per person against the enterprise staff register (engine.campaign.staff): the fixture gives the catering
enterprise a principal and two safety managers, the oil depot a principal and a safety manager, the grain company
one person of each post, and the small venue its principal.
"""
from __future__ import annotations

import pytest

import engine
from engine.campaign import staff
from tests.processes.campaign_support import CATERING, GRAIN, OIL, RECYCLING, SMALL_VENUE, Campaign, columns

PEOPLE = {CATERING: [("黄丽华", "principal"), ("王安全", "safety_manager"), ("李安全", "safety_manager")],
          OIL: [("赵站长", "principal"), ("钱安全", "safety_manager")],
          GRAIN: [("孙经理", "principal"), ("周安全", "safety_manager"), ("吴副总", "deputy"), ("郑保管", "key_post")],
          SMALL_VENUE: [("冯老板", "principal")]}


@pytest.fixture
def training(campaign: Campaign) -> Campaign:
    campaign.deploy("training_rollout", "training_enrolment")
    for code, people in PEOPLE.items():
        for name, post in people:
            staff.add_person(campaign.admin, code, name, post, "13904361001")
    return campaign


def ids(code: str, *posts: str) -> list[str]:
    return [str(p.id) for p in staff.list_people(engine.SYSTEM, code) if not posts or p.post in posts]


def plan(year: int, townships: list[str] | None = None, **over) -> dict:
    data = {"year": year, "industries": ["refined_oil", "renewable_recycling", "scrap_vehicle"],
            "include_small_venues": True, "small_venue_townships": townships or [], "include_safety_officers": True,
            "batches": [{"batch_name": "成品油第一期", "session_date": f"{year}-05-20", "location": "商务局会议室",
                         "delivery": "offline"}],
            "content": "重大事故隐患判定标准与主要负责人职责。"}
    data.update(over)
    return data


def coverage(trained: int, target: int) -> dict:
    return {"target_count": target, "trained_count": trained, "coverage_rate": round(100 * trained / target, 1),
            "summary": "年度培训总结。"}


def test_the_rollout_presets_the_years_industries_and_enrols_each_target_enterprise_once(training):
    case = training.start("inspector", "training_rollout", {"year": 2025})
    assert case.data["industries"] == ["refined_oil", "renewable_recycling", "scrap_vehicle"]
    assert case.data["include_small_venues"] is True and case.title == "2025年度重点行业主要负责人和安全管理人员安全培训"
    assert columns(case)["deadline"] == "2025-12-31"
    assert training.steps(case.id) == ["draft_plan"]

    training.do("inspector", case.id, "draft_plan", **plan(2025, ["瓦房镇"]))
    training.do("deputy", case.id, "approve_plan", plan_decision="return", approval_opinion="小场所应覆盖全部乡镇。")
    assert training.steps(case.id) == ["draft_plan"]
    training.do("inspector", case.id, "draft_plan", **plan(2025))
    case = training.do("deputy", case.id, "approve_plan", plan_decision="approve")

    enrolments = training.children(case.id, "training_enrolment")
    assert case.status == "running"
    assert sorted(e.enterprise_code for e in enrolments) == sorted([OIL, RECYCLING, SMALL_VENUE])
    assert case.data["enrolled_count"] == 3
    small = next(e for e in enrolments if e.enterprise_code == SMALL_VENUE)
    assert columns(small) == {"enterprise": SMALL_VENUE, "industry": "catering", "level": None,
                              "deadline": "2025-12-31", "status": "running"}
    assert small.data["year"] == 2025 and small.data["small_venue"] is True and small.data["posts"] == ["principal"]
    assert small.data["enrolled_people"] == ids(SMALL_VENUE)
    oil = next(e for e in enrolments if e.enterprise_code == OIL)
    assert oil.data["posts"] == ["principal", "safety_manager"] and oil.data["enrolled_people"] == ids(OIL)
    assert training.steps(small.id) == ["register_attendees"]
    assert training.steps(case.id) == []  # waiting for December

    training.go_to("2025-12-10T08:59")
    assert training.steps(case.id) == []
    training.go_to("2025-12-10T09:01")
    assert training.steps(case.id) == ["report_coverage"]
    training.do("inspector", case.id, "report_coverage", **coverage(2, 3))
    training.do("director", case.id, "review_coverage", review_decision="return", review_opinion="补充未培训企业名单。")
    assert training.steps(case.id) == ["report_coverage"]
    training.do("inspector", case.id, "report_coverage", **coverage(2, 3))
    case = training.do("director", case.id, "review_coverage", review_decision="accept")
    assert case.status == "completed"


def test_a_township_batch_limits_the_small_venues_enrolled(training):
    case = training.start("inspector", "training_rollout", {"year": 2025})
    training.do("inspector", case.id, "draft_plan", **plan(2025, ["瓦房镇"]))
    case = training.do("deputy", case.id, "approve_plan", plan_decision="approve")
    assert sorted(e.enterprise_code for e in training.children(case.id)) == sorted([OIL, RECYCLING])


def test_a_small_venue_covered_in_an_earlier_year_is_not_enrolled_again(training):
    earlier = training.start("inspector", "training_enrolment",
                             {"enterprise_code": SMALL_VENUE, "year": 2024, "posts": ["principal"],
                              "include_safety_officer": False, "case_title": "2024年度小场所培训报名"})
    training.do("principal_small", earlier.id, "register_attendees", enrolled_people=ids(SMALL_VENUE), batch_name="一期")
    training.do("inspector", earlier.id, "record_attendance", session_date="2024-05-20",
                attended_people=ids(SMALL_VENUE), passed_people=ids(SMALL_VENUE))
    case = training.start("inspector", "training_rollout", {"year": 2025})
    training.do("inspector", case.id, "draft_plan", **plan(2025))
    case = training.do("deputy", case.id, "approve_plan", plan_decision="approve")
    assert sorted(e.enterprise_code for e in training.children(case.id)) == sorted([OIL, RECYCLING])
    assert case.data["skipped_small_venues"] == 1 and case.data["enrolled_count"] == 2


def test_in_2026_grain_enterprises_enrol_deputies_and_key_post_staff_too(training):
    case = training.start("inspector", "training_rollout", {"year": 2026})
    assert case.data["industries"] == ["grain_storage"]
    training.do("inspector", case.id, "draft_plan", **plan(2026, industries=["grain_storage"],
                                                           include_small_venues=False))
    case = training.do("deputy", case.id, "approve_plan", plan_decision="approve")
    (grain,) = training.children(case.id, "training_enrolment")
    assert grain.enterprise_code == GRAIN and grain.data["enrolled_people"] == ids(GRAIN)
    assert [r["label"] for r in grain.data["roster"]] == ["孙经理（主要负责人）", "周安全（安全管理人员）",
                                                          "吴副总（分管负责人）", "郑保管（重点岗位人员）"]


def enrolment(training: Campaign) -> int:
    case = training.start("inspector", "training_enrolment",
                          {"enterprise_code": CATERING, "year": 2025, "include_safety_officer": True,
                           "case_title": "2025年度安全培训报名", "deadline": "2025-12-31"})
    assert case.data["enrolled_people"] == ids(CATERING)  # no posts given: principal and safety managers
    training.do("principal", case.id, "register_attendees", enrolled_people=ids(CATERING), batch_name="餐饮第一期")
    assert training.steps(case.id) == ["record_attendance"]
    return case.id


def test_a_case_started_without_safety_managers_ticks_only_the_principal(training):
    case = training.start("inspector", "training_enrolment",
                          {"enterprise_code": CATERING, "year": 2025, "include_safety_officer": False,
                           "case_title": "2025年度安全培训报名"})
    assert case.data["enrolled_people"] == ids(CATERING, "principal")


def test_a_person_not_on_the_roster_is_refused(training):
    case = training.start("inspector", "training_enrolment",
                          {"enterprise_code": CATERING, "year": 2025, "include_safety_officer": True,
                           "case_title": "2025年度安全培训报名"})
    with pytest.raises(engine.FormInvalid) as err:
        training.do("principal", case.id, "register_attendees", enrolled_people=[*ids(OIL)], batch_name="一期")
    assert err.value.details[0]["field"] == "enrolled_people"


def test_when_every_enrolled_person_passes_the_enterprise_counts_as_trained(training):
    case_id = enrolment(training)
    everyone = ids(CATERING)
    case = training.do("inspector", case_id, "record_attendance", session_date="2025-05-20",
                       attended_people=everyone, passed_people=everyone)
    assert case.status == "completed" and case.data["trained"] is True and case.data["trained_on"] == "2025-03-03"
    assert case.data["passed_ids"] == sorted(int(i) for i in everyone) == case.data["enrolled_ids"]
    assert case.data["people_enrolled"] == case.data["people_passed"] == 3
    assert columns(case)["industry"] == "catering"


def test_absent_or_failed_people_get_make_up_sessions_until_everyone_has_passed(training):
    case_id = enrolment(training)
    principal, officer_a, officer_b = ids(CATERING)
    # the principal is absent; one safety manager fails, one passes (a pass without attendance does not count)
    training.do("inspector", case_id, "record_attendance", session_date="2025-05-20",
                attended_people=[officer_a, officer_b], passed_people=[officer_b, principal])
    case = training.case(case_id)
    assert training.steps(case_id) == ["schedule_makeup"]
    assert case.data["attended_ids"] == sorted(int(i) for i in (officer_a, officer_b))
    assert case.data["passed_ids"] == [int(officer_b)]
    assert [r["value"] for r in case.data["attendance_roster"]] == [principal, officer_a]
    training.do("inspector", case_id, "schedule_makeup", makeup_date="2025-06-10", makeup_location="商务局会议室")
    training.do("inspector", case_id, "record_attendance", session_date="2025-06-10",
                attended_people=[principal, officer_a], passed_people=[officer_a])
    assert training.steps(case_id) == ["schedule_makeup"]
    training.do("inspector", case_id, "schedule_makeup", makeup_date="2025-07-10", makeup_location="线上")
    with pytest.raises(engine.FormInvalid):  # people who have passed are no longer on the list
        training.do("inspector", case_id, "record_attendance", session_date="2025-07-10",
                    attended_people=[officer_b], passed_people=[officer_b])
    case = training.do("inspector", case_id, "record_attendance", session_date="2025-07-10",
                       attended_people=[principal], passed_people=[principal])
    assert case.status == "completed" and case.data["trained"] is True and case.data["people_passed"] == 3
