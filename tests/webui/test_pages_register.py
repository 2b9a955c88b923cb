"""The hazard register: scoping, filters, the major list with the five fixes, CSV and xlsx exports."""
from __future__ import annotations

import csv
import io

import pytest

import engine
from tests.webui.pages_support import deploy_hazard_stand_in, get, log_in_as, start_review


@pytest.fixture
def hazards(people, review) -> dict[str, engine.InstanceView]:
    deploy_hazard_stand_in()
    a_major = start_review(people["officer_a"], "hazard_closure", case_title="甲重大隐患", hazard_level="major",
                           deadline="2025-03-01")
    a_general = start_review(people["officer_a"], "hazard_closure", case_title="=HYPERLINK(\"x\")", deadline="2025-04-01")
    b_major = start_review(people["officer_b"], "hazard_closure", case_title="乙重大隐患", hazard_level="major")
    start_review(people["officer_a"], "review", case_title="不是隐患流程")
    return {"a_major": a_major, "a_general": a_general, "b_major": b_major}


def rows(csv_bytes: bytes) -> list[list[str]]:
    text = csv_bytes.decode("utf-8")
    assert text.startswith("\ufeff")  # Excel reads Chinese CSV correctly only with the BOM
    return list(csv.reader(io.StringIO(text[1:])))


def test_the_register_lists_only_hazard_cases_the_user_may_see(client, hazards):
    log_in_as(client, "officer_a")
    html = get(client, "/register").get_data(as_text=True)
    assert "甲重大隐患" in html and "乙重大隐患" not in html and "不是隐患流程" not in html
    assert "共 2 件" in html and "已逾期" in html


def test_filters_narrow_the_register(client, hazards):
    log_in_as(client, "chief")
    assert "共 3 件" in get(client, "/register").get_data(as_text=True)
    html = get(client, "/register?industry=refined_oil").get_data(as_text=True)
    assert "乙重大隐患" in html and "甲重大隐患" not in html
    html = get(client, "/register?overdue=yes").get_data(as_text=True)
    assert "甲重大隐患" in html and "共 1 件" in html
    assert "共 2 件" in get(client, "/register?level=major").get_data(as_text=True)


def test_csv_export_has_the_filtered_rows_and_neutralises_formulas(client, hazards):
    log_in_as(client, "officer_a")
    response = get(client, "/register.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert "attachment; filename=hazard-register-2025-03-03.csv" == response.headers["Content-Disposition"]
    table = rows(response.get_data())
    assert table[0][:3] == ["编号", "标题", "企业"]
    titles = [r[1] for r in table[1:]]
    assert "甲重大隐患" in titles and "'=HYPERLINK(\"x\")" in titles and "乙重大隐患" not in titles


def test_the_major_list_shows_the_five_fixes_and_exports_them(client, people, hazards):
    log_in_as(client, "chief")
    html = get(client, "/register?view=major").get_data(as_text=True)
    assert "重大事故隐患清单" in html and "整改责任人" in html and "应急预案" in html
    table = rows(get(client, "/register.csv?view=major").get_data())
    assert {"整改责任人", "整改措施", "整改资金（元）", "整改期限", "应急预案"} <= set(table[0])
    assert len(table) == 3


def test_xlsx_export_opens_with_the_same_rows(client, hazards):
    openpyxl = pytest.importorskip("openpyxl")
    log_in_as(client, "chief")
    response = get(client, "/register.xlsx?level=major")
    assert response.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(response.get_data())).active
    values = list(sheet.values)
    assert values[0][1] == "标题" and {v[1] for v in values[1:]} == {"甲重大隐患", "乙重大隐患"}


def test_the_register_needs_a_login(client, hazards):
    assert get(client, "/register.csv").status_code == 302


def test_the_register_links_to_the_daily_self_check_view(client, people):
    log_in_as(client, "officer_a")
    html = get(client, "/register").get_data(as_text=True)
    assert 'href="/register/self-checks">每日自查<' in html
    assert 'href="/register/self-checks">Daily self-checks<' in get(client, "/register?lang=en").get_data(as_text=True)
