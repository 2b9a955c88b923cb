"""engine.campaign.training_coverage: people required, enrolled, trained and passed — hand-counted, on both databases.

The clock stands at 2025-03-03. Staff registers (the fixture): the oil depot (refined oil, a 2025 industry) has a
principal and two safety managers; the recycling station (2025) only a principal; the catering company (2024) a
principal and a safety manager; the grain company (2026) one person of each post; the small venue its principal;
the commercial complex (2024) nobody. 2025 cases: the oil depot enrolled its principal and one safety manager, both
attended, only the principal passed; the small venue's principal enrolled, attended and passed.
"""
from __future__ import annotations

import pytest

import engine
from engine.campaign import registers, staff, training_coverage
from engine.campaign.training_coverage import Figures
from tests.processes.campaign_support import (
    CATERING,
    COMPLEX,
    DEMO,
    ENTERPRISES,
    GRAIN,
    OIL,
    RECYCLING,
    SMALL_VENUE,
    USERS,
    Campaign,
)

PEOPLE = {OIL: [("赵站长", "principal"), ("钱安全", "safety_manager"), ("孙安全", "safety_manager")],
          RECYCLING: [("周站长", "principal")],
          CATERING: [("黄丽华", "principal"), ("王安全", "safety_manager")],
          GRAIN: [("孙经理", "principal"), ("周安全", "safety_manager"), ("吴副总", "deputy"), ("郑保管", "key_post")],
          SMALL_VENUE: [("冯老板", "principal")]}


@pytest.fixture
def stand(clock: engine.ManualClock) -> Campaign:
    for code in ENTERPRISES:
        e = DEMO[code]
        engine.add_enterprise(code, e["name"], e["industry"], category=e["category"], township=e["township"])
    for name, spec in USERS.items():
        engine.add_user(name, **spec)
    c = Campaign(clock)
    c.actors = {name: engine.get_actor(name) for name in USERS}
    c.deploy("training_enrolment")
    for code, people in PEOPLE.items():
        for name, post in people:
            staff.add_person(c.admin, code, name, post)
    ids = {p.name: str(p.id) for code in PEOPLE for p in staff.list_people(c.admin, code)}
    oil = c.start("inspector", "training_enrolment", {"enterprise_code": OIL, "year": 2025, "case_title": "2025 培训", "include_safety_officer": True,
                                                      "posts": ["principal", "safety_manager"]})
    c.do("principal_oil", oil.id, "register_attendees", enrolled_people=[ids["赵站长"], ids["钱安全"]], batch_name="一期")
    c.do("inspector", oil.id, "record_attendance", session_date="2025-03-01",
         attended_people=[ids["赵站长"], ids["钱安全"]], passed_people=[ids["赵站长"]])
    venue = c.start("inspector", "training_enrolment", {"enterprise_code": SMALL_VENUE, "year": 2025,
                                                        "case_title": "2025 小场所培训", "posts": ["principal"],
                                                        "include_safety_officer": False})
    c.do("principal_small", venue.id, "register_attendees", enrolled_people=[ids["冯老板"]], batch_name="一期")
    c.do("inspector", venue.id, "record_attendance", session_date="2025-03-01",
         attended_people=[ids["冯老板"]], passed_people=[ids["冯老板"]])
    return c


def _lines(c: training_coverage.Coverage) -> dict[str, Figures]:
    return {line.key: line.figures for line in c.industries}


def test_2025_counts_the_people_of_the_2025_industries_and_the_small_venues_apart(stand):
    c = training_coverage.coverage(stand.actors["chief"], 2025)
    assert _lines(c) == {"refined_oil": Figures(3, 2, 2, 1), "renewable_recycling": Figures(1, 0, 0, 0)}
    assert c.total.figures == Figures(4, 2, 2, 1) and c.total.figures.rate == 0.25
    assert c.total.by_post["principal"] == Figures(2, 1, 1, 1)
    assert c.total.by_post["safety_manager"] == Figures(2, 1, 1, 0)
    assert c.total.by_post["deputy"] == Figures()
    assert c.small_venues.figures == Figures(1, 1, 1, 1)
    assert (c.small_venues_all, c.small_venues_covered, c.without_principal) == (1, 1, 0)


