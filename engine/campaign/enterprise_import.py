"""Import enterprises from CSV or Excel: every row checked first, then all rows or none.

Row numbers are the spreadsheet's (row 1 is the header, row 2 the first enterprise), so an
administrator can find and fix each bad row. Only administrators import; the import is audited.
"""
from __future__ import annotations

import csv
import io
from dataclasses import dataclass

from sqlalchemy import select

from ..runtime import audit
from ..runtime.admin_rights import require_admin
from ..runtime.db import unit_of_work
from ..runtime.errors import ValidationFailed
from ..runtime.models import Enterprise, Industry
from ..runtime.views import Actor
from . import business_days, enterprise_fields


@dataclass(frozen=True)
class RowError:
    row: int
    field: str
    message_zh: str
    message_en: str


@dataclass(frozen=True)
class ImportResult:
    created: int
    errors: tuple[RowError, ...]


IMPORT_FIELDS = ("code", "name", "industry", "category", "risk_grade", "township", "address", "scale",
                 "standard_grade", "benchmark", "business_days")
HEADER_ALIASES = {"统一社会信用代码": "code", "信用代码": "code", "企业名称": "name", "名称": "name", "行业": "industry",
                  "类别": "category", "风险等级": "risk_grade", "乡镇": "township", "乡镇街道": "township", "地址": "address",
                  "规模": "scale", "企业规模": "scale", "标准化等级": "standard_grade", "安全生产标准化等级": "standard_grade",
                  "标杆企业": "benchmark", "是否标杆企业": "benchmark", "营业日": "business_days",
                  "营业时间": "business_days"}


def read_table(filename: str, data: bytes, aliases: dict[str, str] | None = None) -> list[dict[str, str]]:
    """The rows of a CSV (UTF-8, with or without BOM, or GBK) or .xlsx file as dicts keyed by our field names
    (Chinese headers mapped by `aliases`, by default the enterprise columns)."""
    aliases = HEADER_ALIASES if aliases is None else aliases
    if filename.lower().endswith(".xlsx"):
        rows = _xlsx_rows(data)
    else:
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            text = data.decode("gbk", errors="replace")  # Excel on Chinese Windows saves CSV as GBK
        rows = [list(r) for r in csv.reader(io.StringIO(text))]
    if not rows:
        return []
    header = [aliases.get(h.strip(), h.strip().lower()) for h in rows[0]]
    return [dict(zip(header, (c.strip() for c in r))) for r in rows[1:] if any(c.strip() for c in r)]


def _xlsx_rows(data: bytes) -> list[list[str]]:
    from openpyxl import load_workbook  # only needed for Excel uploads
    try:
        sheet = load_workbook(io.BytesIO(data), read_only=True, data_only=True).worksheets[0]
    except Exception as err:  # noqa: BLE001 - any unreadable workbook is the uploader's problem
        raise ValidationFailed("无法读取 Excel 文件", "The Excel file could not be read", [{"field": "file"}]) from err
    return [["" if c is None else str(c) for c in row] for row in sheet.iter_rows(values_only=True)]


def _row_errors(index: int, row: dict[str, str], industries: set[str], seen: set[str], existing: set[str]) -> list[RowError]:
    from . import credit_code
    code = row.get("code", "").upper()
    errors = []
    if not credit_code.is_valid(code):
        errors.append(RowError(index, "code", "统一社会信用代码无效（格式或校验位）", "invalid unified social credit code"))
    elif code in existing or code in seen:
        errors.append(RowError(index, "code", "企业已存在或重复", "enterprise already exists or is repeated"))
    if not row.get("name"):
        errors.append(RowError(index, "name", "企业名称不能为空", "the name is empty"))
    if row.get("industry") not in industries:
        errors.append(RowError(index, "industry", f"行业不存在：{row.get('industry', '')}",
                               f"no such industry: {row.get('industry', '')}"))
    seen.add(code)
    return errors + _profile_errors(index, row)


def _profile_errors(index: int, row: dict[str, str]) -> list[RowError]:
    """Scale, standardisation grade, benchmark flag and business days (每天营业 / 工作日营业 / weekdays such as
    周一至周六 with an optional 节假日营业; blank = the industry's): each cell turned into its key in place, or an error."""
    errors = []
    for name, label, parse in (("scale", "规模", enterprise_fields.scale),
                               ("standard_grade", "标准化等级", enterprise_fields.standard_grade),
                               ("benchmark", "标杆企业", enterprise_fields.benchmark),
                               ("business_days", "营业日", business_days.normalise)):
        try:
            row[name] = parse(row.get(name, ""))  # type: ignore[assignment]
        except ValueError as err:
            errors.append(RowError(index, name, f"{label}无效：{row.get(name)}（{err}）",
                                   f"invalid {name.replace('_', ' ')}: {row.get(name)}"))
    return errors


def import_enterprises(actor: Actor, filename: str, data: bytes) -> ImportResult:
    """Import enterprises from CSV/xlsx: all rows or none; the result lists every bad row (row 2 = first data row)."""
    require_admin(actor)
    rows = read_table(filename, data)
    with unit_of_work() as s:
        industries = set(s.scalars(select(Industry.key)))
        names = {i.name_zh: i.key for i in s.scalars(select(Industry))}
        existing = set(s.scalars(select(Enterprise.code)))
        seen: set[str] = set()
        errors: list[RowError] = []
        for index, row in enumerate(rows, start=2):
            row["industry"] = names.get(row.get("industry", ""), row.get("industry", ""))
            errors += _row_errors(index, row, industries, seen, existing)
        if errors or not rows:
            return ImportResult(0, tuple(errors) or (RowError(1, "file", "文件中没有数据行", "the file has no data rows"),))
        for row in rows:
            s.add(Enterprise(code=row["code"].upper(), name=row["name"], industry_key=row["industry"],
                             category=row.get("category") or None, risk_grade=row.get("risk_grade") or None,
                             township=row.get("township") or None, address=row.get("address") or None, active=True,
                             scale=row.get("scale"), standard_grade=row.get("standard_grade"),
                             benchmark=bool(row.get("benchmark")), business_days=row.get("business_days")))
        audit.record(s, "enterprise.import", actor=actor.username,
                     after={"file": filename, "count": len(rows), "codes": [r["code"].upper() for r in rows][:1000]})
        return ImportResult(len(rows), ())
