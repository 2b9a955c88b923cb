"""Incidents (failed jobs, cases in error) with retry, and the job list with due times and leases."""
from __future__ import annotations

from datetime import timedelta

from engine.runtime.db import unit_of_work
from engine.runtime.models import Job
from tests.webui.admin_support import app, client  # noqa: F401
from tests.webui.pages_support import get, log_in_as, post, start_review


def _fail_first_job(locked_by: str | None = None) -> int:
    with unit_of_work() as s:
        job = s.query(Job).filter(Job.status == "pending").order_by(Job.id).first()
        job.status, job.attempts, job.last_error = "incident", 5, "RuntimeError: 短信网关超时"
        return job.id


def test_incidents_list_failed_jobs_and_retry_puts_them_back(client, people, review):
    start_review(people["officer_a"])
    job_id = _fail_first_job()
    log_in_as(client, "admin")
    html = get(client, "/admin/incidents").get_data(as_text=True)
    assert "短信网关超时" in html and f"/admin/incidents/jobs/{job_id}/retry" in html and "没有出错的事项" in html
    html = post(client, f"/admin/incidents/jobs/{job_id}/retry", follow_redirects=True).get_data(as_text=True)
    assert f"后台任务 {job_id} 已重新排队" in html and "没有失败的后台任务" in html


def test_retry_all_and_auditor_cannot_retry(client, people, review):
    start_review(people["officer_a"])
    job_id = _fail_first_job()
    log_in_as(client, "auditor")
    assert "全部重试" not in get(client, "/admin/incidents").get_data(as_text=True)
    assert post(client, f"/admin/incidents/jobs/{job_id}/retry").status_code == 403
    log_in_as(client, "admin")
    html = post(client, "/admin/incidents/retry-all", follow_redirects=True).get_data(as_text=True)
    assert "已重试 1 个后台任务和 0 个事项" in html


def test_job_list_shows_due_time_kind_and_lease_holder(client, people, review, clock):
    case = start_review(people["officer_a"])
    with unit_of_work() as s:
        job = s.query(Job).filter(Job.instance_id == case.id).first()
        job.locked_by, job.locked_until = "worker-7:1234", clock.now() + timedelta(minutes=5)
    log_in_as(client, "auditor")
    html = get(client, "/admin/jobs").get_data(as_text=True)
    assert "reminder" in html and "worker-7:1234" in html and f"/admin/cases/{case.id}" in html
    assert "没有符合条件的后台任务" in get(client, "/admin/jobs?status=incident").get_data(as_text=True)


def test_incidents_list_failed_deliveries_and_retry_queues_them_again(client, people, review):
    import engine
    from engine.runtime.models import Delivery, Notification
    with unit_of_work() as s:
        note = Notification(recipient="officer_a", kind="reminder", title_zh="即将到期：整改", title_en="Due soon",
                            created_at=engine.get_clock().now())
        s.add(note)
        s.flush()
        delivery = Delivery(notification_id=note.id, channel="webhook", target="officer_a", status="failed",
                            attempts=6, next_at=note.created_at, last_error="URLError: 网关拒绝连接")
        s.add(delivery)
        s.flush()
        delivery_id = delivery.id
    log_in_as(client, "admin")
    html = get(client, "/admin/incidents").get_data(as_text=True)
    assert "网关拒绝连接" in html and f"/admin/incidents/deliveries/{delivery_id}/retry" in html
    post(client, f"/admin/incidents/deliveries/{delivery_id}/retry", follow_redirects=True)
    with unit_of_work(write=False) as s:
        assert (s.get(Delivery, delivery_id).status, s.get(Delivery, delivery_id).attempts) == ("pending", 0)
    assert f"/admin/incidents/deliveries/{delivery_id}/retry" not in get(client, "/admin/incidents").get_data(as_text=True)
