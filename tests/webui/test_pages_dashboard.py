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
    assert 'data-kpi="self_checks">43%<' in html and 'data-ratio="self_checks">3/7<' in html
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
