"""Yearly campaign dates (engine.campaign.campaign_dates) and pausing scheduled starts (engine.campaign.scheduled_starts)."""
from __future__ import annotations

from datetime import date, datetime, timezone
from pathlib import Path

import pytest
from sqlalchemy import func, select

import engine
from engine.campaign import campaign_date_admin, campaign_dates, notice_schedule, scheduled_starts
from engine.campaign.campaign_models import NoticeSchedule
from engine.runtime import timers
from engine.runtime.clock import CHINA_TZ
from engine.runtime.db import unit_of_work
from engine.runtime.models import AuditEvent, Job
from tests.processes.campaign_support import forms_of

ROOT = Path(__file__).resolve().parents[3]
DATA = ROOT / "tests" / "data"


@pytest.fixture
def board(people, clock):
    """The notice diagrams deployed, the clock at Monday 5 January 2026, the four campaign dates seeded."""
    for key in ("notice_acknowledgement", "notice_distribution"):
        engine.deploy((ROOT / "processes" / f"{key}.bpmn").read_bytes(), actor="owner", forms_given=forms_of(key))
    go_to(clock, "2026-01-05T08:00")
    return people


def go_to(clock, when: str) -> int:
    clock.set(datetime.fromisoformat(when).replace(tzinfo=CHINA_TZ))
    fired = 0
    while n := timers.fire_due():
        fired += n
    return fired


def waiting() -> dict[str, datetime]:
    """Waiting campaign notices: business key → due time (China time)."""
    with unit_of_work(write=False) as s:
        jobs = s.scalars(select(Job).where(Job.kind == "start", Job.status.in_(("pending", "paused"))))
        return {j.payload["business_key"]: j.due_at.astimezone(CHINA_TZ) for j in jobs if j.payload.get("campaign")}


def notice_cases(admin: engine.Actor) -> list[engine.InstanceView]:
    page = engine.list_instances(admin, process_key="notice_distribution", limit=100)
    return [engine.get_instance(admin, c.id) for c in sorted(page.items, key=lambda c: c.id)]


def audit_count() -> int:
    with unit_of_work(write=False) as s:
        return s.scalar(select(func.count()).select_from(AuditEvent)) or 0


def at_nine(day: str) -> datetime:
    return datetime.fromisoformat(f"{day}T09:00").replace(tzinfo=CHINA_TZ)


def test_the_four_campaign_dates_are_drafted_on_their_working_days_in_2026(board, clock):
    queued = campaign_dates.seed()
    assert waiting() == {
        # 1 June (Mon) minus 10 working days, two weekends crossed
        "campaign@safety_month@2026-06-01": at_nine("2026-05-18"),
        # 12 May (Tue) minus 5: Mon 11, Sat 9 May is a make-up working day (调休), then Fri 8, Thu 7, Wed 6
        "campaign@disaster_day@2026-05-12": at_nine("2026-05-06"),
        "campaign@publicity_day@2026-06-16": at_nine("2026-06-09"),
        # 1 November is a Sunday: ten working days before is Monday 19 October
        "campaign@fire_month@2026-11-01": at_nine("2026-10-19"),
    }
    assert sorted(queued) == sorted(waiting())
    assert campaign_dates.seed() == [] and campaign_dates.queue_campaign_dates() == []  # idempotent
    with unit_of_work(write=False) as s:
        assert s.scalar(select(func.count()).select_from(NoticeSchedule)) == 4


def test_a_lead_time_across_the_labour_day_holiday_skips_it(board, clock):
    campaign_dates.seed()
    campaign_date_admin.update_campaign_date(board["admin"], "disaster_day", {"lead_working_days": 8})
    # Mon 11, Sat 9 (调休), Fri 8, Thu 7, Wed 6; 1–5 May are holidays; Thu 30, Wed 29, Tue 28 April
    assert waiting()["campaign@disaster_day@2026-05-12"] == at_nine("2026-04-28")


