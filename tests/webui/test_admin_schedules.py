"""The admin schedule page: every scheduled start with pause/resume, and the yearly campaign dates' forms."""
from __future__ import annotations

import re
from datetime import datetime, timezone
from pathlib import Path

import pytest
from sqlalchemy import select

import engine
from engine.campaign import campaign_dates
from engine.runtime.db import unit_of_work
from engine.runtime.models import AuditEvent, Job
from tests.processes.campaign_support import forms_of
from tests.webui.admin_support import app, client  # noqa: F401
from tests.webui.pages_support import DATA, get, log_in_as, post

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def schedules(people, review, clock):
    """On Monday 5 January 2026: the notice diagrams and the four campaign dates."""
    for key in ("notice_acknowledgement", "notice_distribution"):
        engine.deploy((ROOT / "processes" / f"{key}.bpmn").read_bytes(), actor="owner", forms_given=forms_of(key))
    clock.set(datetime(2026, 1, 5, 1, 0, tzinfo=timezone.utc))
    campaign_dates.seed()
    return people


def flat(response) -> str:
    return " ".join(response.get_data(as_text=True).split())


def row(html: str, attribute: str) -> str:
    """The <tr> carrying `attribute` (e.g. data-process="tick")."""
    match = re.search(rf"<tr [^>]*{re.escape(attribute)}[^>]*>.*?</tr>", html)
    assert match, f"no row with {attribute}"
    return match.group(0)


def disaster_day_job() -> int:
    with unit_of_work(write=False) as s:
        return next(j.id for j in s.scalars(select(Job).where(Job.status.in_(("pending", "paused"))))
                    if j.payload.get("business_key") == "campaign@disaster_day@2026-05-12")


def audit_actions() -> list[tuple[str, str | None]]:
    with unit_of_work(write=False) as s:
        return [(e.action, e.actor) for e in s.scalars(select(AuditEvent).where(
            AuditEvent.action.in_(("schedule.pause", "schedule.resume", "notice_schedule.update")))
            .order_by(AuditEvent.id))]


def test_the_admin_sees_every_scheduled_start_with_time_target_and_status(client, schedules):
    log_in_as(client, "admin")
    html = flat(get(client, "/admin/schedules"))
    assert 'href="/admin/schedules" aria-current="page"' in html and "计划任务" in html
    notice = row(html, f'data-job="{disaster_day_job()}"')
    assert "宣传日通知" in notice and "关于做好2026年“5·12”全国防灾减灾日宣传活动的通知" in notice
    assert "2026-05-06 09:00" in notice and "全部企业" in notice and "campaign@disaster_day@2026-05-12" in notice
    assert 'data-status="pending"' in notice and ">暂停</button>" in notice
    assert 'data-kind="process"' not in html  # no dispatcher deployed here
    dates = re.search(r'<table class="table" id="campaign-dates">.*?</table>', html).group(0)
    assert [k for k in re.findall(r'data-key="(\w+)"', dates)] == ["disaster_day", "safety_month", "publicity_day",
                                                                   "fire_month"]
    assert "安全生产月" in dates and "6月1日" in dates and "2026-05-18 09:00" in dates
    english = flat(get(client, "/admin/schedules?lang=en"))
    assert "Campaign-date notice" in english and "Next run (China time)" in english


def test_a_dispatcher_row_pauses_and_resumes_as_a_whole(client, people, review, clock):
    engine.deploy((DATA / "tick.bpmn").read_bytes(), actor="owner")
    log_in_as(client, "admin")
    tick = row(flat(get(client, "/admin/schedules")), 'data-process="tick"')
    assert "派发流程" in tick and "R3/2025-03-04T09:00:00+08:00/P1D" in tick and "2025-03-04 09:00" in tick
    html = flat(post(client, "/admin/schedules/processes/tick/pause", follow_redirects=True))
    assert "tick 的计划已暂停。" in html and 'data-status="paused"' in row(html, 'data-process="tick"')
    assert ">恢复</button>" in row(html, 'data-process="tick"')
    html = flat(post(client, "/admin/schedules/processes/tick/resume", follow_redirects=True))
    assert "tick 的计划已恢复。" in html and 'data-status="pending"' in row(html, 'data-process="tick"')
    assert audit_actions() == [("schedule.pause", "admin"), ("schedule.resume", "admin")]


