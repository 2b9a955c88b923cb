"""Registers (台账) for every campaign duty: items, totals and per-enterprise counts, from the case columns.

One module answers every register kind (`register_kinds.KINDS`): the pages, the API, the exports — and later the
dashboard and the quarterly report — read the same `counts`, so a figure means the same thing everywhere.
Scoped like `list_instances` (`access.instance_clause`): an enterprise user sees its own enterprise's items only.
Counted in SQL: a year of daily self-checks for a county is hundreds of thousands of cases.
"""
from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Integer, and_, case, exists, false, func, or_, select
from sqlalchemy.orm import Session

from ..runtime import access, clock
from ..runtime.db import unit_of_work
from ..runtime.errors import BadRequest, NotFound
from ..runtime.models import Enterprise, Task
from ..runtime.models import ProcessInstance as Case
from ..runtime.views import Actor, Page
from . import self_checks
from .register_kinds import KINDS, OPEN_STATUSES, STATES, RegisterKind, get_kind
from .register_views import Counts, EnterpriseCounts, EnterpriseOverview, Filters, KindCounts, RegisterRow

MAX_LIMIT = 200  # one page of a register
MAX_EXPORT = 100_000  # rows in one export
ROW_SORTS = ("due", "recent", "enterprise")
ENTERPRISE_SORTS = ("overdue", "missed", "due", "enterprise")
_CHUNK = 2000
RISK_GRADES = ("red", "orange", "yellow", "blue")

__all__ = ["KINDS", "STATES", "RegisterKind", "get_kind", "Filters", "Counts", "KindCounts", "RegisterRow",
           "EnterpriseCounts", "EnterpriseOverview", "visible_kinds", "townships", "overview", "counts", "rows",
           "enterprise_counts", "iter_rows", "enterprise_overview", "MAX_LIMIT", "MAX_EXPORT", "ROW_SORTS",
           "ENTERPRISE_SORTS", "RISK_GRADES"]


# ------------------------------------------------------------------ conditions
@dataclass(frozen=True)
class _Judge:
    """A kind's state conditions as SQL, for one day (and, for steps, one moment)."""

    done: ColumnElement[bool]
    missed: ColumnElement[bool]
    overdue: ColumnElement[bool]
    open: ColumnElement[bool]
    late: ColumnElement[bool]  # done, but a step or the case finished after its due time

    def state(self) -> ColumnElement[str]:
        return case((self.missed, "missed"), (self.done, "done"), (self.overdue, "overdue"), else_="open")

    def of(self, state: str) -> ColumnElement[bool]:
        return {"open": self.open, "overdue": self.overdue, "done": self.done, "missed": self.missed}[state]


def _judge(kind: RegisterKind, today: date, now: datetime) -> _Judge:
    flagged = Case.summary[kind.missed_flag].as_boolean().is_(True) if kind.missed_flag else false()
    settled = Case.summary[kind.settled_flag].as_boolean().is_(True) if kind.settled_flag else false()
    still = and_(Case.status.in_(OPEN_STATUSES), ~settled)
    late: ColumnElement[bool] = and_(Case.deadline.is_not(None), Case.deadline < today)
    if kind.task_overdue:
        late = or_(late, exists(select(Task.id).where(Task.instance_id == Case.id, Task.status == "open",
                                                      or_(Task.overdue.is_(True), Task.due_at < now))))
    done = or_(and_(Case.status == "completed", ~flagged), and_(Case.status.in_(OPEN_STATUSES), settled))
    return _Judge(done=done, missed=or_(Case.status == "terminated", and_(Case.status == "completed", flagged)),
                  overdue=and_(still, late), open=and_(still, ~late),
                  late=and_(done, _finished_late()) if kind.in_time else false())


def _finished_late() -> ColumnElement[bool]:
    """A step completed after its due time (the kinds with `in_time` judge time by their steps' due times)."""
    return exists(select(Task.id).where(Task.instance_id == Case.id, Task.status == "completed",
                                        Task.due_at.is_not(None), Task.completed_at > Task.due_at))


def _china_midnight(day: date) -> datetime:
    return datetime.combine(day, time(0), clock.CHINA_TZ)