def test_firing_drafts_the_prefilled_notice_and_queues_next_year(board, clock):
    campaign_dates.seed()
    assert go_to(clock, "2026-05-05T18:00") == 0
    assert notice_cases(board["admin"]) == []
    assert go_to(clock, "2026-05-06T09:01") == 1
    [case] = notice_cases(board["admin"])
    assert case.business_key == "campaign@disaster_day@2026-05-12"
    assert case.data["title"] == "关于做好2026年“5·12”全国防灾减灾日宣传活动的通知"
    assert case.data["body"].startswith("2026年5月12日是全国防灾减灾日") and case.data["target_type"] == "all"
    assert [t.element_id for t in case.open_tasks] == ["draft"]
    # next year is queued at once; the 2027 calendar is not published yet, so only weekends count (Wed 12 May 2027)
    assert waiting()["campaign@disaster_day@2027-05-12"] == at_nine("2027-05-05")
    assert "campaign@disaster_day@2026-05-12" not in waiting()
    assert go_to(clock, "2026-05-07T09:00") == 0 and len(notice_cases(board["admin"])) == 1


def test_a_whole_year_fires_each_date_once_and_keeps_2027_queued(board, clock):
    campaign_dates.seed()
    fired = sum(go_to(clock, f"2026-{month:02d}-{day:02d}T12:00") for month in range(1, 13) for day in (1, 15))
    assert fired >= 4  # the worker sweeps every few seconds; twice a month is enough here
    keys = sorted(c.business_key for c in notice_cases(board["admin"]) if c.business_key.startswith("campaign@"))
    assert keys == ["campaign@disaster_day@2026-05-12", "campaign@fire_month@2026-11-01",
                    "campaign@publicity_day@2026-06-16", "campaign@safety_month@2026-06-01"]
    assert waiting() == {"campaign@disaster_day@2027-05-12": at_nine("2027-05-05"),
                         "campaign@safety_month@2027-06-01": at_nine("2027-05-18"),
                         "campaign@publicity_day@2027-06-16": at_nine("2027-06-09"),
                         "campaign@fire_month@2027-11-01": at_nine("2027-10-18")}


def test_a_paused_notice_does_not_fire_until_resumed_and_both_are_audited(board, clock):
    campaign_dates.seed()
    [row] = [r for r in scheduled_starts.list_scheduled_starts(board["admin"]) if r.kind == "campaign"
             and r.scope == "campaign@disaster_day@2026-05-12"]
    assert row.status == "pending" and row.title.startswith("关于做好2026年") and row.target == "all"
    scheduled_starts.set_job_paused(board["admin"], row.job_id, True)
    with pytest.raises(engine.Conflict):
        scheduled_starts.set_job_paused(board["admin"], row.job_id, True)
    with pytest.raises(engine.Forbidden):
        scheduled_starts.set_job_paused(board["auditor"], row.job_id, False)
    go_to(clock, "2026-05-06T10:00")
    assert notice_cases(board["admin"]) == []
    assert {r.job_id: r.status for r in scheduled_starts.list_scheduled_starts(board["admin"])}[row.job_id] == "paused"
    scheduled_starts.set_job_paused(board["admin"], row.job_id, False)
    assert go_to(clock, "2026-05-06T10:01") == 1  # overdue while paused: fires at once, before 12 May
    assert [c.business_key for c in notice_cases(board["admin"])] == ["campaign@disaster_day@2026-05-12"]
    with unit_of_work(write=False) as s:
        actions = [(e.action, e.actor) for e in s.scalars(select(AuditEvent).where(
            AuditEvent.action.in_(("schedule.pause", "schedule.resume"))).order_by(AuditEvent.id))]
    assert actions == [("schedule.pause", "admin"), ("schedule.resume", "admin")]


def test_a_campaign_date_paused_past_its_day_moves_to_next_year_on_resume(board, clock):
    campaign_dates.seed()
    job_id = next(r.job_id for r in scheduled_starts.list_scheduled_starts(board["admin"])
                  if r.scope == "campaign@disaster_day@2026-05-12")
    scheduled_starts.set_job_paused(board["admin"], job_id, True)
    go_to(clock, "2026-05-20T10:00")
    scheduled_starts.set_job_paused(board["admin"], job_id, False)
    assert go_to(clock, "2026-05-20T10:01") == 0
    assert waiting()["campaign@disaster_day@2027-05-12"] == at_nine("2027-05-05")


