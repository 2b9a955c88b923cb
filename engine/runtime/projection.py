"""Projections written with the state: inbox rows, timer/reminder/escalation jobs, domain columns."""
from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition
from SpiffWorkflow.bpmn.specs.mixins.events.end_event import EndEvent
from SpiffWorkflow.util.task import TaskState
from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from . import clock, fixed_rows, step_writes, workdays
from .durations import looks_like_duration, parse_duration  # noqa: F401  (parse_duration: re-exported)
from .models import Enterprise, Job, ProcessInstance, Task
from .roles import RoleBook

DOMAIN_KEYS = ("enterprise_code", "hazard_level", "deadline", "source", "case_title")
CONFIDENTIAL_PREFIX = "reporter_"


def case_data(wf: BpmnWorkflow, ready: list[Any] | None = None) -> dict[str, Any]:
    """The case's current data: the open human task's, else the last task's, else the workflow's (`ready`: the
    workflow's ready human tasks, when the caller has them)."""
    if ready is None:
        ready = wf.get_tasks(state=TaskState.READY, manual=True)
    if ready:
        return dict(ready[0].data)
    if wf.last_task is not None:
        return {**wf.data, **wf.last_task.data}
    return dict(wf.task_tree.data)


def due_time(value: Any) -> datetime | None:
    """A data value (ISO date or date-time) as an instant; a bare date means the end of that day in China."""
    if not isinstance(value, str) or not value:
        return None
    try:
        if len(value) == 10:
            return datetime.combine(date.fromisoformat(value), time(23, 59, 59), clock.CHINA_TZ)
        parsed = datetime.fromisoformat(value)
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=clock.CHINA_TZ)
    except ValueError:
        return None


def _due_at(props: dict[str, str], data: dict[str, Any]) -> datetime | None:
    working_days = props.get("dueInWorkingDays")
    if working_days and working_days.isdigit():
        start = clock.now().astimezone(clock.CHINA_TZ).date()
        end = workdays.load().add_working_days(start, int(working_days))
        return datetime.combine(end, time(23, 59, 59), clock.CHINA_TZ)
    due = props.get("dueIn")
    if not due:
        return None
    if looks_like_duration(due):  # "P3D", "PT12H"; a name such as `progress_due` is a data variable
        return clock.now() + parse_duration(due)
    return due_time(data.get(due))


def _new_task_row(s: Session, inst: ProcessInstance, spiff_task: Any, step: dict[str, Any], roles: RoleBook) -> Task:
    props = step.get("properties", {})
    data = spiff_task.data
    role = step.get("role")
    assignee_var = (props.get("assignee") or "").strip("${} ")
    assignee = data.get(assignee_var) if assignee_var else None
    row = Task(id=str(spiff_task.id), instance_id=inst.id, process_key=inst.process_key,
               element_id=spiff_task.task_spec.name, name=step.get("name") or spiff_task.task_spec.bpmn_name or spiff_task.task_spec.name,
               role_key=role, alt_role_key=step.get("alt_role"), enterprise_id=inst.enterprise_id if roles.is_enterprise_side(role) else None,
               industry_key=inst.industry_key, assignee=assignee if isinstance(assignee, str) and assignee else None,
               status="open", form_key=props.get("formKey"), created_at=clock.now(), due_at=_due_at(props, data),
               escalation_level=0, overdue=False, version=1)
    s.add(row)
    _task_jobs(s, inst, row, props)
    return row


