"""engine.campaign.metrics: one definition per campaign figure, shared by the dashboard and the simulator."""
from __future__ import annotations

from datetime import date, datetime, timezone
from types import SimpleNamespace

from engine.campaign import metrics

AT = datetime(2025, 3, 3, 12, 0, tzinfo=timezone.utc)
DAY = date(2025, 3, 3)


def case(status="running", deadline=None, owner="王经理", started=datetime(2025, 1, 2, tzinfo=timezone.utc),
         ended=None, level="major", parent_id=None, **summary):
    return SimpleNamespace(status=status, deadline=deadline, started_at=started, ended_at=ended, hazard_level=level,
                           industry_key="catering", parent_id=parent_id,
                           summary={"responsible_person": owner, **summary} if owner else summary)


def test_an_open_major_hazard_past_its_deadline_is_not_on_schedule():
    late = case(deadline=date(2025, 3, 1))
    assert metrics.is_open(late, AT) and metrics.is_overdue(late, AT, DAY)
    assert not metrics.on_schedule(late, AT, DAY)  # open is not the same as in the closed loop


def test_on_schedule_means_closed_or_open_with_an_owner_and_a_deadline_ahead():
    assert metrics.on_schedule(case(deadline=date(2025, 4, 1)), AT, DAY)
    assert not metrics.on_schedule(case(deadline=date(2025, 4, 1), owner=None), AT, DAY)
    assert not metrics.on_schedule(case(deadline=None), AT, DAY)
    closed = case(status="completed", deadline=date(2025, 1, 1), ended=datetime(2025, 2, 1, tzinfo=timezone.utc))
    assert metrics.on_schedule(closed, AT, DAY) and metrics.is_closed(closed, AT)


def test_a_past_moment_sees_the_case_as_it_was_then():
    closed_later = case(status="completed", deadline=date(2024, 12, 1), started=datetime(2024, 10, 1, tzinfo=timezone.utc),
                        ended=datetime(2025, 2, 1, tzinfo=timezone.utc))
    end_2024 = datetime(2024, 12, 31, 16, 0, tzinfo=timezone.utc)
    assert metrics.is_open(closed_later, end_2024) and metrics.is_overdue(closed_later, end_2024, date(2024, 12, 31))
    assert not metrics.is_open(case(), datetime(2024, 12, 31, tzinfo=timezone.utc))  # not started yet


def test_nothing_to_count_is_no_share_and_shows_a_dash():
    assert metrics.share(0, 0) is None and metrics.percent(None) == "—"
    assert metrics.share(1, 4) == 0.25 and metrics.percent(0.25) == "25 %"


def test_withdrawn_cases_count_nowhere():
    gone = case(status="terminated", ended=datetime(2025, 2, 1, tzinfo=timezone.utc))
    assert metrics.majors([gone], AT) == [] and not metrics.is_open(gone, AT)


def test_duties_done_and_due_by_deadline():
    rows = [case(status="completed", deadline=date(2025, 1, 31), ended=datetime(2025, 1, 20, tzinfo=timezone.utc)),
            case(deadline=date(2025, 2, 28)), case(deadline=date(2025, 3, 31))]
    assert metrics.done_and_due(rows, AT, DAY) == (1, 2)
    assert metrics.done_and_due(rows, AT, DAY, since=date(2025, 2, 1)) == (0, 1)


def test_two_referrals_open_at_once_for_one_hazard_are_a_duplicate():
    t = lambda d: datetime(2025, 1, d, tzinfo=timezone.utc)  # noqa: E731
    sequential = [case(parent_id=1, started=t(1), ended=t(5)), case(parent_id=1, started=t(6))]
    overlapping = [case(parent_id=2, started=t(1)), case(parent_id=2, started=t(3), ended=t(9))]
    assert metrics.duplicate_referrals(sequential) == 0
    assert metrics.duplicate_referrals(sequential + overlapping) == 1
