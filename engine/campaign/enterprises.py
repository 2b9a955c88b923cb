"""Enterprises, the campaign's organisations: registering one by its unified social credit code, its profile
(scale, standardisation grade, benchmark flag, business days), and listing them. The runtime knows an enterprise
only as the organisation a user and a case belong to (`models.Enterprise`); what one is made of is the campaign's."""
from __future__ import annotations

from sqlalchemy import func, select

from ..runtime import audit
from ..runtime.db import unit_of_work
from ..runtime.errors import Conflict, ValidationFailed, not_found
from ..runtime.models import Enterprise, Industry
from ..runtime.views import Actor, EnterpriseView, Page
from . import business_days as business_days_rules
from . import credit_code, enterprise_fields


def _enterprise_view(e: Enterprise) -> EnterpriseView:
    return EnterpriseView(e.id, e.code, e.name, e.industry_key, e.category, e.risk_grade, e.township, e.scale,
                          e.standard_grade, bool(e.benchmark), e.business_days,
                          business_days_rules.effective(e.business_days, e.industry_key))


def add_enterprise(code: str, name: str, industry: str, *, actor: str = "system", category: str | None = None,
                   risk_grade: str | None = None, township: str | None = None, address: str | None = None,
                   check_code: bool = True, scale: str | None = None, standard_grade: str | None = None,
                   benchmark: bool = False, business_days: str | None = None) -> EnterpriseView:
    """Register an enterprise by its unified social credit code (checked), with its scale, standardisation grade
    and benchmark flag (item 17) where known, and its own business days (None: its industry's)."""
    code = code.strip().upper()
    scale, standard_grade, benchmark = _profile(scale, standard_grade, benchmark)
    business_days = _business_days(business_days)
    if check_code and not credit_code.is_valid(code):
        raise ValidationFailed(f"统一社会信用代码无效：{code}", f"Invalid unified social credit code: {code}",
                               [{"field": "code", "message_zh": "校验位不符或格式错误", "message_en": "bad format or check digit"}])
    with unit_of_work() as s:
        if s.get(Industry, industry) is None:
            raise ValidationFailed(f"行业不存在：{industry}", f"No such industry: {industry}", [{"field": "industry"}])
        if s.scalar(select(Enterprise).where(Enterprise.code == code)) is not None:
            raise Conflict(f"企业已存在：{code}", f"Enterprise already exists: {code}")
        e = Enterprise(code=code, name=name, industry_key=industry, category=category, risk_grade=risk_grade,
                       township=township, address=address, active=True, scale=scale, standard_grade=standard_grade,
                       benchmark=benchmark, business_days=business_days)
        s.add(e)
        s.flush()
        audit.record(s, "enterprise.add", actor=actor, after={"code": code, "name": name, "industry": industry,
                                                              "scale": scale, "standard_grade": standard_grade,
                                                              "benchmark": benchmark, "business_days": business_days})
        return _enterprise_view(e)


def _profile(scale: object, standard_grade: object, benchmark: object) -> tuple[str | None, str | None, bool]:
    """Scale, grade and flag as keys; ValidationFailed naming each bad one."""
    out: list[object] = []
    problems = []
    for name, parse, value in (("scale", enterprise_fields.scale, scale),
                               ("standard_grade", enterprise_fields.standard_grade, standard_grade),
                               ("benchmark", enterprise_fields.benchmark, benchmark)):
        try:
            out.append(parse(value))
        except ValueError as err:
            problems.append({"field": name, "message_zh": str(err), "message_en": f"invalid {name}: {value}"})
    if problems:
        raise ValidationFailed("规模、标准化等级或标杆企业标记无效：" + "；".join(p["message_zh"] for p in problems),
                               "Invalid scale, standardisation grade or benchmark flag", problems)
    return out[0], out[1], bool(out[2])  # type: ignore[return-value]


_UNCHANGED = "unchanged"


def _business_days(value: object) -> str | None:
    """An enterprise's own business-days rule as stored (None: follow the industry); ValidationFailed otherwise."""
    try:
        return business_days_rules.normalise(value)
    except ValueError as err:
        raise ValidationFailed(f"营业日无效：{err}", "Invalid business days: every_day, working_days or days:<1-7,…>"
                               "[;holidays]", [{"field": "business_days", "message_zh": str(err),
                                                "message_en": f"invalid business days: {value}"}]) from None


def set_enterprise_profile(code: str, *, actor: str, scale: str | None, standard_grade: str | None,
                           benchmark: bool, business_days: str | None = _UNCHANGED) -> EnterpriseView:
    """Change an enterprise's scale, standardisation grade, benchmark flag and (when given; None = follow the
    industry) its business days, audited as `enterprise.profile`."""
    scale, standard_grade, benchmark = _profile(scale, standard_grade, benchmark)
    keep = business_days == _UNCHANGED
    rule = None if keep else _business_days(business_days)
    with unit_of_work() as s:
        e = s.scalar(select(Enterprise).where(Enterprise.code == code.strip().upper()))
        if e is None:
            raise not_found("企业", "enterprise", code)
        before = {"scale": e.scale, "standard_grade": e.standard_grade, "benchmark": bool(e.benchmark),
                  "business_days": e.business_days}
        e.scale, e.standard_grade, e.benchmark = scale, standard_grade, benchmark
        if not keep:
            e.business_days = rule
        audit.record(s, "enterprise.profile", actor=actor, before={"code": e.code, **before},
                     after={"code": e.code, "scale": scale, "standard_grade": standard_grade, "benchmark": benchmark,
                            "business_days": e.business_days})
        return _enterprise_view(e)


def list_enterprises(actor: Actor | None = None, *, industry: str | None = None, limit: int = 100,
                     offset: int = 0) -> Page:
    """Enterprises visible to the actor (an enterprise user sees only its own)."""
    with unit_of_work(write=False) as s:
        stmt = select(Enterprise).order_by(Enterprise.code)
        if actor is not None and actor.enterprise_id is not None:
            stmt = stmt.where(Enterprise.id == actor.enterprise_id)
        if industry:
            stmt = stmt.where(Enterprise.industry_key == industry)
        total = s.scalar(select(func.count()).select_from(stmt.subquery())) or 0
        items = tuple(_enterprise_view(e) for e in s.scalars(stmt.limit(limit).offset(offset)))
        return Page(items, total, limit, offset)


def enterprise_profiles(codes: list[str]) -> dict[str, EnterpriseView]:
    """The enterprises of these codes by code (unknown codes left out): their scale, grade and benchmark flag."""
    with unit_of_work(write=False) as s:
        found = s.scalars(select(Enterprise).where(Enterprise.code.in_(sorted(set(codes))[:1000])))
        return {e.code: _enterprise_view(e) for e in found}