def test_editing_re_queues_the_waiting_job_and_inactive_cancels_it(board, clock):
    campaign_dates.seed()
    before = waiting()
    with unit_of_work(write=False) as s:
        job_ids = {j.id for j in s.scalars(select(Job).where(Job.status == "pending"))}
    changed = campaign_date_admin.update_campaign_date(board["admin"], "publicity_day", {
        "month": "6", "day": "15", "lead_working_days": "3", "title": "{year}年安全宣传咨询日",
        "target_type": "industries", "target_values": ["catering"]})
    assert (changed.next_date, changed.next_run) == (date(2026, 6, 15), at_nine("2026-06-10"))
    after = waiting()
    assert "campaign@publicity_day@2026-06-16" not in after and after["campaign@publicity_day@2026-06-15"] == at_nine("2026-06-10")
    with unit_of_work(write=False) as s:
        assert {j.id for j in s.scalars(select(Job).where(Job.status == "pending"))} == job_ids  # moved, not added
    go_to(clock, "2026-06-10T09:00")
    case = next(c for c in notice_cases(board["admin"]) if c.business_key == "campaign@publicity_day@2026-06-15")
    assert case.data["title"] == "2026年安全宣传咨询日" and case.data["target_industries"] == ["catering"]

    campaign_date_admin.update_campaign_date(board["admin"], "fire_month", {"active": "0"})
    assert not any(k.startswith("campaign@fire_month") for k in waiting())
    campaign_date_admin.update_campaign_date(board["admin"], "fire_month", {"active": "1"})
    assert waiting()["campaign@fire_month@2026-11-01"] == before["campaign@fire_month@2026-11-01"]


@pytest.mark.parametrize("fields,field", [
    ({"month": "2", "day": "30"}, "day"),
    ({"month": "13"}, "month"),
    ({"day": "x"}, "day"),
    ({"lead_working_days": "0"}, "lead_working_days"),
    ({"lead_working_days": "31"}, "lead_working_days"),
    ({"title": "   "}, "title"),
    ({"body": ""}, "body"),
    ({"target_type": "industries", "target_values": []}, "target_values"),
    ({"target_type": "industries", "target_values": ["no_such_industry"]}, "target_values"),
    ({"target_type": "everyone"}, "target_type"),
])
def test_bad_input_is_refused_and_changes_nothing(board, fields, field):
    campaign_dates.seed()
    rows, jobs, events = campaign_date_admin.list_campaign_dates(board["admin"]), waiting(), audit_count()
    with pytest.raises(engine.BadRequest) as refused:
        campaign_date_admin.update_campaign_date(board["admin"], "safety_month", fields)
    assert refused.value.details[0]["field"] == field and refused.value.message_en
    with pytest.raises(engine.BadRequest):
        campaign_date_admin.add_campaign_date(board["admin"], "new_day", {"name_zh": "新宣传日", "title": "t", "body": "b",
                                                                     "month": 3, "day": 1, "lead_working_days": 3,
                                                                     **fields})
    assert (campaign_date_admin.list_campaign_dates(board["admin"]), waiting(), audit_count()) == (rows, jobs, events)


def test_add_and_delete_a_campaign_date(board, clock):
    campaign_dates.seed()
    with pytest.raises(engine.Conflict):
        campaign_date_admin.add_campaign_date(board["admin"], "fire_month", {})
    with pytest.raises(engine.BadRequest):
        campaign_date_admin.add_campaign_date(board["admin"], "Bad Key", {})
    with pytest.raises(engine.Forbidden):
        campaign_date_admin.add_campaign_date(board["auditor"], "drill_day", {})
    added = campaign_date_admin.add_campaign_date(board["admin"], "drill_day", {
        "name_zh": "消防演练日", "name_en": "", "month": "11", "day": "9", "lead_working_days": "3",
        "title": "{year}年11·9消防演练", "body": "请组织一次疏散演练。", "target_type": "risk_grades",
        "target_values": ["red", "orange", "red"]})
    assert (added.name_en, added.target_values, added.next_run) == ("消防演练日", ("orange", "red"), at_nine("2026-11-04"))
    assert [r.key for r in campaign_date_admin.list_campaign_dates(board["auditor"])] == [
        "disaster_day", "safety_month", "publicity_day", "fire_month", "drill_day"]
    campaign_date_admin.delete_campaign_date(board["admin"], "drill_day")
    assert not any(k.startswith("campaign@drill_day") for k in waiting())
    with pytest.raises(engine.NotFound):
        campaign_date_admin.delete_campaign_date(board["admin"], "drill_day")


