"""Leaders' daily overdue digest: one notification per leader and working day, written once even by two workers."""
from __future__ import annotations

import threading
from datetime import datetime, timezone

import pytest
from sqlalchemy import func, select

import engine
from engine.runtime import digests, notifications, timers
from engine.runtime.clock import CHINA_TZ
from engine.runtime.db import unit_of_work
from engine.runtime.models import DigestRun, Notification


def _at(when: str) -> datetime:
    return datetime.fromisoformat(when).replace(tzinfo=CHINA_TZ)


def _overdue_cases(people, n: int) -> list[int]:
    return [engine.start_instance(people["officer_a"], "review", {"case_title": f"逾期{i}", "spawn": False}).id
            for i in range(n)]


def _sweep_days(clock, days: list[str]) -> None:
    for day in days:
        for hour in ("07:30", "09:01", "15:00"):
            clock.set(_at(f"{day}T{hour}"))
            timers.sweep()


def _notes(username: str, kind: str | None = None) -> list[Notification]:
    return [n for n in notifications.list_for(engine.get_actor(username), limit=200) if kind in (None, n.kind)]


def test_a_section_chief_gets_one_digest_a_working_day_instead_of_one_note_per_task(review, people, clock):
    cases = _overdue_cases(people, 3)
    # due Thu 6 Mar 09:00: the inspector hears on the 6th (level 1), the chief is escalated to on Fri the 7th
    _sweep_days(clock, ["2025-03-06", "2025-03-07", "2025-03-08", "2025-03-09", "2025-03-10"])
    assert len(_notes("inspector_catering", "escalation")) == 3  # level 1: per task, to the inspector
    digests_ = _notes("chief")
    assert {n.kind for n in digests_} == {"digest"}  # never a per-task escalation note for a leader
    # Fri 7 and Mon 10 March; Sat 8 / Sun 9 are no working days. Before 08:00 nothing is written.
    assert [n.created_at.astimezone(CHINA_TZ).strftime("%m-%d %H:%M") for n in reversed(digests_)] == [
        "03-07 09:01", "03-10 09:01"]
    first = digests_[-1]
    assert first.title_zh == "督办日报（2025-03-07）：3 项逾期待办"
    assert sorted(d["instance_id"] for d in first.details) == cases
    item = first.details[0]
    assert item["step"] == "整改" and item["role"] == "enterprise_safety_officer" and item["level"] == 2
    assert item["days_overdue"] == 1 and digests_[0].details[0]["days_overdue"] == 4
    audit = [h.after for h in engine.instance_history(people["admin"], cases[0]) if h.action == "task.escalate"]
    assert [(a["level"], a["to_role"], a["digest"]) for a in audit][:2] == [
        (1, "bureau_inspector", False), (2, "section_chief", True)]  # still audited per task


def test_a_digest_lists_only_open_items_and_none_is_written_when_nothing_is_overdue(review, people, clock):
    done, still_open = _overdue_cases(people, 2)
    _sweep_days(clock, ["2025-03-06", "2025-03-07"])
    [first] = _notes("chief")
    assert len(first.details) == 2
    view = engine.get_instance(people["admin"], done)
    engine.complete_task(people["officer_a"], view.open_tasks[0].id, {"measures": "已更换"})
    _sweep_days(clock, ["2025-03-10"])
    latest = _notes("chief")[0]
    assert [d["instance_id"] for d in latest.details] == [still_open]
    engine.complete_task(people["officer_a"], engine.get_instance(people["admin"], still_open).open_tasks[0].id,
                         {"measures": "已更换"})
    _sweep_days(clock, ["2025-03-11"])
    assert len(_notes("chief")) == 2  # nothing overdue: no notification
    with unit_of_work(write=False) as s:
        row = s.get(DigestRun, ("chief", _at("2025-03-11T00:00").date()))
    assert row is not None and row.item_count == 0 and row.notification_id is None


def test_a_leader_sees_only_the_industries_they_cover(review, people, clock):
    engine.add_user("chief_oil", roles=["section_chief"], industries=["refined_oil"])
    _overdue_cases(people, 1)  # a catering case
    _sweep_days(clock, ["2025-03-06", "2025-03-07"])
    assert len(_notes("chief")) == 1 and _notes("chief_oil") == []


def test_two_workers_write_each_leaders_digest_once(review, people, clock, database):
    if database != "postgresql":
        pytest.skip("several workers share PostgreSQL (SQLite runs one worker)")
    for name in ("deputy", "director", "chief2"):
        engine.add_user(name, roles=["section_chief" if name == "chief2" else name.replace("deputy", "deputy_director")])
    _overdue_cases(people, 2)
    for when in ("2025-03-06T09:01", "2025-03-07T09:02"):  # level 1 (inspector), then level 2 (section chiefs)
        clock.set(_at(when))
        timers.fire_due()
    barrier = threading.Barrier(4)
    written: list[int] = []

    def worker() -> None:
        token = engine.set_clock(clock)
        barrier.wait()
        written.append(digests.send_due())
        engine.reset_clock(token)

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    with unit_of_work(write=False) as s:
        per_leader = dict(s.execute(select(Notification.recipient, func.count()).where(Notification.kind == "digest")
                                    .group_by(Notification.recipient)).all())
        runs = s.scalar(select(func.count()).select_from(DigestRun))
    assert len(written) == 4 and sum(written) == 2
    assert per_leader == {"chief": 1, "chief2": 1}
    assert runs == 4  # chief, chief2, deputy, director: one row each, the last two with nothing to list


def test_a_digest_goes_out_by_email_with_its_items(review, people, clock, monkeypatch):
    sent: list[tuple[str, str, str, dict]] = []

    class Mail:
        def send(self, target: str, subject: str, body: str, payload: dict) -> None:
            sent.append((target, subject, body, payload))

    from engine.runtime import channels
    monkeypatch.setattr(channels, "configured", lambda: {"email": Mail()})
    with unit_of_work() as s:
        from engine.runtime.models import User
        s.scalar(select(User).where(User.username == "chief")).email = "chief@example.test"
    [case_id] = _overdue_cases(people, 1)
    _sweep_days(clock, ["2025-03-06", "2025-03-07"])
    [mail] = [m for m in sent if m[0] == "chief@example.test"]
    assert mail[1] == "[安全闭环] 督办日报（2025-03-07）：1 项逾期待办"
    assert f"#{case_id} 逾期0 · 整改 · 办理人 assignee: enterprise_safety_officer · 逾期 1 天 days overdue" in mail[2]
    assert mail[3]["kind"] == "digest" and mail[3]["items"][0]["instance_id"] == case_id
