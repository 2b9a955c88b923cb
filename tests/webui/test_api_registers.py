"""`GET /api/v1/registers` and `/registers/{kind}`: kinds with counts, items or per-enterprise counts, paging,
errors and scoping (both databases; the hand-counted stand of tests/engine/campaign/test_registers.py)."""
from __future__ import annotations

from tests.engine.campaign.test_registers import EXPECTED, campaign, stand  # noqa: F401 - fixtures
from tests.processes.campaign_support import CATERING, OIL
from tests.webui.test_api import app, bearer, call, client  # noqa: F401 - fixtures


def test_the_kinds_come_with_names_and_counts(app, client, stand):
    status, body, _ = call(client, "GET", "/registers", headers=bearer(app, "chief"))
    assert status == 200 and body["total"] == 10 and body["next_offset"] is None
    by_key = {k["key"]: k for k in body["items"]}
    assert by_key["inspections"]["name_zh"] == "行业安全检查台账" and by_key["inspections"]["name_en"]
    assert {k: tuple(v["counts"][n] for n in ("due", "open", "overdue", "done", "missed"))
            for k, v in by_key.items()} == EXPECTED
    status, body, _ = call(client, "GET", "/registers?year=2024", headers=bearer(app, "chief"))
    assert {k["key"]: k["counts"]["due"] for k in body["items"]}["inspections"] == 1


def test_one_register_answers_items_counts_and_paging(app, client, stand):
    headers = bearer(app, "chief")
    status, body, _ = call(client, "GET", "/registers/inspections?limit=3", headers=headers)
    assert status == 200 and body["counts"]["due"] == 4 and body["counts"]["done_rate"] == 0.25
    assert (body["total"], body["limit"], body["next_offset"], len(body["items"])) == (4, 3, 3, 3)
    item = body["items"][0]
    assert item["state"] == "overdue" and item["id"] == stand["i_late"] and item["fields"]["inspection_type"] == "unannounced"
    status, body, _ = call(client, "GET", "/registers/inspections?view=enterprises&sort=missed", headers=headers)
    assert [r["id"] for r in body["items"]] == [OIL, CATERING] and body["items"][0]["counts"]["missed"] == 1
    status, body, _ = call(client, "GET", "/registers/inspections?state=overdue&type=unannounced&year=2025&quarter=1",
                           headers=headers)
    assert body["total"] == 1


def test_bad_parameters_and_unknown_registers_are_json_errors(app, client, stand):
    headers = bearer(app, "chief")
    for query, status_code in (("limit=201", 400), ("state=late", 400), ("quarter=2", 400), ("colour=red", 400),
                               ("sort=recent&view=enterprises", 400), ("overdue=maybe", 400)):
        status, body, _ = call(client, "GET", f"/registers/inspections?{query}", headers=headers)
        assert status == status_code and set(body) == {"error", "message", "details"}, query
    status, body, _ = call(client, "GET", "/registers/nope", headers=headers)
    assert status == 404 and body["error"] == "not_found"
    assert call(client, "GET", "/registers")[0] == 401


def test_an_enterprise_token_sees_its_own_enterprise_only(app, client, stand):
    headers = bearer(app, "officer_oil")
    status, body, _ = call(client, "GET", "/registers", headers=headers)
    assert "referrals" not in {k["key"] for k in body["items"]}
    status, body, _ = call(client, "GET", "/registers/inspections", headers=headers)
    assert body["counts"]["due"] == 2 and {i["enterprise_code"] for i in body["items"]} == {OIL}
    assert call(client, "GET", "/registers/referrals", headers=headers)[0] == 404
    status, body, _ = call(client, "GET", f"/registers/inspections?enterprise_code={CATERING}", headers=headers)
    assert body["total"] == 0


def test_the_openapi_document_describes_the_registers(app, client):
    status, body, _ = call(client, "GET", "/openapi.json")
    assert "/api/v1/registers" in body["paths"] or "/registers" in str(body["paths"])
    ops = {path: ops for path, ops in body["paths"].items() if path.endswith("/registers/{kind}")}
    [(path, operations)] = ops.items()
    assert {p["name"] for p in operations["get"]["parameters"]} >= {"kind", "year", "quarter", "state", "limit"}


def test_a_register_answers_who_is_responsible_and_the_whole_list_is_bureau_only(app, client, stand):
    status, body, _ = call(client, "GET", "/registers/hazards?limit=1", headers=bearer(app, "chief"))
    who = body["responsibility"]
    assert status == 200 and who["section"]["name_zh"] == "商贸流通科" and who["duty"]["register"] == "hazards"
    assert who["leader"] == {"username": "zhaomin", "display_name": "zhaomin", "has_account": False}
    assert who["roles"] == ["bureau_inspector", "section_chief"] and who["duty"]["items"] == [4, 8, 9, 10, 11, 12]
    status, body, _ = call(client, "GET", "/responsibilities", headers=bearer(app, "chief"))
    assert status == 200 and [s["key"] for s in body["items"]] == ["trade_circulation", "general_affairs", "office"]
    assert call(client, "GET", "/responsibilities?x=1", headers=bearer(app, "chief"))[0] == 400
    status, body, _ = call(client, "GET", "/responsibilities", headers=bearer(app, "officer_oil"))
    assert status == 403 and body["error"] == "forbidden"
