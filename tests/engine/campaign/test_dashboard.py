"""engine.campaign.dashboard: the campaign figures over the cases an actor may see (both databases)."""
from __future__ import annotations

from datetime import date, datetime, timezone

import engine
from engine.campaign import bootstrap, dashboard
from tests.conftest import ENT_A, ENT_B
from tests.webui.pages_support import DATA, deploy_hazard_stand_in, start_review

TODAY = date(2025, 3, 3)


def test_an_empty_campaign_counts_nothing(people):
    figures = dashboard.campaign_figures(people["chief"], today=TODAY)
    assert (figures.overdue_by_industry, figures.training, figures.notice_receipts) == ((), (), ())


def test_overdue_hazard_cases_per_industry(people, review, clock):
    deploy_hazard_stand_in()
    clock.set(datetime(2024, 6, 1, 2, 0, tzinfo=timezone.utc))
    old = start_review(people["officer_a"], "hazard_closure", hazard_level="major", deadline="2024-07-01")
    clock.set(datetime(2025, 3, 3, 1, 0, tzinfo=timezone.utc))
    start_review(people["officer_a"], "hazard_closure", hazard_level="major", deadline="2025-03-01")
    start_review(people["officer_b"], "hazard_closure", hazard_level="major")  # no deadline: never overdue
    start_review(people["officer_b"], "hazard_closure", hazard_level="general", deadline="2025-01-01")
    rectify = engine.complete_task(people["officer_a"], old.open_tasks[0].id, {"measures": "已整改"})
    engine.complete_task(people["inspector_catering"], rectify.open_tasks[0].id, {"result": "pass"})
    f = dashboard.campaign_figures(people["chief"], today=TODAY)
    assert f.overdue_by_industry == (("catering", 1), ("refined_oil", 1))  # the closed 2024 one is not overdue
    mine = dashboard.campaign_figures(people["officer_b"], today=TODAY)
    assert mine.overdue_by_industry == (("refined_oil", 1),)


def test_a_hazard_counts_in_the_year_it_was_found():
    from types import SimpleNamespace

    from engine.campaign import metrics
    started = datetime(2025, 1, 5, tzinfo=timezone.utc)
    assert metrics.found_year(SimpleNamespace(summary={"found_at": "2024-12-30"}, started_at=started)) == 2024
    assert metrics.found_year(SimpleNamespace(summary={"found_at": "bad"}, started_at=started)) == 2025
    assert metrics.found_year(SimpleNamespace(summary=None, started_at=started)) == 2025


def test_this_months_self_checks_and_the_latest_notice_receipts(people, clock):
    from tests.processes.campaign_support import Campaign
    from tests.processes.test_periodic_duties import DAILY

    campaign = Campaign(clock, actors=people)
    campaign.deploy("daily_self_check", "notice_acknowledgement", "notice_distribution")
    checks = [campaign.start("admin", "daily_self_check", {"enterprise_code": code, "case_title": "自查",
                                                           "deadline": "2025-03-03"}) for code in (ENT_A, ENT_A, ENT_B)]
    campaign.do("officer_a", checks[0].id, "self_check", checked_by="安全员", **DAILY, findings=[])
    notices = []
    for title in ("第一份通知", "第二份通知"):
        case = campaign.start("inspector_catering", "notice_distribution", {"title": title})
        campaign.do("inspector_catering", case.id, "draft", title=title, body="正文。", target_type="all")
        notices.append(campaign.do("chief", case.id, "approve", approval_decision="approved"))
        campaign.advance(minutes=1)
    receipt = {r.enterprise_code: r for r in campaign.children(notices[0].id, "notice_acknowledgement")}[ENT_A]
    campaign.do("officer_a", receipt.id, "confirm_read", read_confirmed=True)

    f = dashboard.campaign_figures(people["chief"], today=TODAY)
    assert (f.self_check.expected, f.self_check.done, f.self_check.missed, f.self_check.open) == (3, 1, 0, 2)
    assert [n.title for n in f.notice_receipts] == ["通知：第二份通知", "通知：第一份通知"]  # the newest first
    assert (f.notices_confirmed, f.notices_sent, f.notices_overdue) == (1, 4, 0)
    assert [n.notice_id for n in dashboard.campaign_figures(people["chief"], today=TODAY, recent_notices=1)
            .notice_receipts] == [notices[1].id]

    campaign.go_to("2025-03-10T10:00")  # three working days have passed: the unconfirmed receipts are overdue
    f = dashboard.campaign_figures(people["chief"], today=date(2025, 3, 10))
    assert (f.notices_confirmed, f.notices_sent, f.notices_overdue) == (1, 4, 3)
    assert (f.self_check.done, f.self_check.missed, f.self_check.open, f.self_check.missed_heavy) == (1, 2, 0, 0)
    mine = dashboard.campaign_figures(people["officer_a"], today=date(2025, 3, 10))
    assert mine.notice_receipts == () and (mine.self_check.expected, mine.self_check.missed) == (2, 1)
