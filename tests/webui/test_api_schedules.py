"""`/api/v1/schedules`: the scheduled starts over the JSON API — admins and auditors read, admins pause and resume."""
from __future__ import annotations

from datetime import datetime, timezone

import engine
from tests.webui.test_admin_schedules import DATA, disaster_day_job, schedules  # noqa: F401
from tests.webui.test_api import app, bearer, call, client  # noqa: F401


def test_the_list_names_every_scheduled_start_for_admins_and_auditors_only(app, client, schedules):
    status, body, _ = call(client, "GET", "/schedules", headers=bearer(app, "auditor"))
    assert status == 200
    campaign = [item for item in body["items"] if item["kind"] == "campaign"]
    assert {item["scope"] for item in campaign} >= {"campaign@disaster_day@2026-05-12"}
    assert all(item["process_key"] == "notice_distribution" and item["status"] == "pending" for item in campaign)
    runs = [item["next_run"] for item in body["items"]]
    assert runs == sorted(runs) and all(r.endswith("+00:00") for r in runs)
    for who in ("inspector_catering", "officer_a", "owner"):
        assert call(client, "GET", "/schedules", headers=bearer(app, who))[0] == 403


def test_a_dispatcher_pauses_and_resumes_as_a_whole(app, client, people, review, clock):
    engine.deploy((DATA / "tick.bpmn").read_bytes(), actor="owner")
    admin = bearer(app, "admin")
    status, body, _ = call(client, "GET", "/schedules", headers=admin)
    assert [(i["kind"], i["process_key"], i["status"]) for i in body["items"]] == [("process", "tick", "pending")]
    assert call(client, "POST", "/schedules/processes/tick/pause", headers=admin)[:2] == (200, {"changed": 1})
    status, body, _ = call(client, "POST", "/schedules/processes/tick/pause", headers=admin)
    assert status == 409 and body["error"] == "conflict"
    assert call(client, "POST", "/schedules/processes/tick/resume", headers=admin)[:2] == (200, {"changed": 1})
    assert call(client, "POST", "/schedules/processes/nothing_here/pause", headers=admin)[0] == 404


def test_pausing_a_notice_keeps_it_from_firing_and_resuming_lets_it(app, client, schedules, clock):
    admin = bearer(app, "admin")
    job_id = disaster_day_job()
    assert call(client, "POST", f"/schedules/jobs/{job_id}/pause", headers=bearer(app, "auditor"))[0] == 403
    assert call(client, "POST", f"/schedules/jobs/{job_id}/pause", headers=admin)[:2] == (
        200, {"job_id": job_id, "status": "paused"})
    clock.set(datetime(2026, 5, 6, 1, 30, tzinfo=timezone.utc))
    assert engine.runtime.timers.fire_due() == 0
    assert call(client, "POST", f"/schedules/jobs/{job_id}/resume", headers=admin)[0] == 200
    assert engine.runtime.timers.fire_due() == 1