def test_redeploying_the_notice_process_moves_waiting_notices_to_the_new_version(board, clock):
    campaign_dates.seed()
    xml = (ROOT / "processes" / "notice_distribution.bpmn").read_text("utf-8").replace("新建通知", "新建通知公告")
    v2 = engine.deploy(xml.encode("utf-8"), actor="owner").process
    assert len(waiting()) == 4
    go_to(clock, "2026-05-06T09:00")
    [case] = notice_cases(board["admin"])
    assert case.process_version == v2.version


def test_holiday_warnings_are_topped_up_after_one_fires(board, clock):
    queued = notice_schedule.queue_holiday_warnings(horizon_days=45)
    assert [w.business_key for w in queued] == ["holiday_warning@2026-02-15"]  # 春节 only, within 45 days
    go_to(clock, "2026-02-12T09:01")
    with unit_of_work(write=False) as s:
        keys = {j.payload.get("business_key") for j in s.scalars(select(Job).where(Job.status == "pending"))}
    assert {"holiday_warning@2026-04-04", "holiday_warning@2026-10-01"} <= keys


def test_pausing_a_dispatcher_stops_it_and_resuming_skips_the_missed_occurrences(review, people, clock):
    engine.deploy((DATA / "tick.bpmn").read_bytes(), actor="owner")
    [row] = scheduled_starts.list_scheduled_starts(people["admin"])
    assert (row.kind, row.process_key, row.job_id, row.status, row.target) == (
        "process", "tick", None, "pending", "R3/2025-03-04T09:00:00+08:00/P1D")
    assert scheduled_starts.set_process_paused(people["admin"], "tick", True) == 1
    with pytest.raises(engine.NotFound):
        scheduled_starts.set_process_paused(people["admin"], "no_such_process", True)
    clock.set(datetime(2025, 3, 5, 2, 0, tzinfo=timezone.utc))  # 10:00 China time on the 5th: two occurrences missed
    assert timers.fire_due() == 0
    assert scheduled_starts.list_scheduled_starts(people["admin"])[0].status == "paused"
    scheduled_starts.set_process_paused(people["admin"], "tick", False)
    [row] = scheduled_starts.list_scheduled_starts(people["admin"])
    assert (row.status, row.next_run) == ("pending", datetime(2025, 3, 6, 1, 0, tzinfo=timezone.utc))
    assert timers.fire_due() == 0
    clock.set(datetime(2025, 3, 6, 1, 0, 5, tzinfo=timezone.utc))
    assert timers.fire_due() == 1
    assert engine.list_instances(people["admin"], process_key="tick").total == 1


def test_init_seeds_the_campaign_dates_once_and_the_cli_lists_pauses_and_resumes(tmp_path):
    import subprocess
    import sys

    def run(*args: str) -> subprocess.CompletedProcess:
        env = {"SAFELOOP_DATA_DIR": str(tmp_path), "PATH": "/usr/bin:/bin"}
        return subprocess.run([sys.executable, "-m", "engine.operations.cli", *args], capture_output=True, text=True, env=env,
                              cwd=ROOT, timeout=300)

    assert run("init").returncode == 0 and run("init").returncode == 0  # the second init adds nothing
    listed = run("schedules", "list")
    assert listed.returncode == 0, listed.stderr
    lines = listed.stdout.splitlines()
    campaign = [line for line in lines if " campaign " in line]
    assert len(campaign) == 4 and {k for k in ("safety_month", "fire_month", "disaster_day", "publicity_day")
                                   if any(f"campaign@{k}@" in line for line in campaign)} == {
        "safety_month", "fire_month", "disaster_day", "publicity_day"}
    assert any("daily_self_check_dispatch" in line and "pending" in line for line in lines)
    paused = run("schedules", "pause", "daily_self_check_dispatch")
    assert paused.returncode == 0 and "Paused daily_self_check_dispatch: 1 job(s)" in paused.stdout
    assert any("daily_self_check_dispatch" in line and "paused" in line for line in run("schedules", "list").stdout.splitlines())
    assert run("schedules", "resume", "daily_self_check_dispatch").returncode == 0
    missing = run("schedules", "pause", "no_such_process")
    assert missing.returncode == 2 and "No such process" in missing.stderr
