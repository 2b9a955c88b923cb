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


def _hazard_with(actor: engine.Actor, **data: object) -> None:
    """A stand-in hazard case carrying case data hazard_closure v2 sets along the way (its start form let open)."""
    engine.save_form("review_start", {**engine.get_form("review_start").schema, "additionalProperties": True}, actor="owner")
    start_review(actor, "hazard_closure", **data)


def test_the_major_list_shows_listing_supervision_and_suspension_and_exports_them(client, people, hazards):
    _hazard_with(people["officer_a"], case_title="丙挂牌重大隐患", hazard_level="major",
                 supervision_listed_on="2025-03-04", supervising_leader="王副局长", supervision_deadline="2025-04-30",
                 committee_reported_on="2025-03-05", committee_document_no="洮商安〔2025〕12号",
                 suspension_decision_no="洮商停〔2025〕3号", suspension_decided_on="2025-03-04",
                 suspension_scope="二楼后厨停止使用", suspension_lifted_on="")
    log_in_as(client, "chief")
    html = get(client, "/register?view=major").get_data(as_text=True)
    assert "挂牌督办" in html and "王副局长" in html and "洮商停〔2025〕3号" in html and "停产整顿中" in html
    table = rows(get(client, "/register.csv?view=major").get_data())
    header = table[0]
    assert {"挂牌日期", "督办领导", "报告文号", "停产停业整顿决定书文号", "解除停产停业整顿日期"} <= set(header)
    [listed] = [r for r in table[1:] if r[1] == "丙挂牌重大隐患"]
    assert listed[header.index("督办领导")] == "王副局长" and listed[header.index("解除停产停业整顿日期")] == ""
    assert listed[header.index("报告文号")] == "洮商安〔2025〕12号"


def test_the_register_shows_who_closed_a_hazard_and_its_sample_check(client, people, hazards):
    _hazard_with(people["officer_a"], case_title="丁自查自改隐患", closed_on="2025-03-02",
                 closed_by="enterprise", self_closed=True, spot_check_result="pending", deadline="2025-03-01")
    log_in_as(client, "chief")
    html = get(client, "/register").get_data(as_text=True)
    assert "企业（自查自改）" in html and "待抽查" in html
    table = rows(get(client, "/register.csv").get_data())
    header = table[0]
    [row] = [r for r in table[1:] if r[1] == "丁自查自改隐患"]
    assert (row[header.index("销号日期")], row[header.index("销号方")], row[header.index("抽查")]) == \
        ("2025-03-02", "企业（自查自改）", "待抽查")
    assert row[header.index("已逾期")] == ""  # closed by the enterprise: not overdue while the check is pending
