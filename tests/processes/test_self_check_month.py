"""A simulated month of daily self-checks: April 2025 for ten enterprises, driven by the real dispatcher.

`daily_self_check_dispatch` fires at 08:00 China time every day and starts one check per enterprise open that day
(item 8; `engine.campaign.business_days`). Six of the ten (catering, commercial complexes, refined oil) are open every day by
their industry: 30 checks in April. The other four (grain, recycling, scrap vehicles) follow the official working
days: April 2025 has a public holiday (清明, Friday 4 April: no check) and a make-up working day (调休, Sunday
27 April: a check), so 22. The simulated officers follow a fixed pattern on the days their enterprise is open:

| enterprises | officer does the day's check (at 10:00) |
|---|---|
| 0–3 | every day (enterprise 0 reports one finding each Monday) |
| 4–6 | every day but Sunday 27 April (forgotten: it counts as missed) |
| 7–8 | every day but the 5th, 10th, … 30th |
| 9   | never |

The month is seen on 30 April at 12:00, so that day's undone checks are still open. Printed with `pytest -s`.
"""
from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import func, select

import engine
from engine.campaign import business_days, self_checks
from engine.runtime import workdays
from engine.runtime.db import unit_of_work
from engine.runtime.models import Enterprise, Job, ProcessInstance
from tests.processes.campaign_support import DEMO, ENTERPRISES, Campaign, finding
from tests.processes.test_periodic_duties import DAILY

FIRST, LAST = date(2025, 4, 1), date(2025, 4, 30)
DAYS = tuple(FIRST + timedelta(days=n) for n in range((LAST - FIRST).days + 1))
CALENDAR = workdays.load()
WORKING = tuple(d for d in DAYS if CALENDAR.is_working_day(d))
MAKE_UP = date(2025, 4, 27)
N = 10


@dataclass(frozen=True)
class MonthRun:
    """What the simulated month produced."""

    cases_started: int
    done: int
    missed: int
    open: int
    rate: float | None
    hazards_opened: int
    max_state_bytes: dict[str, int]  # by how the case ended (done / finding / missed), and the daily dispatch case
    max_open_self_checks_per_user: int
    wall_seconds: float


def due_days(industry: str) -> tuple[date, ...]:
    """The April days an enterprise of this industry (no rule of its own) owes a check."""
    return tuple(d for d in DAYS if business_days.is_enterprise_due(None, industry, d, CALENDAR))


def does_check(index: int, day: date) -> bool:
    """Whether enterprise `index`'s officer does the day's check (the table above; days it is open only)."""
    if index <= 3:
        return True
    if index <= 6:
        return day != MAKE_UP
    if index <= 8:
        return day.day % 5 != 0
    return False


def expected(index: int, industry: str) -> tuple[int, int, int, int]:
    """(expected, done, missed, open) for enterprise `index` over the month, seen on the last day at noon."""
    due = due_days(industry)
    done = sum(does_check(index, d) for d in due)
    still_open = 0 if does_check(index, LAST) else 1
    return len(due), done, len(due) - done - still_open, still_open


def _industry(code: str) -> str:
    return DEMO[code]["industry"]


def _ending(index: int, day: date) -> str:
    if not does_check(index, day):
        return "missed"
    return "finding" if _finds(index, day) else "done"


def _finds(index: int, day: date) -> bool:
    return index == 0 and day.weekday() == 0


def _codes() -> list[str]:
    extra = sorted(code for code in DEMO if code not in ENTERPRISES)[: N - len(ENTERPRISES)]
    return list(ENTERPRISES) + extra


def _add_officers(campaign: Campaign, codes: list[str]) -> dict[str, engine.Actor]:
    for code in codes:
        if code not in ENTERPRISES:
            e = DEMO[code]
            engine.add_enterprise(code, e["name"], e["industry"], category=e["category"], risk_grade=e["risk_grade"])
    officers = {}
    for index, code in enumerate(codes):
        engine.add_user(f"sc{index}", roles=["enterprise_safety_officer"], enterprise=code)
        officers[code] = engine.get_actor(f"sc{index}")
    return officers