def _in_period(kind: RegisterKind, start: date, end: date, settled: bool = False) -> ColumnElement[bool]:
    first, after = _china_midnight(start), _china_midnight(end + timedelta(days=1))
    if settled:  # "closed this quarter": an item still open was settled in no period
        return and_(Case.ended_at >= first, Case.ended_at < after)
    started = and_(Case.started_at >= first, Case.started_at < after)
    if kind.dated_by == "started":
        return started
    return or_(Case.deadline.between(start, end), and_(Case.deadline.is_(None), started))


def _where(s: Session, actor: Actor, kind: RegisterKind, f: Filters, judge: _Judge,
           states: Sequence[str] = ()) -> list[ColumnElement[bool]]:
    """The conditions of a register query: kind, scope, and every filter given."""
    if kind.bureau_only and access.is_enterprise_user(actor):
        raise NotFound("没有这个台账", "No such register", {"kind": kind.key})
    where = [Case.process_key.in_(kind.processes), access.instance_clause(actor)]
    if kind.skip_terminated:
        where.append(Case.status != "terminated")
    span = f.period()
    if span is not None:
        where.append(_in_period(kind, *span, settled=f.settled))
    if kind.business_days:  # a day the enterprise is closed owes nothing: such an item counts only when done
        closed = self_checks.closed_day(s, *(span if span and not f.settled else (None, None)))
        where.append(or_(judge.done, ~closed))
    if f.risk_grades:
        if not set(f.risk_grades) <= set(RISK_GRADES):
            raise BadRequest("风险等级无效", "Unknown risk grade", {"risk": list(f.risk_grades), "allowed": list(RISK_GRADES)})
        where.append(Enterprise.risk_grade.in_(f.risk_grades))
    for column, value in ((Case.industry_key, f.industry), (Enterprise.township, f.township),
                          (Enterprise.code, f.enterprise_code)):
        if value:
            where.append(column == value)
    if f.variant:
        if kind.variant is None:
            raise BadRequest("这个台账没有分类筛选", "This register has no type filter", {"kind": kind.key})
        where.append(Case.summary[kind.variant].as_string() == f.variant)
    chosen = [*states, *([f.state] if f.state else []), *(["overdue"] if f.overdue_only else [])]
    for state in chosen:
        if state not in STATES:
            raise BadRequest("状态无效", "Unknown state", {"state": state, "allowed": list(STATES)})
    if states:
        where.append(or_(*(judge.of(s) for s in states)))
    where += [judge.of(s) for s in chosen[len(states):]]
    return where


def _moment(today: date | None) -> tuple[date, datetime]:
    now = clock.now()
    return today or now.astimezone(clock.CHINA_TZ).date(), now


def _from_cases(*columns: Any) -> Any:
    return select(*columns).select_from(Case).outerjoin(Enterprise, Enterprise.id == Case.enterprise_id)


def _count_where(condition: ColumnElement[bool]) -> ColumnElement[int]:
    return func.coalesce(func.sum(case((condition, 1), else_=0), type_=Integer), 0)


def _figures(judge: _Judge) -> tuple[ColumnElement[int], ...]:
    return (func.count(Case.id), _count_where(judge.open), _count_where(judge.overdue), _count_where(judge.done),
            _count_where(judge.missed), _count_where(judge.late))


# ------------------------------------------------------------------ queries
def visible_kinds(actor: Actor) -> tuple[RegisterKind, ...]:
    """The registers the actor may open (enterprise users: not referrals and whistleblower reports)."""
    return tuple(k for k in KINDS if not (k.bureau_only and access.is_enterprise_user(actor)))


def townships(actor: Actor) -> list[str]:
    """The townships of the enterprises the actor may filter by (an enterprise user: its own)."""
    with unit_of_work(write=False) as s:
        stmt = select(Enterprise.township).where(Enterprise.township.is_not(None)).distinct()
        if access.is_enterprise_user(actor):
            stmt = stmt.where(Enterprise.id == actor.enterprise_id)
        elif actor.industries and not access.sees_everything(actor):
            stmt = stmt.where(Enterprise.industry_key.in_(sorted(actor.industries)))
        return sorted(t for t in s.scalars(stmt) if t)