def test_pausing_a_notice_by_post_keeps_it_from_firing_and_resuming_lets_it(client, schedules, clock):
    job_id = disaster_day_job()
    log_in_as(client, "admin")
    html = flat(post(client, f"/admin/schedules/jobs/{job_id}/pause", follow_redirects=True))
    assert f"计划启动 {job_id} 已暂停。" in html and 'data-status="paused"' in row(html, f'data-job="{job_id}"')
    html = flat(post(client, f"/admin/schedules/jobs/{job_id}/pause", follow_redirects=True))
    assert "只有待运行的计划可以暂停" in html  # twice: a clear error, nothing changes
    clock.set(datetime(2026, 5, 6, 1, 30, tzinfo=timezone.utc))
    assert engine.runtime.timers.fire_due() == 0
    post(client, f"/admin/schedules/jobs/{job_id}/resume")
    assert engine.runtime.timers.fire_due() == 1
    assert audit_actions() == [("schedule.pause", "admin"), ("schedule.resume", "admin")]


@pytest.mark.parametrize("who", ["inspector_catering", "officer_a", "owner"])
def test_other_roles_get_403_on_the_page_and_every_post(client, schedules, who):
    log_in_as(client, who)
    job_id = disaster_day_job()
    assert get(client, "/admin/schedules").status_code == 403
    assert post(client, f"/admin/schedules/jobs/{job_id}/pause").status_code == 403
    assert post(client, "/admin/schedules/processes/tick/pause").status_code == 403
    assert post(client, "/admin/schedules/campaign-dates/fire_month", {"lead_working_days": "3"}).status_code == 403
    assert audit_actions() == []


def test_auditors_read_the_page_without_buttons_and_cannot_post(client, schedules):
    log_in_as(client, "auditor")
    html = flat(get(client, "/admin/schedules"))
    assert "campaign@disaster_day@2026-05-12" in html and "</button>" not in html.split('id="schedule-table"')[1]
    assert post(client, f"/admin/schedules/jobs/{disaster_day_job()}/pause").status_code == 403


def test_a_post_without_the_csrf_token_is_refused(client, schedules):
    log_in_as(client, "admin")
    with client.post(f"/admin/schedules/jobs/{disaster_day_job()}/pause", data={}) as response:
        assert response.status_code == 400
    assert audit_actions() == []


def form(**changes: str) -> dict[str, object]:
    base = {"name_zh": "5·12全国防灾减灾日", "name_en": "Disaster Prevention Day", "month": "5", "day": "12",
            "lead_working_days": "5", "title": "关于做好{year}年防灾减灾日工作的通知", "body": "请开展宣传。",
            "target_type": "all", "active": "1"}
    return {**base, **changes}


def test_editing_a_campaign_date_re_queues_its_notice_and_bad_input_changes_nothing(client, schedules):
    log_in_as(client, "admin")
    html = flat(post(client, "/admin/schedules/campaign-dates/disaster_day", form(lead_working_days="8"),
                     follow_redirects=True))
    assert "宣传日 disaster_day 已保存，下一份通知已重新排期。" in html
    assert "2026-04-28 09:00" in row(html, 'data-key="disaster_day"')
    assert "关于做好2026年防灾减灾日工作的通知" in row(html, f'data-job="{disaster_day_job()}"')
    html = flat(post(client, "/admin/schedules/campaign-dates/disaster_day", form(month="2", day="30"),
                     follow_redirects=True))
    assert "2月没有30日" in html and "2026-04-28 09:00" in row(html, 'data-key="disaster_day"')
    html = flat(post(client, "/admin/schedules/campaign-dates/disaster_day", form(title=" "), follow_redirects=True))
    assert "通知标题不能为空" in html
    assert [a for a, _ in audit_actions()] == ["notice_schedule.update"]


def test_adding_with_a_target_and_deleting_a_campaign_date(client, schedules):
    log_in_as(client, "admin")
    html = flat(post(client, "/admin/schedules/campaign-dates", {
        **form(name_zh="11·9消防日", month="11", day="9", lead_working_days="3", title="{year}年消防日"),
        "key": "fire_day", "target_type": "risk_grades", "target_risk_grades": ["red", "orange"],
        "target_industries": ["catering"]}, follow_redirects=True))
    assert "宣传日 fire_day 已添加，下一份通知已排期。" in html
    assert "2026-11-04 09:00" in row(html, 'data-key="fire_day"')
    queued = next(r for r in re.findall(r'<tr data-kind="campaign".*?</tr>', html) if "campaign@fire_day@" in r)
    assert "按风险等级: 红（重大风险）、橙（较大风险）" in queued or "按风险等级: 橙（较大风险）、红（重大风险）" in queued
    html = flat(post(client, "/admin/schedules/campaign-dates/fire_day/delete", follow_redirects=True))
    assert "宣传日 fire_day 已删除" in html and 'data-key="fire_day"' not in html and "campaign@fire_day@" not in html