def _open_self_checks(actor: engine.Actor) -> list[engine.TaskView]:
    return [t for scope in ("mine", "candidate")
            for t in engine.list_tasks(actor, scope=scope, process_key="daily_self_check", limit=50).items]


def _cases_of(day: date) -> list[tuple[str, str, int]]:
    """(enterprise code, status, state bytes) of the day's self-check cases."""
    with unit_of_work(write=False) as s:
        return list(s.execute(select(Enterprise.code, ProcessInstance.status, func.length(ProcessInstance.state))
                              .join(Enterprise, Enterprise.id == ProcessInstance.enterprise_id)
                              .where(ProcessInstance.process_key == "daily_self_check",
                                     ProcessInstance.deadline == day)))


def _state_bytes(process_key: str) -> list[int]:
    with unit_of_work(write=False) as s:
        return list(s.scalars(select(func.length(ProcessInstance.state))
                              .where(ProcessInstance.process_key == process_key).order_by(ProcessInstance.id)))


def _work_the_day(campaign: Campaign, day: date, codes: list[str], officers: dict[str, engine.Actor]) -> int:
    """Dispatch at 08:00, checks at 10:00; returns the most open self-check tasks any officer had."""
    campaign.go_to(f"{day.isoformat()}T08:01")
    todays = _cases_of(day)
    open_today = [code for code in codes if day in due_days(_industry(code))]
    assert sorted(code for code, _status, _size in todays) == sorted(open_today), day  # one per enterprise open
    closed = [officer for code, officer in officers.items() if code not in open_today]
    assert all(not _open_self_checks(officer) for officer in closed), day  # a day off: nothing in the inbox
    if not open_today:
        return 0
    inbox = {code: _open_self_checks(officers[code]) for code in open_today}
    assert all(len(tasks) == 1 for tasks in inbox.values()), day
    campaign.go_to(f"{day.isoformat()}T10:00")
    for index, code in enumerate(codes):
        if code in open_today and does_check(index, day):
            findings = [finding(f"{day} 配电箱前堆放杂物")] if _finds(index, day) else []
            engine.complete_task(officers[code], inbox[code][0].id, dict(DAILY, checked_by="安全员", findings=findings))
    return max(len(tasks) for tasks in inbox.values())


def simulate_month(campaign: Campaign) -> MonthRun:
    """Run April 2025 day by day; returns the month's figures."""
    codes = _codes()
    officers = _add_officers(campaign, codes)
    campaign.clock.set(campaign.clock.now().replace(year=2025, month=3, day=31, hour=12))  # 20:00 China time
    campaign.deploy("hazard_closure", "daily_self_check", "daily_self_check_dispatch")  # first run: 1 April 08:00
    began, most_open = time.perf_counter(), 0
    sizes: dict[str, list[int]] = {"done": [], "finding": [], "missed": []}  # state bytes by how the case ended
    for day in DAYS:
        most_open = max(most_open, _work_the_day(campaign, day, codes, officers))
        if day == LAST:
            campaign.go_to(f"{day.isoformat()}T12:00")
            break
        campaign.go_to(f"{day.isoformat()}T23:59:30")  # reminders, escalations, then the day-over timers
        assert all(not _open_self_checks(officer) for officer in officers.values()), day
        for code, status, size in _cases_of(day):
            assert status == "completed", (day, code)
            sizes[_ending(codes.index(code), day)].append(size)
    wall = time.perf_counter() - began
    assert all(max(kind) - min(kind) <= 64 for kind in sizes.values())  # day 29's cases no bigger than day 1's
    report = self_checks.self_check_report(campaign.admin, today=LAST)
    with unit_of_work(write=False) as s:
        started = s.scalar(select(func.count(ProcessInstance.id))) or 0
    state = {kind: max(values) for kind, values in sizes.items()}
    state["dispatch"] = max(_state_bytes("daily_self_check_dispatch"))
    return MonthRun(started, report.done, report.missed, report.open, report.rate, report.hazards_opened, state,
                    most_open, round(wall, 1))


