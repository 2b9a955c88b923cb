"""The campaign dashboard page and its JSON series."""
from __future__ import annotations

import pytest

from tests.webui.pages_support import deploy_hazard_stand_in, get, log_in_as, start_review


def test_the_dashboard_shows_the_campaign_figures_as_text_and_json(client, people, review):
    deploy_hazard_stand_in()
    start_review(people["officer_a"], "hazard_closure", hazard_level="major", deadline="2025-03-01")
    start_review(people["officer_b"], "hazard_closure", hazard_level="major", deadline="2025-05-01")
    log_in_as(client, "chief")
    html = get(client, "/dashboard").get_data(as_text=True)
    assert 'data-kpi="major_open">2<' in html and 'data-kpi="major_loop">50%<' in html
    assert 'data-url="/dashboard/data.json"' in html and "chart.umd.min.js" in html
    data = get(client, "/dashboard/data.json").get_json()
    assert data["new_major"] == {"labels": ["2024", "2025"], "values": [0, 2], "label": "新增重大隐患"}  # every year so far
    assert data["overdue"]["labels"] == ["餐饮"] and data["overdue"]["values"] == [1]
    assert data["open_major"]["values"] == [1, 1, 0]


def test_an_enterprise_user_sees_its_own_figures_only(client, people, review):
    deploy_hazard_stand_in()
    start_review(people["officer_a"], "hazard_closure", hazard_level="major")
    start_review(people["officer_b"], "hazard_closure", hazard_level="major")
    log_in_as(client, "officer_a")
    assert get(client, "/dashboard/data.json").get_json()["new_major"]["values"] == [0, 1]


def test_the_dashboard_shows_this_months_self_checks_and_the_latest_notice_receipts(client, people, clock):
    from tests.webui.test_pages_self_checks import week_of_checks

    campaign = week_of_checks(people, clock)
    campaign.deploy("notice_acknowledgement", "notice_distribution")
    notice = campaign.start("inspector_catering", "notice_distribution", {"title": "节前检查"})
    campaign.do("inspector_catering", notice.id, "draft", title="节前检查", body="正文。", target_type="all")
    campaign.do("chief", notice.id, "approve", approval_decision="approved")
    [receipt] = [r for r in campaign.children(notice.id) if r.enterprise_code == people["officer_a"].enterprise_code]
    campaign.do("officer_a", receipt.id, "confirm_read", read_confirmed=True)

    log_in_as(client, "chief")
    html = " ".join(get(client, "/dashboard").get_data(as_text=True).split())
    assert 'data-kpi="self_checks">42%<' in html and 'data-ratio="self_checks">3/7<' in html
    assert "已完成 3 / 应自查 8 · 未按时 4 次 · 1 家企业未按时≥3次" in html
    assert 'data-kpi="notices">100%<' in html and 'data-ratio="notices">1/1<' in html  # one receipt still in time
    assert f'href="/notices/{notice.id}">通知：节前检查<' in html and 'href="/register/self-checks"' in html
    data = get(client, "/dashboard/data.json").get_json()
    assert data["self_checks"]["values"] == [3, 4, 1] and data["self_checks"]["labels"] == ["已完成", "未按时", "进行中"]
    assert (data["self_checks"]["expected"], data["self_checks"]["missed_heavy"]) == (8, 1)
    assert data["self_checks"]["rate"] == pytest.approx(3 / 7) and data["self_checks"]["from"] == "2025-03-01"
    assert (data["notices"]["confirmed"], data["notices"]["total"], data["notices"]["overdue"]) == (1, 2, 0)
    assert data["notices"]["notices"][0]["id"] == notice.id

    log_in_as(client, "officer_a")
    html = " ".join(get(client, "/dashboard?lang=en").get_data(as_text=True).split())
    assert 'data-kpi="self_checks">25%<' in html and 'data-ratio="self_checks">1/4<' in html
    assert "1 done of 4 expected · 3 missed · enterprises with 3+ missed: 1" in html
    assert 'data-kpi="referrals"' not in html and 'data-kpi="whistleblower"' not in html  # bureau registers
    assert get(client, "/dashboard/data.json").get_json()["notices"] == {"confirmed": 0, "total": 0, "overdue": 0,
                                                                          "notices": []}


