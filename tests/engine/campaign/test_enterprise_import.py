"""Enterprise import from CSV and Excel: row-level errors, all rows or none, Chinese headers and industry names."""
from __future__ import annotations

import io

import engine
from engine.campaign import enterprise_import
from tests.conftest import ENT_A


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


def test_the_scale_grade_and_benchmark_columns_are_imported_by_their_chinese_words(people):
    data = ("统一社会信用代码,企业名称,行业,规模,标准化等级,标杆企业\n"
            "91220881MA00000013,洮南市丙餐饮店,catering,小场所,未达标,否\n"
            "91220881MA00000026,洮南市丁商场,key_commercial,规上,二级,是\n").encode("utf-8-sig")
    result = enterprise_import.import_enterprises(people["admin"], "e.csv", data)
    assert (result.created, result.errors) == (2, ())
    found = {e.code: e for e in engine.list_enterprises().items}
    assert (found["91220881MA00000013"].scale, found["91220881MA00000013"].standard_grade,
            found["91220881MA00000013"].benchmark) == ("small_venue", "none", False)
    assert (found["91220881MA00000026"].scale, found["91220881MA00000026"].standard_grade,
            found["91220881MA00000026"].benchmark) == ("above_scale", "level_2", True)


def test_a_bad_scale_grade_or_benchmark_value_is_a_clear_error_and_nothing_is_imported(people):
    data = ("统一社会信用代码,企业名称,行业,规模,标准化等级,标杆企业\n"
            "91220881MA00000013,洮南市丙餐饮店,catering,大型,一级,是\n"
            "91220881MA00000026,洮南市丁商场,key_commercial,规上,五级,也许\n").encode("utf-8-sig")
    result = enterprise_import.import_enterprises(people["admin"], "e.csv", data)
    assert result.created == 0
    assert [(e.row, e.field) for e in result.errors] == [(2, "scale"), (3, "standard_grade"), (3, "benchmark")]
    assert "规上、规下或小场所" in result.errors[0].message_zh
    assert engine.list_enterprises().total == 2


def test_an_administrator_changes_the_scale_grade_and_benchmark_flag(people):
    from engine.campaign import enterprises
    changed = enterprises.set_enterprise_profile(ENT_A, actor="admin", scale="小场所", standard_grade="三级", benchmark=True)
    assert (changed.scale, changed.standard_grade, changed.benchmark) == ("small_venue", "level_3", True)
    import pytest
    with pytest.raises(engine.ValidationFailed):
        enterprises.set_enterprise_profile(ENT_A, actor="admin", scale="huge", standard_grade=None, benchmark=False)
