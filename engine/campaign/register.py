"""Read-only queries for the hazard register (隐患清单) and the names that pages show.

The register lists `hazard_closure` cases the actor may see (the same scoping as
`list_instances`), with the enterprise's name and the fields of the case summary that the
major hazard list (重大事故隐患清单) shows: the five fixes (五落实) of the rectification plan, listing
supervision (挂牌督办), the report to the city safety committee office and a suspension (停产停业整顿).
Who closed it (`closed_by`: the enterprise for a self-fixed general hazard, the bureau otherwise) and when
(`closed_on`); a self-closed hazard whose sample check is pending is closed, not overdue.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import func, select

from ..runtime import access
from ..runtime.db import unit_of_work
from ..runtime.models import Enterprise, Industry, ProcessInstance, Role
from ..runtime.views import Actor, Page
from . import spot_checks  # noqa: F401 (spot_checks registers spot_check_pick, the sample rule of self-closed hazards)

HAZARD_PROCESS = "hazard_closure"
FIVE_FIXES = ("responsible_person", "measures", "funds", "deadline", "contingency_plan")
SUPERVISION = ("supervision_listed_on", "supervision_listed_by", "supervising_leader", "supervision_deadline",
               "supervision_closed_on", "committee_reported_on", "committee_document_no", "suspension_decision_no",
               "suspension_decided_on", "suspension_scope", "suspension_lifted_on")


@dataclass(frozen=True)
class NamedKey:
    """A role or an industry: its key and display names."""

    key: str
    name_zh: str
    name_en: str


@dataclass(frozen=True)
class HazardRow:
    """One hazard case as the register shows it."""

    id: int
    business_key: str | None
    title: str | None
    status: str
    enterprise_code: str | None
    enterprise_name: str | None
    industry: str | None
    hazard_level: str | None
    source: str | None
    deadline: date | None
    current_step: str | None
    started_at: datetime
    ended_at: datetime | None
    overdue: bool
    category: str | None = None
    location: str | None = None
    description: str | None = None
    responsible_person: str | None = None
    measures: str | None = None
    funds: Any = None
    contingency_plan: str | None = None
    closed_on: str | None = None
    closed_by: str | None = None  # "enterprise" (自查自改) or "bureau" (验收销号)
    spot_check_result: str | None = None  # a self-closed hazard drawn for the sample check: pending | ok | not_ok
    supervision: dict[str, str] = field(default_factory=dict)  # SUPERVISION fields the case has (empty: none)

    @property
    def five_fixes_complete(self) -> bool:
        """True when the plan names a person, measures, funds, a deadline and a contingency plan."""
        return all(v not in (None, "") for v in (self.responsible_person, self.measures, self.funds, self.deadline,
                                                 self.contingency_plan))


def list_roles() -> list[NamedKey]:
    """Every role with its Chinese and English names."""
    with unit_of_work(write=False) as s:
        return [NamedKey(r.key, r.name_zh, r.name_en) for r in s.scalars(select(Role).order_by(Role.key))]


def list_industries() -> list[NamedKey]:
    """Every industry with its Chinese and English names."""
    with unit_of_work(write=False) as s:
        return [NamedKey(i.key, i.name_zh, i.name_en) for i in s.scalars(select(Industry).order_by(Industry.key))]


def _text(summary: dict[str, Any], key: str) -> str | None:
    value = summary.get(key)
    return None if value is None else str(value)


def _row(inst: ProcessInstance, code: str | None, name: str | None, today: date) -> HazardRow:
    summary = inst.summary or {}
    overdue = (inst.status == "running" and inst.deadline is not None and inst.deadline < today
               and summary.get("self_closed") is not True)
    return HazardRow(inst.id, inst.business_key, inst.title, inst.status, code, name, inst.industry_key,
                     inst.hazard_level, inst.source, inst.deadline, inst.current_step, inst.started_at, inst.ended_at,
                     overdue, _text(summary, "category"), _text(summary, "location"), _text(summary, "description"),
                     _text(summary, "responsible_person"), _text(summary, "measures"), summary.get("funds"),
                     _text(summary, "contingency_plan"), _text(summary, "closed_on") or None,
                     _text(summary, "closed_by") or None, _text(summary, "spot_check_result") or None,
                     {k: str(summary[k]) for k in SUPERVISION if summary.get(k) not in (None, "")})


def hazard_register(actor: Actor, *, today: date, enterprise_code: str | None = None, industry: str | None = None,
                    hazard_level: str | None = None, status: str | None = None, source: str | None = None,
                    overdue: bool | None = None, limit: int = 100, offset: int = 0) -> Page:
    """Hazard cases the actor may see, filtered, the nearest deadline first (open before closed)."""
    limit = max(1, min(limit, 5000))
    with unit_of_work(write=False) as s:
        stmt = (select(ProcessInstance, Enterprise.code, Enterprise.name)
                .outerjoin(Enterprise, Enterprise.id == ProcessInstance.enterprise_id)
                .where(ProcessInstance.process_key == HAZARD_PROCESS, access.instance_clause(actor)))
        for column, value in ((Enterprise.code, enterprise_code), (ProcessInstance.industry_key, industry),
                              (ProcessInstance.hazard_level, hazard_level), (ProcessInstance.status, status),
                              (ProcessInstance.source, source)):
            if value:
                stmt = stmt.where(column == value)
        if overdue is not None:
            self_closed = ProcessInstance.summary["self_closed"].as_boolean().is_(True)
            late = (ProcessInstance.deadline < today) & (ProcessInstance.status == "running") & ~self_closed
            stmt = stmt.where(late if overdue else (~late | ProcessInstance.deadline.is_(None)))
        total = s.scalar(select(func.count()).select_from(stmt.subquery())) or 0
        order = (ProcessInstance.status != "running", ProcessInstance.deadline.is_(None), ProcessInstance.deadline,
                 ProcessInstance.id.desc())
        rows = s.execute(stmt.order_by(*order).limit(limit).offset(offset))
        return Page(tuple(_row(inst, code, name, today) for inst, code, name in rows), total, limit, offset)


def enterprise_name(code: str) -> str | None:
    """An enterprise's name by its code (None when unknown)."""
    with unit_of_work(write=False) as s:
        return s.scalar(select(Enterprise.name).where(Enterprise.code == code))


def enterprise_names(actor: Actor) -> dict[str, str]:
    """Code → name of the enterprises the actor may filter by (an enterprise user: its own)."""
    with unit_of_work(write=False) as s:
        stmt = select(Enterprise.code, Enterprise.name).order_by(Enterprise.code)
        if access.is_enterprise_user(actor):
            stmt = stmt.where(Enterprise.id == actor.enterprise_id)
        elif actor.industries and not access.sees_everything(actor):
            stmt = stmt.where(Enterprise.industry_key.in_(sorted(actor.industries)))
        return {code: name for code, name in s.execute(stmt)}
