"""The register pages (/registers, /registers/<kind>, /my-enterprise) and their CSV and Excel exports.

The cases are the hand-counted stand of tests/engine/campaign/test_registers.py (seen on 2025-03-03).
"""
from __future__ import annotations

import csv
import io

from openpyxl import load_workbook

from tests.engine.campaign.test_registers import EXPECTED, campaign, stand  # noqa: F401 - fixtures
from tests.processes.campaign_support import CATERING, OIL
from tests.webui.pages_support import get, log_in_as

ITEM_HEADER = ["编号", "标题", "企业", "统一社会信用代码", "行业", "乡镇街道", "办理情况", "当前环节", "截止日期", "发起时间",
               "结束时间", "周期", "检查方式", "检查日期", "发现隐患数", "严重违法违规"]


def flat(html: str) -> str:
    return " ".join(html.split())


def test_the_list_of_registers_shows_every_kind_with_its_counts(client, stand):
    log_in_as(client, "chief")
    html = flat(get(client, "/registers").get_data(as_text=True))
    for key, (due, _open, overdue, _done, _missed) in EXPECTED.items():
        block = html[html.index(f'data-kind="{key}"'):]
        assert f'data-count="due">{due}<' in block[:2000] and f'data-count="overdue">{overdue}<' in block[:2000]
    assert "行业安全检查台账" in html and "举报受理台账" in html and 'href="/registers/inspections"' in html
    assert 'href="/registers"' in html  # in the navigation


def test_one_register_lists_items_linked_to_their_cases_and_filters(client, stand):
    log_in_as(client, "chief")
    html = flat(get(client, "/registers/inspections").get_data(as_text=True))
    assert 'data-count="due">4<' in html and html.count('data-state="') == 4
    assert f'href="/cases/{stand["i_late"]}"' in html and "已逾期" in html and "四不两直" in html
    html = flat(get(client, "/registers/inspections?year=2025&state=overdue").get_data(as_text=True))
    assert html.count('data-state="overdue"') == 1 and html.count('data-state="') == 1
    html = flat(get(client, "/registers/inspections?view=enterprises").get_data(as_text=True))
    assert html.index(f'data-enterprise="{CATERING}"') < html.index(f'data-enterprise="{OIL}"')
    assert f'href="/registers/enterprises/{OIL}"' in html
    assert get(client, "/registers/nope").status_code == 404
    assert get(client, "/registers/inspections?quarter=2").status_code == 400


def test_an_enterprise_user_sees_its_own_items_and_its_duties(client, stand):
    log_in_as(client, "officer_oil")
    html = flat(get(client, "/registers").get_data(as_text=True))
    assert 'data-kind="referrals"' not in html and 'data-kind="whistleblower"' not in html
    assert 'href="/my-enterprise"' in html
    html = flat(get(client, "/registers/inspections").get_data(as_text=True))
    assert 'data-count="due">2<' in html and CATERING not in html
    assert get(client, "/registers/referrals").status_code == 404
    html = flat(get(client, "/my-enterprise").get_data(as_text=True))
    assert "东升油品储运" in html and 'data-state="overdue"' in html and "主要负责人季度排查台账" in html
    assert get(client, f"/registers/enterprises/{CATERING}").status_code == 404


def test_the_csv_export_has_chinese_headers_names_and_every_row(client, stand):
    log_in_as(client, "chief")
    response = get(client, "/registers/inspections.csv", buffered=True)
    assert response.status_code == 200 and response.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    assert rows[0] == ITEM_HEADER and len(rows) == 5
    late = next(r for r in rows if r[0] == str(stand["i_late"]))
    assert late[4] == "餐饮" and late[6] == "已逾期" and "四不两直" in late[12] and "unannounced" not in late
    by_enterprise = list(csv.reader(io.StringIO(get(client, "/registers/inspections.csv?view=enterprises", buffered=True)
                                                .get_data(as_text=True).lstrip("\ufeff"))))
    assert by_enterprise[0][:5] == ["企业", "统一社会信用代码", "行业", "乡镇街道", "应办"] and len(by_enterprise) == 3


def test_the_excel_export_has_the_same_table(client, stand):
    log_in_as(client, "chief")
    response = get(client, "/registers/self_checks.xlsx?year=2025&month=3")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.get_data())).active
    values = [list(r) for r in sheet.iter_rows(values_only=True)]
    assert values[0][:7] == ITEM_HEADER[:7] and values[0][-1] == "发现隐患数" and len(values) == 4
    assert sorted(r[6] for r in values[1:]) == sorted(["已办结", "未完成", "办理中"])


def test_each_register_names_who_answers_for_it_and_the_list_is_for_bureau_staff(client, stand):
    import engine
    engine.add_user("zhaomin", roles=["deputy_director"], display_name="赵敏")
    log_in_as(client, "chief")
    html = flat(get(client, "/registers/self_checks").get_data(as_text=True))
    line = html[html.index('data-responsibility="self_checks"'):][:1200]
    assert '责任科室： <strong data-section="trade_circulation">商贸流通科</strong>' in line
    assert "分管领导： <strong>赵敏</strong>" in line and ('责任人： <span translate="no" data-no-account>zhangwei</span>（尚未开通账号）、'
                                                      '<span translate="no" data-no-account>lina</span>（尚未开通账号）') in line
    assert 'href="/responsibilities"' in line
    html = flat(get(client, "/registers/whistleblower").get_data(as_text=True))
    assert 'data-section="general_affairs">综合科<' in html and "huangli</span>（尚未开通账号） (举报受理人员)" in html
    html = flat(get(client, "/responsibilities").get_data(as_text=True))
    assert html.count("data-section=") == 3 and html.count("data-duty=") == 13
    assert 'href="/registers/drills"' in html and "干部理论学习与党组会议题" in html and "<td>1, 21</td>" in html
    log_in_as(client, "officer_oil")  # an enterprise sees who answers for its register, not the bureau's list
    html = flat(get(client, "/registers/inspections").get_data(as_text=True))
    assert 'data-responsibility="inspections"' in html and 'href="/responsibilities"' not in html
    response = get(client, "/responsibilities")
    assert response.status_code == 403 and "权责清单仅供局内人员查看" in response.get_data(as_text=True)
