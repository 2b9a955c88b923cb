"""Administration: jobs, incidents and retries, audit search and CSV, users, case search (version diff: test_diagram_diff)."""
from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest

import engine
from engine.runtime import audit_search, case_search, incidents, user_admin
from engine.runtime.db import unit_of_work
from engine.runtime.models import Job

GOOD_CODE = "91220881MA00000000"


def _start(people, **data):
    return engine.start_instance(people["officer_a"], "review", {"case_title": "灭火器过期", "spawn": False, **data})


def _fail_a_job() -> int:
    with unit_of_work() as s:
        job = s.query(Job).filter(Job.status == "pending").order_by(Job.id).first()
        job.status, job.attempts, job.last_error = "incident", 5, "RuntimeError: boom"
        return job.id


def test_pending_jobs_list_reminders_with_their_due_time(review, people):
    _start(people)
    jobs = incidents.list_jobs(people["auditor"]).items
    assert {j.kind for j in jobs} >= {"reminder"}
    assert all(j.status == "pending" and j.due_at is not None for j in jobs)


def test_failed_job_is_an_incident_and_retry_puts_it_back_in_the_queue(review, people):
    _start(people)
    job_id = _fail_a_job()
    found = incidents.list_incidents(people["admin"])
    assert [j.id for j in found.jobs] == [job_id] and found.jobs[0].last_error == "RuntimeError: boom"
    retried = incidents.retry_job(people["admin"], job_id)
    assert (retried.status, retried.attempts) == ("pending", 0)
    assert incidents.list_incidents(people["admin"]).jobs == ()
    assert audit_search.list_audit(people["admin"], action="job.retry").total == 1


def test_retry_all_covers_failed_jobs(review, people):
    _start(people)
    _fail_a_job()
    assert incidents.retry_all(people["admin"]) == (1, 0)


def test_auditor_reads_but_cannot_change(review, people):
    _start(people)
    job_id = _fail_a_job()
    assert incidents.list_incidents(people["auditor"]).jobs
    for change in (lambda: incidents.retry_job(people["auditor"], job_id),
                   lambda: user_admin.set_user_active(people["auditor"], "officer_a", False),
                   lambda: user_admin.reset_password(people["auditor"], "officer_a")):
        with pytest.raises(engine.Forbidden):
            change()
    with pytest.raises(engine.Forbidden):
        audit_search.list_audit(people["officer_a"])


def test_audit_filters_by_actor_action_case_and_time(review, people, clock):
    case = _start(people)
    clock.advance(hours=2)
    other = _start(people)
    by_case = audit_search.list_audit(people["auditor"], instance_id=case.id)
    assert by_case.total >= 1 and all(e.instance_id == case.id for e in by_case.items)
    assert all(e.actor == "officer_a" for e in audit_search.list_audit(people["auditor"], actor_name="officer_a").items)
    late = audit_search.list_audit(people["auditor"], action="case.start", since=engine.get_clock().now() - timedelta(hours=1))
    assert [e.instance_id for e in late.items] == [other.id]


def test_audit_csv_has_every_filtered_row_with_hashes(review, people):
    case = _start(people)
    text = "".join(audit_search.export_audit_csv(people["auditor"], actor_name=None, action=None, instance_id=case.id,
                                          since=None, until=None))
    rows = list(csv.DictReader(io.StringIO(text)))
    assert rows and rows[0]["action"] == "case.start" and len(rows[0]["hash"]) == 64
    assert len(rows) == audit_search.list_audit(people["auditor"], instance_id=case.id).total


def test_disabled_user_cannot_log_in_and_enabling_restores(people):
    user_admin.set_user_active(people["admin"], "officer_a", False)
    with pytest.raises(engine.NotAuthenticated):
        engine.authenticate("officer_a", "password-123")
    user_admin.set_user_active(people["admin"], "officer_a", True)
    assert engine.authenticate("officer_a", "password-123").username == "officer_a"
    with pytest.raises(engine.Conflict):
        user_admin.set_user_active(people["admin"], "admin", False)


def test_reset_password_gives_a_working_one_time_password(people):
    password = user_admin.reset_password(people["admin"], "officer_a")
    assert len(password) >= 10 and engine.authenticate("officer_a", password).username == "officer_a"
    assert audit_search.list_audit(people["admin"], action="user.password_reset").items[0].after == {"username": "officer_a"}


def test_roles_and_scope_are_replaced_and_audited(people):
    view = user_admin.set_user_roles(people["admin"], "inspector_oil", roles=["bureau_inspector", "expert"],
                                industries=["catering"], enterprise=None)
    assert view.roles == ("bureau_inspector", "expert") and view.industries == ("catering",)
    with pytest.raises(engine.ValidationFailed):
        user_admin.set_user_roles(people["admin"], "inspector_oil", roles=["pope"], industries=[], enterprise=None)


def test_case_search_by_version_status_and_open_step(review, people):
    case = _start(people)
    assert [c.id for c in case_search.search_cases(people["auditor"], process_key="review", version=1).items] == [case.id]
    assert case_search.search_cases(people["auditor"], process_key="review", version=2).total == 0
    assert case_search.search_cases(people["auditor"], step="rectify").total == 1
    assert case_search.search_cases(people["auditor"], status="error").total == 0
