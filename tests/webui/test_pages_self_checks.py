"""The daily self-check view of the register (/register/self-checks): figures per enterprise, sorting, CSV."""
from __future__ import annotations

import csv
import io

import pytest

from tests.conftest import ENT_A, ENT_B
from tests.processes.campaign_support import Campaign
from tests.processes.test_periodic_duties import DAILY
from tests.webui.pages_support import get, log_in_as

DAYS = ("2025-03-03", "2025-03-04", "2025-03-05", "2025-03-06")


def week_of_checks(people, clock) -> Campaign:  # noqa: ANN001 - fixtures
    """Seen on Thursday 2025-03-06 at 12:00. A: missed Mon–Wed, done Thu. B: done Mon–Tue, missed Wed, Thu open."""
    campaign = Campaign(clock, actors=people)
    campaign.deploy("daily_self_check")
    done = {(ENT_A, "2025-03-06"), (ENT_B, "2025-03-03"), (ENT_B, "2025-03-04")}
    for code in (ENT_A, ENT_B):
        for day in DAYS:
            case = campaign.start("admin", "daily_self_check",
                                  {"enterprise_code": code, "case_title": f"{day} 每日安全自查", "deadline": day})
            if (code, day) in done:
                officer = "officer_a" if code == ENT_A else "officer_b"
                campaign.do(officer, case.id, "self_check", checked_by="安全员", **DAILY, findings=[])
    campaign.go_to("2025-03-06T12:00")
    return campaign


@pytest.fixture
def week(people, clock) -> Campaign:
    return week_of_checks(people, clock)


def flat(html: str) -> str:
    return " ".join(html.split())


def test_bureau_staff_see_every_enterprise_with_the_missed_heavy_first_and_marked(client, week):
    log_in_as(client, "chief")
    html = flat(get(client, "/register/self-checks").get_data(as_text=True))
    assert "每日自查情况" in html and "统计期间 2025-03-01 – 2025-03-06" in html
    for key, value in (("expected", 8), ("done", 3), ("missed", 4), ("open", 1), ("rate", "43%"), ("heavy", 1)):
        assert f'data-count="{key}">{value}<' in html
    assert html.index(f'data-enterprise="{ENT_A}"') < html.index(f'data-enterprise="{ENT_B}"')
    assert f'data-enterprise="{ENT_A}" class="is-overdue" data-heavy' in html and html.count("多次未按时自查") == 1
    assert "洮南市甲餐饮有限公司" in html and "2025-03-06" in html and "25%" in html and "67%" in html
    assert 'aria-sort="descending"' in html


def test_the_view_sorts_by_rate_or_enterprise_and_speaks_english(client, week):
    log_in_as(client, "chief")
    html = get(client, "/register/self-checks?sort=enterprise&lang=en").get_data(as_text=True)
    assert html.index(ENT_A) < html.index(ENT_B) and "Daily self-checks" in html and "Missed 3+ times" in html
    assert "sort=rate" in html  # the column headers link to the other orders
    html = get(client, "/register/self-checks?sort=rate").get_data(as_text=True)
    assert html.index(f'data-enterprise="{ENT_A}"') < html.index(f'data-enterprise="{ENT_B}"')


def test_an_enterprise_user_sees_its_own_row_only(client, week):
    log_in_as(client, "officer_b")
    html = flat(get(client, "/register/self-checks").get_data(as_text=True))
    assert f'data-enterprise="{ENT_B}"' in html and ENT_A not in html
    assert 'data-count="expected">4<' in html and 'data-count="heavy">0<' in html


def test_the_csv_has_one_row_per_enterprise(client, week):
    log_in_as(client, "chief")
    response = get(client, "/register/self-checks.csv?sort=enterprise")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"] == "attachment; filename=self-checks-2025-03-01-2025-03-06.csv"
    text = response.get_data(as_text=True)
    assert text.startswith("\ufeff")
    table = list(csv.reader(io.StringIO(text[1:])))
    assert table[0] == ["统一社会信用代码", "企业", "行业", "应自查", "已完成", "未按时", "进行中", "完成率", "最近完成",
                        "自查发现隐患"]
    assert table[1] == [ENT_A, "洮南市甲餐饮有限公司", "餐饮", "4", "1", "3", "0", "25%", "2025-03-06", "0"]
    assert table[2][0] == ENT_B and table[2][3:8] == ["4", "2", "1", "1", "67%"]


def test_the_window_is_chosen_by_month_or_dates_and_bad_ones_are_explained(client, week):
    log_in_as(client, "chief")
    html = get(client, "/register/self-checks?month=2025-02").get_data(as_text=True)
    assert "此期间没有自查事项" in html and 'value="2025-02"' in html
    html = flat(get(client, "/register/self-checks?from=2025-03-05&to=2025-03-05").get_data(as_text=True))
    assert 'data-count="expected">2<' in html and 'data-count="missed">2<' in html
    assert get(client, "/register/self-checks?month=2025-13").status_code == 400
    response = get(client, "/register/self-checks?from=2025-03-06&to=2025-03-01&lang=en")
    assert response.status_code == 400 and "swap them" in response.get_data(as_text=True)


def test_the_view_needs_a_login(client, week):
    assert get(client, "/register/self-checks").status_code == 302
    assert get(client, "/register/self-checks.csv").status_code == 302
