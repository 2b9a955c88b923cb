"""The audit trail page: filters, CSV export, "verify chain"; nothing can change it."""
from __future__ import annotations

import csv
import io

from engine.runtime.db import unit_of_work
from engine.runtime.models import AuditEvent
from tests.webui.admin_support import app, client  # noqa: F401
from tests.webui.pages_support import get, log_in_as, post, start_review


def test_audit_filters_by_actor_action_and_case(client, people, review):
    first = start_review(people["officer_a"], case_title="第一件")
    start_review(people["officer_a"], case_title="第二件")
    log_in_as(client, "auditor")
    html = get(client, f"/admin/audit?case={first.id}").get_data(as_text=True)
    assert f'href="/admin/cases/{first.id}"' in html and f'href="/admin/cases/{first.id + 1}"' not in html
    html = get(client, "/admin/audit?action=process.deploy").get_data(as_text=True)
    assert "process.deploy" in html and "case.start</code>" not in html
    assert "第一件" in get(client, "/admin/audit?actor=officer_a").get_data(as_text=True)


def test_csv_export_has_the_filtered_rows_with_hashes_and_a_bom(client, people, review):
    case = start_review(people["officer_a"])
    log_in_as(client, "auditor")
    with client.get(f"/admin/audit.csv?case={case.id}") as response:  # streamed: read it before it closes
        assert response.mimetype == "text/csv" and "attachment; filename=audit-" in response.headers["Content-Disposition"]
        text = response.get_data(as_text=True)
    assert text.startswith("\ufeff")
    rows = list(csv.DictReader(io.StringIO(text[1:])))
    assert [r["action"] for r in rows][:1] == ["case.start"] and all(r["instance_id"] == str(case.id) for r in rows)
    assert "后厨燃气报警器失效" in rows[0]["after"]


def test_verify_chain_reports_intact_then_a_tampered_row(client, people, review):
    start_review(people["officer_a"])
    log_in_as(client, "auditor")
    fragment = get(client, "/admin/audit/verify", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert 'data-verify="ok"' in fragment and "<html" not in fragment
    with unit_of_work() as s:
        s.query(AuditEvent).filter(AuditEvent.action == "case.start").update({"actor": "someone_else"})
    page = get(client, "/admin/audit/verify").get_data(as_text=True)
    assert 'data-verify="broken"' in page and "审计日志被篡改" in page


def test_no_route_edits_or_deletes_audit_events(app, client, people):
    audit_rules = [r for r in app.url_map.iter_rules() if "audit" in r.rule]
    assert audit_rules and all(r.methods <= {"GET", "HEAD", "OPTIONS"} for r in audit_rules)
    log_in_as(client, "admin")
    assert post(client, "/admin/audit").status_code == 405