def test_a_month_of_daily_self_checks_for_ten_enterprises_stays_small_and_counts_right(campaign):
    run = simulate_month(campaign)
    codes = _codes()
    print(f"\nsimulated month: {run}")

    report = self_checks.self_check_report(campaign.admin, today=LAST)
    assert report.window == self_checks.Window(FIRST, LAST)
    figures = {r.enterprise_code: (r.expected, r.done, r.missed, r.open) for r in report.rows}
    assert figures == {code: expected(i, _industry(code)) for i, code in enumerate(codes)}
    assert len(WORKING) == 22 and date(2025, 4, 4) not in WORKING and MAKE_UP in WORKING  # 清明 off, 调休 on
    every_day = [i for i, code in enumerate(codes) if len(due_days(_industry(code))) == 30]
    assert every_day == [0, 1, 2, 5, 7, 8]  # catering, complexes, refined oil; the rest keep official working days
    assert figures[codes[4]] == (22, 21, 1, 0)  # recycling: the forgotten make-up Sunday is a missed check
    assert figures[codes[5]] == (30, 29, 1, 0)  # a complex is open that Sunday too: missed as well
    assert figures[codes[9]] == (22, 0, 21, 1)  # scrap vehicles, never checked: 21 missed, the 30th open
    assert figures[codes[7]] == (30, 24, 5, 1)  # refined oil: 5, 10, 15, 20, 25 missed (清明 included); 30 open
    rows = {r.enterprise_code: r for r in report.rows}
    assert rows[codes[0]].hazards_opened == 4 and rows[codes[0]].last_done == LAST  # four Mondays
    assert rows[codes[4]].last_done == LAST and rows[codes[9]].last_done is None
    assert sorted(r.enterprise_code for r in report.rows if r.missed_heavy) == sorted(codes[7:])

    done = sum(expected(i, _industry(code))[1] for i, code in enumerate(codes))
    missed = sum(expected(i, _industry(code))[2] for i, code in enumerate(codes))
    assert (run.done, run.missed, run.open) == (done, missed, 3) and run.rate == done / (done + missed)
    owed = sum(len(due_days(_industry(code))) for code in codes)
    assert owed == 6 * 30 + 4 * 22
    assert run.cases_started == owed + len(DAYS) + 4  # checks, one dispatch a day, four hazard cases
    assert run.max_open_self_checks_per_user == 1
    assert max(run.max_state_bytes.values()) < 20_000  # no case accumulates the month

    own = self_checks.self_check_report(engine.get_actor("sc4"), today=LAST)
    assert [(r.enterprise_code, r.done, r.missed) for r in own.rows] == [(codes[4], 21, 1)]

    # the dispatcher: one small case a day and a single schedule job, never one case looping all month
    with unit_of_work(write=False) as s:
        dispatches = list(s.scalars(select(ProcessInstance.business_key)
                                    .where(ProcessInstance.process_key == "daily_self_check_dispatch",
                                           ProcessInstance.status == "completed").order_by(ProcessInstance.id)))
        pending = list(s.scalars(select(Job.due_at).where(Job.kind == "start", Job.status == "pending",
                                                          Job.definition_key == "daily_self_check_dispatch")))
    assert dispatches == [f"daily_self_check_dispatch@{d.isoformat()}" for d in DAYS]
    assert [p.date() for p in pending] == [date(2025, 5, 1)]  # 08:00 China time is 00:00 UTC
    sizes = _state_bytes("daily_self_check_dispatch")
    assert max(sizes) - min(sizes) <= 64