def _counts(s: Session, actor: Actor, kind: RegisterKind, f: Filters, today: date, now: datetime) -> Counts:
    judge = _judge(kind, today, now)
    figures = s.execute(_from_cases(*_figures(judge)).where(*_where(s, actor, kind, f, judge))).one()
    return Counts(*(int(n or 0) for n in figures))


def counts(actor: Actor, kind: str, filters: Filters = Filters(), *, today: date | None = None) -> Counts:
    """The register's totals: due, open, overdue, done, missed (the figures the dashboard and reports reuse)."""
    day, now = _moment(today)
    with unit_of_work(write=False) as s:
        return _counts(s, actor, get_kind(kind), filters, day, now)


def overview(actor: Actor, filters: Filters = Filters(), *, today: date | None = None) -> tuple[KindCounts, ...]:
    """Every register the actor may open with its totals (state and type filters do not apply here)."""
    common = Filters(year=filters.year, quarter=filters.quarter, month=filters.month, industry=filters.industry,
                     township=filters.township, enterprise_code=filters.enterprise_code,
                     risk_grades=filters.risk_grades, settled=filters.settled)
    day, now = _moment(today)
    with unit_of_work(write=False) as s:
        return tuple(KindCounts(k, _counts(s, actor, k, common, day, now)) for k in visible_kinds(actor))


def _order(sort: str) -> tuple[Any, ...]:
    if sort == "recent":
        return (Case.started_at.desc(), Case.id.desc())
    if sort == "enterprise":
        return (Enterprise.code.is_(None), Enterprise.code, Case.deadline.is_(None), Case.deadline, Case.id.desc())
    return (Case.status.not_in(OPEN_STATUSES), Case.deadline.is_(None), Case.deadline, Case.id.desc())


def _row_page(s: Session, actor: Actor, kind: RegisterKind, f: Filters, today: date, now: datetime, *,
              sort: str = "due", limit: int, offset: int, states: Sequence[str] = (),
              with_total: bool = True) -> Page:
    if sort not in ROW_SORTS:
        raise BadRequest("排序方式无效", "Unknown sort order", {"sort": sort, "allowed": list(ROW_SORTS)})
    judge = _judge(kind, today, now)
    stmt = _from_cases(Case, Enterprise.code, Enterprise.name, Enterprise.township, judge.state().label("state"))
    stmt = stmt.where(*_where(s, actor, kind, f, judge, states))
    total = (s.scalar(select(func.count()).select_from(stmt.subquery())) or 0) if with_total else 0
    found = s.execute(stmt.order_by(*_order(sort)).limit(limit).offset(offset))
    items = tuple(RegisterRow(c.id, kind.key, c.process_key, c.title, state, c.status, c.current_step, code, name,
                              c.industry_key, township, c.deadline, c.started_at, c.ended_at,
                              {k: (c.summary or {}).get(k) for k in kind.fields})
                  for c, code, name, township, state in found)
    return Page(items, total, limit, offset)


def rows(actor: Actor, kind: str, filters: Filters = Filters(), *, sort: str = "due", limit: int = 50,
         offset: int = 0, today: date | None = None) -> Page:
    """One page of the register's items (open first, the nearest deadline first, by default); limit ≤ 200."""
    day, now = _moment(today)
    with unit_of_work(write=False) as s:
        return _row_page(s, actor, get_kind(kind), filters, day, now, sort=sort,
                         limit=max(1, min(limit, MAX_LIMIT)), offset=max(0, offset))


def iter_rows(actor: Actor, kind: str, filters: Filters = Filters(), *, sort: str = "due",
              max_rows: int = MAX_EXPORT, today: date | None = None) -> Iterator[RegisterRow]:
    """Every item for an export, at most `max_rows` (100,000), read in chunks (one short read each)."""
    day, now = _moment(today)
    register = get_kind(kind)
    for offset in range(0, min(max_rows, MAX_EXPORT), _CHUNK):
        with unit_of_work(write=False) as s:
            page = _row_page(s, actor, register, filters, day, now, sort=sort, offset=offset, with_total=False,
                             limit=min(_CHUNK, max_rows - offset))
        yield from page.items
        if len(page.items) < page.limit:
            return


