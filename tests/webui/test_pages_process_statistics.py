"""The process statistics pages: the list, the heat-map page (filters, table, slowest cases, overlay data), the
diagram it draws on and the CSV export; who may open them (both databases; tests/engine/runtime/test_step_statistics.py's
history)."""
from __future__ import annotations

import csv
import io
import json
import re

import pytest

from tests.conftest import ENT_A
from tests.engine.runtime.test_step_statistics import history  # noqa: F401 - fixture
from tests.webui.pages_support import get, log_in_as


def _overlay(html: str) -> dict:
    found = re.search(r'<script type="application/json" id="step-statistics-data">(.*?)</script>', html, re.S)
    assert found, "no overlay data"
    return json.loads(found.group(1))


def test_the_page_shows_the_table_the_overlay_data_and_the_slowest_cases(client, history):
    log_in_as(client, "chief")
    response = get(client, "/processes/review/statistics")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "案件卡在哪里：整改复核（测试）" in html and "等待认领（中位数 / P90）" in html and "逾期占比" in html
    row = html[html.index('data-step="rectify"'):]
    row = row[:row.index("</tr>")]
    assert ">整改</a>" in row and "60 分钟 / 3.4 小时" in row and "50%" in row
    overlay = _overlay(html)
    assert overlay["steps"]["rectify"]["labels"] == {"median": "3.0 小时", "p90": "3.8 小时", "overdue": "50%"}
    assert overlay["flows"]["f_fail"] == 1 and overlay["flows"]["f_to"] == 0
    slow = html[html.index('data-slowest="rectify"'):]
    assert f'href="/cases/{history["two"]}"' in slow[:slow.index("</details>")] and "仍在办理" in slow
    assert 'data-bpmn-url="/processes/review/statistics/v1.bpmn"' in html
    diagram = get(client, "/processes/review/statistics/v1.bpmn")
    assert diagram.status_code == 200 and b'id="rectify"' in diagram.data


def test_filters_keep_their_values_and_reach_the_export(client, history):
    log_in_as(client, "auditor")
    html = get(client, f"/processes/review/statistics?enterprise={ENT_A}&from=2025-01-01&to=2025-03-31").get_data(
        as_text=True)
    assert 'value="2025-01-01"' in html and f'<option value="{ENT_A}" selected>' in html
    assert f"/processes/review/statistics.csv?enterprise={ENT_A}&amp;from=2025-01-01&amp;to=2025-03-31" in html
    response = get(client, f"/processes/review/statistics.csv?enterprise={ENT_A}")
    assert response.status_code == 200 and response.data.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))
    assert rows[0][:5] == ["步骤", "元素编号", "任务数", "已完成", "办理中"] and rows[0][-3:] == ["提醒", "督办", "退回"]
    assert rows[1][:5] == ["整改", "rectify", "3", "2", "1"]


def test_process_owners_see_figures_but_no_links_to_cases_they_cannot_open(client, history):
    log_in_as(client, "owner")
    html = get(client, "/processes/review/statistics").get_data(as_text=True)
    slow = html[html.index('data-slowest="rectify"'):]
    assert f"案件 {history['two']}" in slow and 'href="/cases/' not in slow[:slow.index("</details>")]
    assert 'href="/processes/review/statistics"' in get(client, "/processes").get_data(as_text=True)


def test_the_list_links_each_process_and_the_navigation_offers_it(client, history):
    log_in_as(client, "officer_a")
    html = get(client, "/statistics").get_data(as_text=True)
    assert 'href="/processes/review/statistics"' in html and "流程统计" in html
    page = get(client, "/processes/review/statistics").get_data(as_text=True)
    assert "仅本企业案件" in page and 'id="s-industry"' not in page


@pytest.mark.parametrize("path", ["/statistics", "/processes/review/statistics", "/processes/review/statistics.csv",
                                  "/processes/review/statistics/v1.bpmn"])
def test_roles_without_statistics_get_403(client, history, path):
    log_in_as(client, "inspector_catering")
    assert get(client, path).status_code == 403


@pytest.mark.parametrize("query, status", [("from=2025-03-05&to=2025-03-01", 400), ("version=9", 404),
                                           ("enterprise=91000000000000000X", 404)])
def test_bad_filters_answer_a_clear_error_page(client, history, query, status):
    log_in_as(client, "chief")
    response = get(client, f"/processes/review/statistics?{query}")
    assert response.status_code == status
    assert get(client, "/processes/nope/statistics").status_code == 404
