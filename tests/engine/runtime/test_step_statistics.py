"""Step statistics: counts, waits (median, p90), late share, reminders, send-backs, slowest cases and flow counts
of the `review` diagram, counted in SQL on both databases; who may read them and what bad filters answer."""
from __future__ import annotations

from datetime import date, timedelta

import pytest

import engine
from engine.runtime import step_statistics as stats
from engine.runtime import timers
from tests.conftest import ENT_A, ENT_B

HOUR = 3600.0


def _start(actor, **data):
    payload = {"case_title": "燃气报警器失效", "hazard_level": "general", "deadline": "2025-03-10", "spawn": False, **data}
    return engine.start_instance(actor, "review", payload)


def _at(clock, t0, hours):
    clock.set(t0 + timedelta(hours=hours))


@pytest.fixture
def history(review, people, clock):
    """Three cases: A closed at once (rectify claimed after 1 h, done after 2 h; accepted 3 h later), A failed
    acceptance and waits at rectify again, B sent back from acceptance; then six days pass and the timers fire."""
    t0 = clock.now()
    one = _start(people["officer_a"])
    _at(clock, t0, 1)
    engine.claim(people["officer_a"], one.open_tasks[0].id)
    _at(clock, t0, 2)
    accept = engine.complete_task(people["officer_a"], one.open_tasks[0].id, {"measures": "更换"}).open_tasks[0]
    _at(clock, t0, 5)
    engine.complete_task(people["inspector_catering"], accept.id, {"result": "pass"})
    _at(clock, t0, 24)
    two = _start(people["officer_a"])
    _at(clock, t0, 28)
    accept = engine.complete_task(people["officer_a"], two.open_tasks[0].id, {"measures": "更换"}).open_tasks[0]
    _at(clock, t0, 30)
    engine.complete_task(people["inspector_catering"], accept.id, {"result": "fail"})
    _at(clock, t0, 48)
    three = _start(people["officer_b"])
    _at(clock, t0, 49)
    accept = engine.complete_task(people["officer_b"], three.open_tasks[0].id, {"measures": "更换"}).open_tasks[0]
    _at(clock, t0, 51)
    engine.send_back(people["inspector_oil"], accept.id, "照片不清晰")
    _at(clock, t0, 6 * 24)
    timers.fire_due(clock.now())
    return {"one": one.id, "two": two.id, "three": three.id}


def _step(result, element):
    return next(s for s in result.steps if s.element_id == element)


def test_steps_count_tasks_waits_lateness_and_send_backs(history, people):
    result = stats.process_statistics(people["owner"], "review")
    rectify, accept = _step(result, "rectify"), _step(result, "accept")
    assert [s.element_id for s in result.steps] == ["rectify", "accept"]
    assert (rectify.name, rectify.tasks, rectify.completed, rectify.open) == ("整改", 4, 2, 2)
    # claimed after 1 h (a claim), 4 h and 1 h (done straight from the pool); the failed case's new task unclaimed
    assert rectify.claim == stats.Wait(3, 1 * HOUR, pytest.approx(3.4 * HOUR))
    assert rectify.done.count == 2 and rectify.done.median == pytest.approx(3 * HOUR)
    assert rectify.done.p90 == pytest.approx(3.8 * HOUR)
    assert (rectify.late, rectify.with_due, rectify.overdue_share) == (2, 4, 0.5)  # both open ones are past due
    # one reminder, ever, per task: the reopened task had its reminder cancelled when it was first done
    assert (rectify.reminders, rectify.escalations) == (1, 1)
    assert (accept.tasks, accept.completed, accept.open, accept.send_backs) == (3, 2, 0, 1)
    assert accept.done.median == pytest.approx(2.5 * HOUR) and accept.with_due == 0 and accept.overdue_share is None


def test_flows_are_counted_from_consecutive_steps(history, people):
    result = stats.process_statistics(people["admin"], "review")
    counts = {f.id: f.count for f in result.flows}
    # every case starts; A and the failed case reach acceptance after rectify; B's rectify was reopened by the
    # send-back, so its hand-over to acceptance has no completion before it (unmatched)
    assert counts == {"f1": 3, "f2": 2, "f3": 2, "f_pass": 1, "f_fail": 1, "f4": 1, "f_to": 0}
    assert result.unmatched == 1


def test_slowest_cases_rank_time_in_the_step_and_link_only_visible_cases(history, people):
    rectify = _step(stats.process_statistics(people["chief"], "review"), "rectify")
    assert [c.instance_id for c in rectify.slowest] == [history["two"], history["three"], history["one"]]
    assert rectify.slowest[0].still_open and rectify.slowest[0].visible and rectify.slowest[0].title
    owner_view = _step(stats.process_statistics(people["owner"], "review"), "rectify")
    assert {(c.visible, c.title) for c in owner_view.slowest} == {(False, None)}  # owners read figures, not cases
    assert len(_step(stats.process_statistics(people["chief"], "review", stats.Filters(slowest=1)),
                     "rectify").slowest) == 1


def test_enterprise_users_count_only_their_own_cases(history, people):
    mine = stats.process_statistics(people["officer_b"], "review")
    assert mine.enterprise_scope == ENT_B
    assert (_step(mine, "rectify").tasks, _step(mine, "accept").send_backs) == (1, 1)
    with pytest.raises(engine.NotFound):
        stats.process_statistics(people["officer_b"], "review", stats.Filters(enterprise_code=ENT_A))
    chosen = stats.process_statistics(people["auditor"], "review", stats.Filters(enterprise_code=ENT_A))
    assert _step(chosen, "rectify").tasks == 3


def test_filters_by_industry_period_and_version(history, people, clock):
    oil = stats.process_statistics(people["chief"], "review", stats.Filters(industry="refined_oil"))
    assert _step(oil, "rectify").tasks == 1
    today = clock.now().date()
    late = stats.process_statistics(people["chief"], "review", stats.Filters(date_from=today, date_to=today))
    assert _step(late, "rectify").tasks == 0 and all(f.count == 0 for f in late.flows)
    first = stats.process_statistics(people["chief"], "review", stats.Filters(version=1))
    assert first.version == 1 and _step(first, "rectify").tasks == 4
    assert first.date_to - first.date_from == timedelta(days=stats.DEFAULT_DAYS - 1)


@pytest.mark.parametrize("who", ["inspector_catering", "handler"])
def test_other_roles_are_refused(history, people, who):
    with pytest.raises(engine.Forbidden):
        stats.process_statistics(people[who], "review")


@pytest.mark.parametrize("filters, error", [
    (stats.Filters(date_from=date(2025, 3, 2), date_to=date(2025, 3, 1)), engine.BadRequest),
    (stats.Filters(date_from=date(2015, 1, 1), date_to=date(2025, 3, 1)), engine.BadRequest),
    (stats.Filters(industry="no_such_industry"), engine.BadRequest),
    (stats.Filters(slowest=0), engine.BadRequest),
    (stats.Filters(version=9), engine.NotFound),
    (stats.Filters(enterprise_code="91000000000000000X"), engine.NotFound),
])
def test_bad_filters_are_clear_errors(review, people, filters, error):
    with pytest.raises(error):
        stats.process_statistics(people["chief"], "review", filters)


def test_unknown_process_is_not_found(review, people):
    with pytest.raises(engine.NotFound):
        stats.process_statistics(people["chief"], "no_such_process")
