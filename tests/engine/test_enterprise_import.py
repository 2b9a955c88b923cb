"""Enterprise import from CSV and Excel: row-level errors, all rows or none, Chinese headers and industry names."""
from __future__ import annotations

import io

import engine
from tests.conftest import ENT_A
from engine import enterprise_import


def test_enterprise_csv_import_reports_every_bad_row_and_imports_nothing(people):
    data = ("统一社会信用代码,企业名称,行业\n"
            "91220881MA00000013,洮南市丙餐饮店,catering\n"
            "12345,坏代码,catering\n"
            f"{ENT_A},重复,catering\n"
            "91220881MA00000026,,nowhere\n").encode("utf-8-sig")
    result = enterprise_import.import_enterprises(people["admin"], "e.csv", data)
    assert result.created == 0
    assert [(e.row, e.field) for e in result.errors] == [(3, "code"), (4, "code"), (5, "name"), (5, "industry")]
    assert engine.list_enterprises().total == 2


def test_enterprise_xlsx_import_accepts_industry_names(people):
    from openpyxl import Workbook
    book = Workbook()
    sheet = book.active
    sheet.append(["code", "name", "industry", "township"])
    sheet.append(["91220881MA00000013", "洮南市丙餐饮店", "餐饮", "团结街道"])
    out = io.BytesIO()
    book.save(out)
    result = enterprise_import.import_enterprises(people["admin"], "e.xlsx", out.getvalue())
    assert (result.created, result.errors) == (1, ())
    assert "91220881MA00000013" in {e.code for e in engine.list_enterprises().items}