def test_every_tile_shows_its_target_and_links_to_the_register_rows_behind_it(client, people, review, clock):
    from datetime import datetime, timezone
    deploy_hazard_stand_in()
    clock.set(datetime(2024, 6, 1, 2, 0, tzinfo=timezone.utc))
    start_review(people["officer_a"], "hazard_closure", hazard_level="major", deadline="2024-07-01")
    clock.set(datetime(2025, 3, 3, 1, 0, tzinfo=timezone.utc))
    start_review(people["officer_b"], "hazard_closure", hazard_level="major", deadline="2025-05-01")
    log_in_as(client, "chief")

    html = " ".join(get(client, "/dashboard?year=2025").get_data(as_text=True).split())
    assert 'data-year="2025" aria-current="page"' in html and "方案目标：2025年" in html
    assert 'data-kpi="major_loop">100%<' in html and 'data-ratio="major_loop">1/1<' in html  # the 2025 cohort
    assert 'data-met="major_loop">达标<' in html
    assert 'data-kpi="major_new">1<' in html and 'href="/registers/hazards?year=2024&amp;type=major">上年：1<' in html
    assert 'href="/registers/hazards?year=2025&amp;type=major&amp;state=open" data-state="open">期限内办理中 1<' in html
    assert 'href="/registers/inspections?year=2025&amp;type=routine&amp;risk=red,orange"' in html
    assert 'data-kpi="training">—<' in html and 'data-ratio="training">0/0<' in html  # 0 / 0: no verdict
    assert 'data-met="training"' not in html
    assert '<a href="/registers/training/coverage?year=2025">培训覆盖率</a>' in html  # people, not enrolments
    assert 'data-state="passed">考核合格人数 0<' in html

    html = " ".join(get(client, "/dashboard").get_data(as_text=True).split())
    assert 'data-year="all" aria-current="page"' in html
    assert 'data-kpi="major_loop">50%<' in html and 'data-met="major_loop">未达标<' in html  # 2024's is overdue
    assert 'href="/registers/hazards?type=major&amp;state=overdue" data-state="overdue">已逾期 1<' in html
    assert 'data-kpi="major_open">2<' in html and 'data-met="major_open">未达标<' in html
    page = get(client, "/registers/hazards?type=major&state=overdue").get_data(as_text=True)
    assert page.count('class="badge') >= 1 and "2024-07-01" in page

    data = get(client, "/dashboard/data.json?year=2025").get_json()
    assert data["year"] == 2025 and data["today"] == "2025-03-03"
    tiles = {t["key"]: t for t in data["tiles"]}
    assert list(tiles) == ["major_loop", "major_new", "major_open", "training", "self_checks", "inspections",
                           "inspections_high_risk", "drills", "referrals", "whistleblower", "notices"]
    assert {k: tiles["major_loop"][k] for k in ("numerator", "denominator", "met", "value", "url")} == {
        "numerator": 1, "denominator": 1, "met": True, "value": "100%", "url": "/registers/hazards?year=2025&type=major"}
    assert (tiles["major_new"]["numerator"], tiles["major_new"]["previous"], tiles["major_new"]["met"]) == (1, 1, False)
    assert tiles["training"]["rate"] is None and tiles["training"]["met"] is None
    assert data["plan"]["labels"][0] == "重大隐患闭环管理率" and data["plan"]["values"][0] == 100
    for key in ("loop", "new_major", "open_major", "overdue", "training", "self_checks", "notices"):
        assert key in data  # the charts' series stay as they were
