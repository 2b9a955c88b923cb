"""Where cases wait: per step of a process, in a period, how many tasks, how long they waited to be claimed and to
be done (median and p90), the share that ran late, reminders, escalations and send-backs raised, the slowest
cases; per sequence flow how often it was taken (`engine.runtime.flow_counts`).

Who may read them: process owners, section chiefs and the leaders above them, auditors and admins see every case;
enterprise users see their own enterprise's cases only (another enterprise answers 404); everyone else gets 403.
The figures are counted over the task rows created in the period (default: the last 12 months, at most 5 years) in
one read transaction: one read of the counted rows' few columns over a covering index (`engine.runtime.step_queries`),
from which the counts, percentiles, slowest cases and flows are computed in Python (`engine.runtime.task_pass`,
`engine.runtime.flow_counts`; bench section `stats`, docs/performance.md for what a year of a busy process costs).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from . import access, clock, task_pass
from .db import unit_of_work
from .errors import BadRequest, Forbidden, NotFound
from .flow_counts import flow_totals
from .flow_graph import FlowGraph, graph_of
from .models import Enterprise, Industry, ProcessDefinition
from .roles import LEADERS
from .step_queries import (
    Counts,
    Scope,
    SlowRow,
    Waits,
    case_labels,
    reminders_and_send_backs,
    step_names,
    tune,
    versions_of,
)
from .views import Actor

READERS = frozenset({"process_owner", "section_chief", "auditor", "admin"}) | LEADERS
DEFAULT_DAYS = 365
MAX_DAYS = 5 * 366
MAX_SLOWEST = 50


@dataclass(frozen=True)
class Filters:
    """Which tasks: a version (None: all), created from/to (China-time days, inclusive), where and whose."""

    version: int | None = None
    date_from: date | None = None
    date_to: date | None = None
    industry: str | None = None
    township: str | None = None
    enterprise_code: str | None = None
    slowest: int = 10


@dataclass(frozen=True)
class Wait:
    """Seconds waited: median and 90th percentile (as percentile_cont) over `count` tasks; None without tasks."""

    count: int = 0
    median: float | None = None
    p90: float | None = None


@dataclass(frozen=True)
class SlowCase:
    instance_id: int
    seconds: float  # time spent in the step (every visit; an open task until now)
    still_open: bool
    visible: bool  # the reader may open the case; otherwise only its number is shown
    business_key: str | None = None
    title: str | None = None
    enterprise_name: str | None = None


@dataclass(frozen=True)
class StepStatistics:
    element_id: str
    name: str
    on_diagram: bool  # False: a step of an older version that the shown diagram no longer has
    tasks: int = 0
    completed: int = 0
    open: int = 0
    claim: Wait = Wait()  # created → first taken from the pool
    done: Wait = Wait()  # created → completed
    late: int = 0  # completed after the due time, or open past it
    with_due: int = 0
    reminders: int = 0
    escalations: int = 0
    send_backs: int = 0
    slowest: tuple[SlowCase, ...] = ()

    @property
    def overdue_share(self) -> float | None:
        """late ÷ tasks with a due time (0–1), None when none had one."""
        return self.late / self.with_due if self.with_due else None


@dataclass(frozen=True)
class FlowStatistics:
    id: str
    source: str
    target: str
    name: str
    count: int


@dataclass(frozen=True)
class ProcessStatistics:
    key: str
    name: str
    version: int | None  # the version counted (None: all versions)
    diagram_version: int  # the version whose diagram is shown (the one counted, else the newest)
    versions: tuple[int, ...]
    date_from: date
    date_to: date
    filters: Filters
    enterprise_scope: str | None  # an enterprise user's own enterprise code: only its cases were counted
    steps: tuple[StepStatistics, ...]
    flows: tuple[FlowStatistics, ...]
    unmatched: int  # hand-overs the diagram had no way for (engine.runtime.flow_counts)


def readable_by(actor: Actor) -> bool:
    """May the actor open step statistics at all (enterprise users: of their own enterprise)."""
    return access.is_enterprise_user(actor) or actor.has(*READERS)


def period(f: Filters, today: date) -> tuple[date, date]:
    """The days counted (inclusive). Raises BadRequest for an inverted or too long period."""
    end = f.date_to or today
    start = f.date_from or end - timedelta(days=DEFAULT_DAYS - 1)
    if start > end:
        raise BadRequest("开始日期晚于结束日期", "The start date is after the end date", [{"field": "from"}])
    if (end - start).days >= MAX_DAYS:
        raise BadRequest("统计期间最长 5 年，请缩短期间", "The period may span at most 5 years: choose a shorter one",
                         [{"field": "from"}])
    return start, end


def _china(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=clock.CHINA_TZ)


def _enterprise_id(s: Session, actor: Actor, code: str | None) -> int | None:
    if access.is_enterprise_user(actor):
        if code and code != actor.enterprise_code:
            raise NotFound("没有这个企业", "No such enterprise", [{"field": "enterprise"}])
        return actor.enterprise_id
    if not code:
        return None
    found = s.scalar(select(Enterprise.id).where(Enterprise.code == code))
    if found is None:
        raise NotFound("没有这个企业", "No such enterprise", [{"field": "enterprise"}])
    return found


def _definition(s: Session, key: str, version: int | None) -> tuple[ProcessDefinition, list[int]]:
    versions = versions_of(s, key)
    if not versions:
        raise NotFound("没有这个流程", "No such process", [{"field": "key"}])
    wanted = next((i for i, v, _ in versions if v == version), None) if version is not None else versions[0][0]
    if wanted is None:
        raise NotFound("该流程没有这个版本", "The process has no such version", [{"field": "version"}])
    return s.get(ProcessDefinition, wanted), [v for _, v, _ in versions]  # type: ignore[return-value]


def _steps(graph: FlowGraph, counts: dict[str, Counts], waits: Waits, names: dict[str, str],
           slow: dict[str, tuple[SlowCase, ...]]) -> tuple[StepStatistics, ...]:
    def wait(kind: str, element: str) -> Wait:
        w = waits.get((kind, element))
        return Wait(int(w["n"]), round(float(w["p50"]), 1), round(float(w["p90"]), 1)) if w else Wait()  # julianday: ±0.1 ms

    def step(element: str) -> StepStatistics:
        c = counts.get(element)
        name = graph.names.get(element) or names.get(element, element)
        if c is None:
            return StepStatistics(element, name, element in graph.kinds)
        return StepStatistics(element, name, element in graph.kinds, c.tasks, c.completed, c.open,
                              wait("claim", element), wait("done", element), c.late, c.with_due, c.reminders,
                              c.escalations, c.send_backs, slow.get(element, ()))

    return tuple(step(e) for e in [*graph.steps, *sorted(set(counts) - set(graph.steps))])


def _slowest(s: Session, actor: Actor, found: list[SlowRow]) -> dict[str, tuple[SlowCase, ...]]:
    labels = case_labels(s, sorted({r.instance_id for r in found}), access.instance_clause(actor))
    result: dict[str, list[SlowCase]] = {}
    for r in found:
        key, title, enterprise, visible = labels.get(r.instance_id, (None, None, None, False))
        shown = (key, title, enterprise) if visible else (None, None, None)
        result.setdefault(r.element_id, []).append(SlowCase(r.instance_id, round(r.seconds, 1), r.still_open, visible, *shown))
    return {k: tuple(v) for k, v in result.items()}


def process_statistics(actor: Actor, key: str, filters: Filters = Filters()) -> ProcessStatistics:
    """The step and flow statistics of process `key` for the filters.

    Raises:
        Forbidden: the actor's roles do not include reading statistics.
        NotFound: no such process, version or enterprise (another enterprise's code, for an enterprise user).
        BadRequest: a bad period, industry or slowest-list length.
    """
    if not readable_by(actor):
        raise Forbidden("您的角色不能查看流程统计", "Your role does not allow process statistics")
    if not 1 <= filters.slowest <= MAX_SLOWEST:
        raise BadRequest(f"最慢案件数应为 1–{MAX_SLOWEST}", f"slowest must be 1–{MAX_SLOWEST}", [{"field": "slowest"}])
    start, end = period(filters, clock.now().astimezone(clock.CHINA_TZ).date())
    with unit_of_work(write=False) as s:
        definition, versions = _definition(s, key, filters.version)
        if filters.industry and s.get(Industry, filters.industry) is None:
            raise BadRequest("没有这个行业", "No such industry", [{"field": "industry"}])
        scope = Scope(key, _china(start), _china(end + timedelta(days=1)), clock.now(),
                      definition.id if filters.version is not None else None, filters.industry or None,
                      filters.township or None, _enterprise_id(s, actor, filters.enterprise_code))
        graph = graph_of(definition.checksum, definition.bpmn_xml, key)
        tune(s)
        with task_pass.paused_gc():
            walk = task_pass.read(s, scope)
            figures = task_pass.figures(walk, filters.slowest, *reminders_and_send_backs(s, scope))
            totals = flow_totals(s, walk, graph)
            del walk
        names = step_names(s, scope, [e for e in figures.counts if not graph.names.get(e)])
        steps = _steps(graph, figures.counts, figures.waits, names, _slowest(s, actor, figures.slowest))
    flows = tuple(FlowStatistics(f.id, f.source, f.target, f.name, totals.counts.get(f.id, 0)) for f in graph.flows)
    return ProcessStatistics(key, definition.name, filters.version, definition.version, tuple(versions), start, end,
                             filters, actor.enterprise_code if access.is_enterprise_user(actor) else None, steps,
                             flows, totals.unmatched)