def _task_jobs(s: Session, inst: ProcessInstance, row: Task, props: dict[str, str]) -> None:
    """Queue the task's reminder and its first escalation (one of each per task, ever: `job.dedupe_key`).

    A task created at or after its due time (a step reached late) is due one grace period after its creation
    (SAFELOOP_OVERDUE_GRACE, default P1D): its ladder starts from then, never several levels up at once."""
    if row.due_at is None:
        return
    now = clock.now()
    if row.due_at <= now:
        row.due_at = now + overdue_grace()
    # the task row is new in this step, so no job of it is stored yet: no look-up (the unique key still backs this)
    if props.get("remindBefore"):
        remind_at = row.due_at - parse_duration(props["remindBefore"])
        queue_once(s, Job(kind="reminder", instance_id=inst.id, task_id=row.id, due_at=max(remind_at, now),
                          status="pending", attempts=0, payload={}, created_at=now), new_task=True)
    queue_once(s, Job(kind="escalation", instance_id=inst.id, task_id=row.id, due_at=row.due_at, status="pending",
                      attempts=0, payload={"level": 1, "escalate_to": props.get("escalateTo")}, created_at=now),
               new_task=True)


def overdue_grace() -> timedelta:
    """How long a task created already overdue has before its first escalation (SAFELOOP_OVERDUE_GRACE, default P1D)."""
    try:
        return parse_duration(os.environ.get("SAFELOOP_OVERDUE_GRACE", "P1D"))
    except Exception:  # noqa: BLE001 - a bad setting falls back to one day
        return timedelta(days=1)


def dedupe_key(job: Job) -> str:
    """A task job's identity: one reminder per task, one escalation per task and level."""
    if job.kind == "reminder":
        return f"reminder:{job.task_id}"
    return f"escalation:{job.task_id}:{int((job.payload or {}).get('level', 1))}"


def queue_once(s: Session, job: Job, *, new_task: bool = False) -> bool:
    """Add a reminder or escalation job unless the task already has one for that level (the unique key backs this).

    `new_task`: the job's task row was made in this transaction, so only the session's new jobs can clash."""
    job.dedupe_key = dedupe_key(job)
    taken = None
    if not new_task:
        with s.no_autoflush:
            taken = s.scalar(select(Job.id).where(Job.dedupe_key == job.dedupe_key))
    if taken is not None or any(getattr(o, "dedupe_key", None) == job.dedupe_key for o in s.new):
        return False
    s.add(job)
    return True


def _timer_due(spiff_task: Any) -> datetime | None:
    value = spiff_task._get_internal_data("event_value")
    if isinstance(value, dict):
        value = value.get("next") if value.get("cycles", 0) != 0 else None
    if not isinstance(value, str):
        return None
    try:
        return TimerEventDefinition.get_datetime(value)
    except ValueError:
        return None


def _wanted_timers(waiting: list[Any]) -> dict[str, datetime]:
    """The waiting timer events among the waiting tasks and when each is due: the case's pending timer jobs once
    it is saved."""
    wanted: dict[str, datetime] = {}
    for t in waiting:
        definition = getattr(t.task_spec, "event_definition", None)
        if isinstance(definition, TimerEventDefinition) and (due := _timer_due(t)) is not None:
            wanted[str(t.id)] = due
    return wanted


def _sync_timer_jobs(s: Session, inst: ProcessInstance, wanted: dict[str, datetime], fresh: bool,
                     rows_known: KnownRows | None = None) -> None:
    if not wanted:
        if not fresh and (rows_known is None or rows_known.timers):
            step_writes.queue_update(s, Job, {"status": "cancelled"},
                            {"instance_id": inst.id, "kind": "timer", "status": "pending"})
        return
    if fresh:
        existing: dict[str | None, Job] = {}
    elif rows_known is not None and rows_known.timer_jobs is not None:  # read with the case's lock this step
        existing = {j.task_id: j for j in rows_known.timer_jobs if j.status == "pending"}
    else:
        existing = {j.task_id: j for j in s.scalars(select(Job).where(
            Job.instance_id == inst.id, Job.kind == "timer", Job.status == "pending"))}
    now = clock.now()
    for task_id, job in existing.items():
        if task_id not in wanted:
            job.status = "cancelled"
        elif job.due_at != wanted[task_id]:
            job.due_at, job.attempts = wanted[task_id], 0
    for task_id, due in wanted.items():
        if task_id not in existing:
            s.add(Job(kind="timer", instance_id=inst.id, task_id=task_id, due_at=due, status="pending", attempts=0,
                      payload={}, created_at=now))