def enterprise_counts(actor: Actor, kind: str, filters: Filters = Filters(), *, sort: str = "overdue",
                      limit: int = 50, offset: int = 0, today: date | None = None,
                      max_limit: int = MAX_LIMIT) -> Page:
    """Per-enterprise due / open / overdue / done / missed, the most overdue first by default; limit ≤ 200
    (`max_limit` lets an export take up to 100,000 at once)."""
    if sort not in ENTERPRISE_SORTS:
        raise BadRequest("排序方式无效", "Unknown sort order", {"sort": sort, "allowed": list(ENTERPRISE_SORTS)})
    register, (day, now) = get_kind(kind), _moment(today)
    judge = _judge(register, day, now)
    figures = _figures(judge)
    group = (Enterprise.code, Enterprise.name, Enterprise.industry_key, Enterprise.township, Enterprise.scale,
             Enterprise.standard_grade, Enterprise.benchmark)
    order = {"overdue": (figures[2].desc(), figures[4].desc()), "missed": (figures[4].desc(), figures[2].desc()),
             "due": (figures[0].desc(),), "enterprise": ()}[sort]
    limit = max(1, min(limit, max_limit, MAX_EXPORT))
    with unit_of_work(write=False) as s:
        stmt = _from_cases(*group, *figures).where(*_where(s, actor, register, filters, judge)).group_by(*group)
        total = s.scalar(select(func.count()).select_from(stmt.subquery())) or 0
        found = s.execute(stmt.order_by(*order, Enterprise.code.is_(None), Enterprise.code)
                          .limit(limit).offset(max(0, offset)))
        items = tuple(EnterpriseCounts(code, name, industry, township, Counts(*(int(n or 0) for n in numbers)), scale,
                                       grade, bool(benchmark))
                      for code, name, industry, township, scale, grade, benchmark, *numbers in found)
    return Page(items, total, limit, max(0, offset))


def _enterprise_of(s: Session, actor: Actor, code: str | None) -> Enterprise:
    if access.is_enterprise_user(actor):
        ent = s.get(Enterprise, actor.enterprise_id)
        if ent is not None and code in (None, ent.code):
            return ent
    elif code:
        ent = s.scalar(select(Enterprise).where(Enterprise.code == code))
        hidden = actor.industries and not access.sees_everything(actor)
        if ent is not None and not (hidden and ent.industry_key not in actor.industries):
            return ent
    raise NotFound("没有这家企业或无权查看", "No such enterprise, or not yours to see", {"enterprise_code": code})


def enterprise_overview(actor: Actor, enterprise_code: str | None = None, *, today: date | None = None,
                        open_limit: int = 100, history_limit: int = 30) -> EnterpriseOverview:
    """One enterprise's duties in every register: an enterprise user's own (the code may be left out), or, for
    bureau staff, one of the enterprises they cover. Open items overdue first; history the latest settled first.

    Raises:
        NotFound: no such enterprise, or not one the actor may see.
    """
    day, now = _moment(today)
    with unit_of_work(write=False) as s:
        ent = _enterprise_of(s, actor, enterprise_code)
        f = Filters(enterprise_code=ent.code)
        kinds = visible_kinds(actor)
        totals = tuple(KindCounts(k, _counts(s, actor, k, f, day, now)) for k in kinds)
        owed: list[RegisterRow] = []
        settled: list[RegisterRow] = []
        for k in kinds:
            owed += _row_page(s, actor, k, f, day, now, limit=open_limit, offset=0, states=("open", "overdue"),
                              with_total=False).items
            settled += _row_page(s, actor, k, f, day, now, sort="recent", limit=history_limit, offset=0,
                                 states=("done", "missed"), with_total=False).items
    owed.sort(key=lambda r: (r.state != "overdue", r.deadline is None, r.deadline or date.max, -r.id))
    settled.sort(key=lambda r: (r.ended_at or r.started_at), reverse=True)
    return EnterpriseOverview(ent.code, ent.name, ent.industry_key, ent.township, totals, tuple(owed[:open_limit]),
                              tuple(settled[:history_limit]))
