"""Training coverage as the plan counts it: people, not enterprises (seed items 5, 6, 7, 13).

Who must be trained in a year, by the enterprise's industry and the people of its staff register (`engine.campaign.staff`):

| year rule | posts required |
|---|---|
| the industry's calendar year (2024 catering, complexes, key commercial; 2025 refined oil, recycling, scrap vehicles) | principal (item 5) and every safety manager (item 13) |
| 2026, grain storage and processing | principal, safety managers, deputies in charge and key-post staff (item 5) |
| small venues (scale or category 小场所), any year until covered | the principal only (item 7); a venue whose principal has passed once is covered and is not required again |

A small venue counts on its own line, never in its industry. Each person is *enrolled* (已报名: named on the year's
`training_enrolment` case), *trained* (attended a session) and *passed* (考核合格) — read from the case columns
`enrolled_ids`, `attended_ids` and `passed_ids` that the enrolment diagram keeps. Counted in Python: a year has at most
a few thousand enrolment cases, and the people of a county's enterprises fit in memory many times over.
Scoped like the registers: an enterprise user counts its own people, bureau staff the industries they cover.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..runtime import access
from ..runtime.db import unit_of_work
from ..runtime.models import Enterprise, EnterprisePerson, Industry
from ..runtime.models import ProcessInstance as Case
from ..runtime.views import Actor, Page
from .staff import POSTS

TRAINING_PROCESS = "training_enrolment"
SMALL_VENUE = "small_venue"
CORE_POSTS = ("principal", "safety_manager")
ALL_POSTS_YEAR = 2026  # item 5: in 2026 grain enterprises train deputies in charge and key-post staff as well

__all__ = ["Figures", "CoverageLine", "Coverage", "PersonTraining", "required_posts", "coverage", "required_figures",
           "required_by_line", "people",
           "covered_small_venues", "is_small_venue"]


@dataclass(frozen=True)
class Figures:
    """People required, enrolled (已报名), trained (attended) and passed (考核合格)."""

    required: int = 0
    enrolled: int = 0
    trained: int = 0
    passed: int = 0

    @property
    def rate(self) -> float | None:
        """passed ÷ required, 0–1 (None when nobody is required)."""
        return self.passed / self.required if self.required else None

    def __add__(self, other: Figures) -> Figures:
        return Figures(self.required + other.required, self.enrolled + other.enrolled, self.trained + other.trained,
                       self.passed + other.passed)


@dataclass(frozen=True)
class CoverageLine:
    """One line of the coverage table: an industry, the small venues, or the total; with the figures per post."""

    key: str
    figures: Figures
    by_post: dict[str, Figures] = field(default_factory=dict)


@dataclass(frozen=True)
class Coverage:
    """A year's coverage: per industry and in total (small venues apart), and the small venues' own line."""

    year: int
    industries: tuple[CoverageLine, ...]
    total: CoverageLine
    small_venues: CoverageLine
    small_venues_all: int  # small-venue principals in the register
    small_venues_covered: int  # of them, passed in this year or before (item 7: all by the end of 2026)
    without_principal: int  # enterprises required this year that list no principal in their staff register


@dataclass(frozen=True)
class PersonTraining:
    """One person's standing in a year."""

    person_id: int
    name: str
    post: str
    enterprise_code: str
    enterprise_name: str
    industry: str
    line: str  # the industry key, or "small_venue"
    required: bool
    enrolled: bool
    trained: bool
    passed: bool


def is_small_venue(ent: Enterprise) -> bool:
    """A small venue (小场所) by scale or by category."""
    return ent.scale == SMALL_VENUE or ent.category == SMALL_VENUE


def required_posts(training_year: int | None, year: int, *, small_venue: bool, covered: bool = False) -> tuple[str, ...]:
    """The posts an enterprise must have trained in `year` (see the module table)."""
    if small_venue:
        return () if covered else ("principal",)
    if training_year != year:
        return ()
    return POSTS if year == ALL_POSTS_YEAR else CORE_POSTS


# ------------------------------------------------------------------ reading
@dataclass
class _Results:
    enrolled: set[int] = field(default_factory=set)
    trained: set[int] = field(default_factory=set)
    passed: set[int] = field(default_factory=set)
    passed_before: set[int] = field(default_factory=set)
    trained_enterprises_before: set[int] = field(default_factory=set)  # old diagram: a whole enterprise passed


def _ids(value: Any) -> set[int]:
    return {int(v) for v in value if isinstance(v, (int, str)) and str(v).isdigit()} if isinstance(value, list) else set()


def _results(s: Session, actor: Actor, year: int) -> _Results:
    out = _Results()
    found = s.execute(select(Case.enterprise_id, Case.summary, Case.status)
                      .where(Case.process_key == TRAINING_PROCESS, Case.status != "terminated",
                             access.instance_clause(actor)))
    for enterprise_id, summary, status in found:
        summary = summary or {}
        case_year = summary.get("year")
        if not isinstance(case_year, int) or case_year > year:
            continue
        if case_year < year:
            out.passed_before |= _ids(summary.get("passed_ids"))
            if status == "completed" and summary.get("trained") is True and "passed_ids" not in summary:
                out.trained_enterprises_before.add(enterprise_id)  # version 1: the principal passed
            continue
        out.enrolled |= _ids(summary.get("enrolled_ids"))
        out.trained |= _ids(summary.get("attended_ids"))
        out.passed |= _ids(summary.get("passed_ids"))
    return out