def _domain_columns(s: Session, inst: ProcessInstance, data: dict[str, Any]) -> None:
    code = data.get("enterprise_code")
    known = (inst.summary or {}).get("enterprise_code")
    if isinstance(code, str) and code and not (inst.enterprise_id is not None and code == known):
        wanted = code.strip().upper()
        if inst.enterprise_id is None or fixed_rows.enterprise_code(s, inst.enterprise_id) != wanted:  # not its own
            ent = s.execute(select(Enterprise.id, Enterprise.industry_key).where(Enterprise.code == wanted)).first()
            if ent is not None and inst.enterprise_id in (None, ent.id):
                inst.enterprise_id, inst.industry_key = ent.id, ent.industry_key
    level = data.get("hazard_level")
    inst.hazard_level = level if isinstance(level, str) else inst.hazard_level
    deadline = data.get("deadline")
    if isinstance(deadline, str) and len(deadline) >= 10:
        try:
            inst.deadline = date.fromisoformat(deadline[:10])
        except ValueError:
            pass
    inst.source = data.get("source") if isinstance(data.get("source"), str) else inst.source
    title = data.get("case_title")
    inst.title = title[:300] if isinstance(title, str) else inst.title
    inst.summary = {k: v for k, v in data.items() if not k.startswith(CONFIDENTIAL_PREFIX) and _small(v)}


def _small(value: Any) -> bool:
    return not isinstance(value, (dict, list)) or len(str(value)) < 2000


def outcome(wf: BpmnWorkflow) -> str | None:
    """How a finished case ended, in the diagram's words: the names of the end events it reached (e.g. 已销号)."""
    names = [t.task_spec.bpmn_name for t in wf.get_tasks(state=TaskState.COMPLETED, spec_class=EndEvent)
             if t.workflow is wf and t.task_spec.bpmn_name]
    return "、".join(dict.fromkeys(names))[:300] or None


@dataclass(frozen=True)
class KnownRows:
    """What a step knew of its case's task rows before it ran, so that its projection need not read them again.

    `open`: every open task row of the case (read with the case locked); `reached`: the ids of the tasks that had been
    reached (ready, started or finished) when the workflow was loaded. A task row is made when its task becomes ready,
    and a task not reached yet has never been ready (SpiffWorkflow gives a new task, with a new id, to each pass of a
    loop, and a reset drops the descendants it makes unreached), so it has no row."""

    open: dict[str, Task]
    reached: frozenset[str]
    timers: bool  # a timer event was waiting (so the case may have pending timer jobs)
    timer_jobs: list[Job] | None = None  # the case's pending timer jobs, read with the case's lock (None: not read)

    @classmethod
    def before_step(cls, wf: BpmnWorkflow, open_rows: list[Task], timer_jobs: list[Job] | None = None) -> KnownRows | None:
        """From a loaded workflow and the open rows read with its lock; None unless they are exactly its ready tasks
        (the projection's own invariant: then the open rows need no second read). Likewise the case's pending timer
        jobs are those of its waiting timer events (each save cancels the rest), so with none waiting before the step
        and none after it there is no timer job to cancel."""
        tasks = wf.get_tasks(state=_REACHED | TaskState.WAITING)  # one walk of the tree for all three
        ready = {str(t.id) for t in tasks if t.state == TaskState.READY and t.task_spec.manual}
        if ready != {r.id for r in open_rows if r.status == "open"}:
            return None
        reached = frozenset(str(t.id) for t in tasks if t.state & _REACHED)
        waiting = [t for t in tasks if t.state == TaskState.WAITING]
        return cls({r.id: r for r in open_rows}, reached, bool(_wanted_timers(waiting)), timer_jobs)

    def cover(self, ready: dict[str, Any]) -> bool:
        """True when no ready task can have a row other than these: each is open here or was not reached before."""
        return all(task_id in self.open or task_id not in self.reached for task_id in ready)


