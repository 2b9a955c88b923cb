"""Every recurring or scheduled start in one list, for the admin schedule page: pause and resume.

Three kinds: a process whose start event has a timer (the `*_dispatch` dispatchers; one row per process, paused
as a whole with `schedules.pause`), and single queued notices — holiday warnings (engine.campaign.notice_schedule) and
yearly campaign dates (engine.campaign.campaign_dates) — paused one job at a time. A paused job never fires; resuming a
dispatcher moves starts that fell due meanwhile to its next occurrence, resuming a notice lets it fire when due
(at once if its time has passed). Every pause and resume is audited in the same unit of work.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from lxml import etree
from sqlalchemy import select

from ..runtime import audit, definitions, schedules
from ..runtime.admin_rights import require_admin, require_reader
from ..runtime.bpmn_xml import NS, documentation
from ..runtime.db import unit_of_work
from ..runtime.errors import Conflict, not_found
from ..runtime.models import Job, ProcessDefinition
from ..runtime.views import Actor
from . import campaign_dates


@dataclass(frozen=True)
class ScheduledStart:
    """One row of the schedule page: what starts, when next, for whom, and whether it is paused."""

    kind: str                 # process | holiday | campaign | notice
    process_key: str
    process_name: str
    job_id: int | None        # None for a process row (paused by process key)
    title: str                # the notice's title, or the start event's name
    next_run: datetime
    target: str               # notice: target type (all | industries | risk_grades …); process: its timer expression
    target_values: tuple[str, ...]  # the industries, risk grades or enterprises of a targeted notice
    scope: str                # notice: business key; process: the process's documentation (Chinese)
    status: str               # pending | paused
    waiting: int              # waiting start jobs behind this row
    scope_en: str = ""        # process: the process's documentation in English, where the diagram has it


def _documentation(definition: ProcessDefinition) -> tuple[str, str, str]:
    """(start event name, Chinese documentation, English documentation) read from the stored diagram."""
    try:
        root = etree.fromstring(definition.bpmn_xml.encode("utf-8"), etree.XMLParser(resolve_entities=False,
                                                                                     no_network=True))
    except etree.XMLSyntaxError:
        return "", "", ""
    process = next((p for p in root.iterfind("bpmn:process", NS) if p.get("id") == definition.key), None)
    if process is None:
        return "", "", ""
    start = process.find("bpmn:startEvent", NS)
    zh, en = documentation(process)
    return start.get("name", "") if start is not None else "", zh or en or "", en or zh or ""


def _process_row(job: Job, definition: ProcessDefinition | None, jobs: list[Job]) -> ScheduledStart:
    start_name, docs, docs_en = _documentation(definition) if definition is not None else ("", "", "")
    timer = ((definition.meta or {}).get("start_timer") or {}) if definition is not None else {}
    paused = any(j.status == "paused" for j in jobs)
    return ScheduledStart("process", job.definition_key or "", definition.name if definition else "", None, start_name,
                          min(j.due_at for j in jobs), timer.get("expr", ""), (), docs,
                          "paused" if paused else "pending", len(jobs), docs_en)


def _notice_row(job: Job, definition: ProcessDefinition | None) -> ScheduledStart:
    payload = job.payload or {}
    data = payload.get("data") or {}
    kind = "campaign" if payload.get("campaign") else "holiday" if data.get("holiday") else "notice"
    target = data.get("target_type", "")
    values = tuple(data.get(f"target_{target}") or ()) if target != "all" else ()
    return ScheduledStart(kind, job.definition_key or "", definition.name if definition else "", job.id,
                          data.get("title", ""), job.due_at, target, values, payload.get("business_key", ""), job.status, 1)


def list_scheduled_starts(actor: Actor) -> list[ScheduledStart]:
    """Every waiting scheduled start, soonest first: one row per dispatcher process, one per queued notice."""
    require_reader(actor)
    with unit_of_work(write=False) as s:
        jobs = schedules.pending_schedules(s)
        definitions = {d.id: d for d in s.scalars(select(ProcessDefinition).where(
            ProcessDefinition.id.in_({(j.payload or {}).get("definition_id") for j in jobs})))}
        by_process: dict[str, list[Job]] = {}
        rows = []
        for job in jobs:
            definition = definitions.get((job.payload or {}).get("definition_id"))
            if (job.payload or {}).get("business_key"):
                rows.append(_notice_row(job, definition))
            else:
                by_process.setdefault(job.definition_key or "", []).append(job)
        for grouped in by_process.values():
            rows.append(_process_row(grouped[0], definitions.get(grouped[0].payload.get("definition_id")), grouped))
        return sorted(rows, key=lambda r: (r.next_run, r.process_key, r.job_id or 0))


def set_process_paused(actor: Actor, key: str, paused: bool) -> int:
    """Pause or resume a process's schedule (administrators only); returns how many start jobs changed.

    Raises:
        NotFound: no such process. Conflict: nothing to pause (or resume).
    """
    require_admin(actor)
    with unit_of_work() as s:
        definition = definitions.latest(s, key)
        if definition is None:
            raise not_found("流程", "process", key)
        changed = schedules.pause(s, key, paused)
        if not changed:
            raise Conflict(*(("该流程没有待运行的计划", "This process has no waiting schedule to pause") if paused else
                             ("该流程没有已暂停的计划", "This process has no paused schedule to resume")))
        moved = 0 if paused else schedules.catch_up(s, definition)
        audit.record(s, "schedule.pause" if paused else "schedule.resume", actor=actor.username,
                     after={"process": key, "jobs": changed, "moved_to_next_occurrence": moved})
        return changed


def set_job_paused(actor: Actor, job_id: int, paused: bool) -> int:
    """Pause or resume one queued notice (administrators only); returns the job id.

    Raises:
        NotFound: no such scheduled start. Conflict: it is not waiting (or not paused).
    """
    require_admin(actor)
    with unit_of_work() as s:
        job = s.get(Job, job_id)
        if job is None or job.kind != "start":
            raise not_found("计划启动", "scheduled start", job_id)
        before = job.status
        if schedules.pause_job(s, job_id, paused) is None:
            raise Conflict(*(("只有待运行的计划可以暂停", "Only a waiting schedule can be paused") if paused else
                             ("只有已暂停的计划可以恢复", "Only a paused schedule can be resumed")))
        if not paused and (job.payload or {}).get("campaign"):
            campaign_dates.sync(s)  # a campaign date whose day passed while paused moves on to next year
        audit.record(s, "schedule.pause" if paused else "schedule.resume", actor=actor.username,
                     before={"status": before}, after={"job": job.id, "process": job.definition_key,
                                                       "business_key": (job.payload or {}).get("business_key"),
                                                       "status": job.status})
        return job.id


__all__ = ["ScheduledStart", "list_scheduled_starts", "set_process_paused", "set_job_paused"]