def _enterprises(s: Session, actor: Actor) -> list[tuple[Enterprise, int | None]]:
    stmt = (select(Enterprise, Industry.training_year).join(Industry, Industry.key == Enterprise.industry_key)
            .where(Enterprise.active.is_(True)).order_by(Enterprise.code))
    if access.is_enterprise_user(actor):
        stmt = stmt.where(Enterprise.id == actor.enterprise_id)
    elif actor.industries and not access.sees_everything(actor):
        stmt = stmt.where(Enterprise.industry_key.in_(sorted(actor.industries)))
    return [(e, year) for e, year in s.execute(stmt)]


def _standings(s: Session, actor: Actor, year: int) -> tuple[list[PersonTraining], int, int, int]:
    """Every person of the visible enterprises with their standing; small venues (all, covered); enterprises
    required this year without a principal."""
    results = _results(s, actor, year)
    enterprises = _enterprises(s, actor)
    staff: dict[int, list[EnterprisePerson]] = defaultdict(list)
    ids = [e.id for e, _ in enterprises]
    for chunk in range(0, len(ids), 1000):
        for p in s.scalars(select(EnterprisePerson).where(EnterprisePerson.enterprise_id.in_(ids[chunk:chunk + 1000]),
                                                          EnterprisePerson.active.is_(True))):
            staff[p.enterprise_id].append(p)
    rows: list[PersonTraining] = []
    venues = venues_covered = without_principal = 0
    for ent, training_year in enterprises:
        small = is_small_venue(ent)
        principals = {p.id for p in staff[ent.id] if p.post == "principal"}
        covered_before = bool(principals & results.passed_before) or ent.id in results.trained_enterprises_before
        posts = required_posts(training_year, year, small_venue=small, covered=covered_before)
        if small and principals:
            venues += 1
            venues_covered += covered_before or bool(principals & results.passed)
        if posts and not principals:
            without_principal += 1
        for p in sorted(staff[ent.id], key=lambda p: (POSTS.index(p.post) if p.post in POSTS else 9, p.name, p.id)):
            rows.append(PersonTraining(p.id, p.name, p.post, ent.code, ent.name, ent.industry_key,
                                       SMALL_VENUE if small else ent.industry_key, p.post in posts,
                                       p.id in results.enrolled, p.id in results.trained, p.id in results.passed))
    return rows, venues, venues_covered, without_principal


def _figures(rows: list[PersonTraining]) -> Figures:
    """Required people, and of all people those enrolled, trained and passed this year."""
    return Figures(sum(r.required for r in rows), sum(r.enrolled for r in rows), sum(r.trained for r in rows),
                   sum(r.passed for r in rows))


def _line(key: str, rows: list[PersonTraining]) -> CoverageLine:
    return CoverageLine(key, _figures(rows), {post: _figures([r for r in rows if r.post == post]) for post in POSTS})


# ------------------------------------------------------------------ queries
def coverage(actor: Actor, year: int) -> Coverage:
    """The year's coverage in people: per industry, the total (small venues apart) and the small venues' line."""
    with unit_of_work(write=False) as s:
        rows, venues, covered, without = _standings(s, actor, year)
    counted = [r for r in rows if r.required or r.enrolled]
    by_industry: dict[str, list[PersonTraining]] = defaultdict(list)
    for r in counted:
        if r.line != SMALL_VENUE:
            by_industry[r.line].append(r)
    industries = tuple(_line(key, by_industry[key]) for key in sorted(by_industry))
    return Coverage(year, industries, _line("total", [r for r in counted if r.line != SMALL_VENUE]),
                    _line(SMALL_VENUE, [r for r in counted if r.line == SMALL_VENUE]), venues, covered, without)


def required_by_line(actor: Actor, year: int) -> dict[str, Figures]:
    """Per industry (and `small_venue`), the people the year requires and of them those enrolled, trained and
    passed — lines that require nobody left out."""
    with unit_of_work(write=False) as s:
        rows, _, _, _ = _standings(s, actor, year)
    lines: dict[str, list[PersonTraining]] = defaultdict(list)
    for r in rows:
        if r.required:
            lines[r.line].append(r)
    return {key: _figures(lines[key]) for key in sorted(lines)}


def required_figures(actor: Actor, year: int) -> Figures:
    """The people the year requires (industries and small venues together), and of them those enrolled, trained and
    passed: the dashboard's training tile (passed ÷ required)."""
    return sum(required_by_line(actor, year).values(), Figures())


def people(actor: Actor, year: int, *, industry: str | None = None, enterprise_code: str | None = None,
           only_required: bool = True, limit: int = 50, offset: int = 0) -> Page:
    """The people of the year's training (required or enrolled, by default), enterprise by enterprise; ≤ 200 a page."""
    with unit_of_work(write=False) as s:
        rows, _, _, _ = _standings(s, actor, year)
    chosen = [r for r in rows if (not only_required or r.required or r.enrolled)
              and (not industry or r.line == industry) and (not enterprise_code or r.enterprise_code == enterprise_code)]
    limit, offset = max(1, min(limit, 200)), max(0, offset)
    return Page(tuple(chosen[offset:offset + limit]), len(chosen), limit, offset)


def covered_small_venues(s: Session, before_year: int) -> set[str]:
    """Codes of the small venues whose principal passed before `before_year` (the rollout does not enrol them again)."""
    from ..runtime.views import SYSTEM
    results = _results(s, SYSTEM, before_year)
    principals: dict[int, set[int]] = defaultdict(set)
    for enterprise_id, person_id in s.execute(select(EnterprisePerson.enterprise_id, EnterprisePerson.id)
                                              .where(EnterprisePerson.post == "principal")):
        principals[enterprise_id].add(person_id)
    return {ent.code for ent, _ in _enterprises(s, SYSTEM) if is_small_venue(ent)
            and (principals[ent.id] & results.passed_before or ent.id in results.trained_enterprises_before)}