def test_2024_requires_the_catering_and_complex_people_and_flags_an_enterprise_without_a_principal(stand):
    c = training_coverage.coverage(stand.actors["chief"], 2024)
    assert _lines(c) == {"catering": Figures(2, 0, 0, 0)}  # the complex lists nobody
    assert c.without_principal == 1
    assert c.small_venues.figures == Figures(1, 0, 0, 0) and c.small_venues_covered == 0


def test_2026_requires_every_post_of_grain_enterprises_and_no_longer_the_covered_small_venue(stand):
    c = training_coverage.coverage(stand.actors["chief"], 2026)
    assert _lines(c) == {"grain_storage": Figures(4, 0, 0, 0)}
    assert c.small_venues.figures == Figures(0, 0, 0, 0) and c.small_venues_covered == 1
    assert training_coverage.required_posts(2026, 2026, small_venue=False) == staff.POSTS


def test_an_enterprise_user_counts_its_own_people_only(stand):
    c = training_coverage.coverage(stand.actors["principal_oil"], 2025)
    assert _lines(c) == {"refined_oil": Figures(3, 2, 2, 1)} and c.small_venues.figures == Figures()
    page = training_coverage.people(stand.actors["principal_oil"], 2025)
    assert [(r.name, r.required, r.enrolled, r.trained, r.passed) for r in page.items] == [
        ("赵站长", True, True, True, True), ("孙安全", True, False, False, False), ("钱安全", True, True, True, False)]


def test_the_training_register_rows_carry_the_people_enrolled_and_passed(stand):
    rows = registers.rows(stand.actors["chief"], "training", registers.Filters(enterprise_code=OIL)).items
    assert [(r.fields["people_enrolled"], r.fields["people_passed"], r.current_step) for r in rows] == [(2, 1, "安排补训")]


def test_the_small_venues_covered_are_known_to_the_rollout(stand):
    with engine.runtime.db.unit_of_work(write=False) as s:
        assert training_coverage.covered_small_venues(s, 2026) == {SMALL_VENUE}
        assert training_coverage.covered_small_venues(s, 2025) == set()
    assert COMPLEX not in PEOPLE


def test_the_dashboard_tile_counts_people_passed_against_people_required(stand):
    from datetime import date

    from engine.campaign import dashboard, plan_progress
    chief, today = stand.actors["chief"], date(2025, 3, 3)
    assert training_coverage.required_figures(chief, 2025) == Figures(5, 3, 3, 2)  # 4 + the small venue's principal
    tile = plan_progress.progress(chief, 2025, today=today).tile("training")
    assert (tile.numerator, tile.denominator, tile.met, tile.pending) == (2, 5, None, 3)  # the year still runs
    assert tile.people == Figures(5, 3, 3, 2) and tile.percent == 40
    last = plan_progress.progress(chief, 2024, today=today).tile("training")
    assert (last.numerator, last.denominator, last.met, last.pending) == (0, 3, False, 0)  # 2024 is over: not met
    to_date = plan_progress.progress(chief, today=today).tile("training")
    assert (to_date.numerator, to_date.denominator, to_date.met) == (2, 8, None)
    assert plan_progress.duty_tile(chief, "training", registers.Filters(year=2025, quarter=1), today=today).rate == 0.4
    lines = dashboard.training_lines(chief, today)
    assert [(t.line, t.year, t.required, t.passed) for t in lines] == [
        ("catering", 2024, 2, 0), ("small_venue", 2024, 1, 0),
        ("refined_oil", 2025, 3, 1), ("renewable_recycling", 2025, 1, 0), ("small_venue", 2025, 1, 1)]
    mine = plan_progress.progress(stand.actors["principal_oil"], 2025, today=today).tile("training")
    assert (mine.numerator, mine.denominator) == (1, 3)