_REACHED = TaskState.READY | TaskState.STARTED | TaskState.FINISHED_MASK


def _ready_and_waiting(wf: BpmnWorkflow) -> tuple[list[Any], list[Any]]:
    """The ready human tasks and the waiting tasks, in one walk of the task tree (in the tree's order, as
    `get_tasks` gives each)."""
    ready: list[Any] = []
    waiting: list[Any] = []
    for t in wf.get_tasks(state=TaskState.READY | TaskState.WAITING):
        if t.state == TaskState.WAITING:
            waiting.append(t)
        elif t.task_spec.manual:
            ready.append(t)
    return ready, waiting


def sync(s: Session, inst: ProcessInstance, wf: BpmnWorkflow, steps: dict[str, dict[str, Any]], roles: RoleBook, *,
         fresh: bool = False, rows_known: KnownRows | None = None) -> None:
    """Bring the task rows, jobs and domain columns in line with the workflow state.

    `fresh`: the case is being started in this transaction, so it has no task row or job to read yet.
    `rows_known`: the case's open rows and reached tasks before the step (`KnownRows`); when they cover every ready
    task, the task rows are not read again."""
    ready_tasks, waiting = _ready_and_waiting(wf)
    data = case_data(wf, ready_tasks)
    ready = {str(t.id): t for t in ready_tasks}
    names = [steps.get(t.task_spec.name, {}).get("name") or t.task_spec.bpmn_name or t.task_spec.name for t in ready.values()]
    # Every column of the case is set before anything is flushed, so the case row is written once per step.
    with s.no_autoflush:
        _domain_columns(s, inst, data)
        inst.current_step = "、".join(n for n in names if n)[:300] or (outcome(wf) if wf.completed else None)
        if fresh:
            known: dict[str, Task] = {}
        elif rows_known is not None and rows_known.cover(ready):
            known = dict(rows_known.open)
        else:  # the case's open rows (their index) or the ready ones (primary key): never a scan of its history
            open_ids = select(Task.id).where(Task.instance_id == inst.id, Task.status == "open")
            known = {r.id: r for r in s.scalars(select(Task).where(
                or_(Task.id.in_(open_ids), Task.id.in_(list(ready))))) if r.instance_id == inst.id}
        for task_id, row in known.items():
            if row.status == "open" and task_id not in ready:
                row.status, row.completed_at = "cancelled", clock.now()
                if row.due_at is None:  # only a task with a due time has reminder or escalation jobs
                    continue
                step_writes.queue_update(s, Job, {"status": "cancelled"}, {"task_id": task_id, "status": "pending"})
        for task_id, spiff_task in ready.items():
            old = known.get(task_id)
            if old is not None and old.status == "open":
                continue
            if old is not None:  # the same step made ready again (sent back / reset): reopen for whoever did it
                old.status, old.assignee, old.completed_at, old.version = "open", old.completed_by, None, old.version + 1
                continue
            step = steps.get(spiff_task.task_spec.name, {"name": spiff_task.task_spec.bpmn_name, "properties": {}})
            known[task_id] = _new_task_row(s, inst, spiff_task, step, roles)
        _sync_timer_jobs(s, inst, _wanted_timers(waiting), fresh, rows_known)
    # every open row of the case is in `known` now: the case view after the step reads them from here
    s.info.setdefault(_OPEN_ROWS, {})[inst.id] = sorted((r for r in known.values() if r.status == "open"),
                                                       key=lambda r: r.created_at)


_OPEN_ROWS = "safeloop_open_task_rows"


def open_rows(s: Session, instance_id: int) -> list[Task] | None:
    """The case's open task rows (oldest first) as this session's last projection of it left them, or None."""
    return s.info.get(_OPEN_ROWS, {}).get(instance_id)
