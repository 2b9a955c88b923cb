"""Cases: start, run engine steps, persist with projections and audit, status transitions."""
from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Any

from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.exceptions import SpiffWorkflowException, WorkflowException
from SpiffWorkflow.util.task import TaskState
from sqlalchemy import ColumnElement, bindparam, func, inspect, select
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from . import (access, audit, clock, compaction, definitions, fixed_rows, forms, projection, schedules, scripting,
               row_writes, specs, step_writes)
from .errors import BadRequest, Conflict, EngineError, Forbidden, NotFound, not_found
from .models import Enterprise, Job, ProcessDefinition, ProcessInstance, Task
from .roles import RoleBook
from .views import Actor

MAX_CHILD_STARTS = 5000


class Status(str, enum.Enum):
    RUNNING = "running"
    COMPLETED = "completed"
    ERROR = "error"
    SUSPENDED = "suspended"
    TERMINATED = "terminated"


TRANSITIONS: dict[str, tuple[set[Status], Status]] = {
    "suspend": ({Status.RUNNING, Status.ERROR}, Status.SUSPENDED),
    "resume": ({Status.SUSPENDED}, Status.RUNNING),
    "terminate": ({Status.RUNNING, Status.SUSPENDED, Status.ERROR}, Status.TERMINATED),
    "retry": ({Status.ERROR}, Status.RUNNING),
}


@dataclass
class Loaded:
    """A case loaded for change: its row, definition, workflow and roles."""

    inst: ProcessInstance
    definition: ProcessDefinition
    wf: BpmnWorkflow
    roles: RoleBook
    fresh: bool = False  # being started in this transaction: no task row or job of it is stored yet
    rows_known: projection.KnownRows | None = None  # the case's open task rows as the caller read them (see sync)


def lock(s: Session, instance_id: int | ColumnElement[int]) -> ProcessInstance | None:
    """The case row (by id, or by a scalar subquery giving it), locked for change on PostgreSQL (SQLite writers
    are already serialized), read afresh even when the session already holds it."""
    stmt = select(ProcessInstance).where(ProcessInstance.id == instance_id).execution_options(populate_existing=True)
    if s.get_bind().dialect.name == "postgresql":
        stmt = stmt.with_for_update()
    return s.scalars(stmt).first()


def load(s: Session, inst: ProcessInstance) -> Loaded:
    """Rebuild the workflow of a locked case (compacted: a case stored deeper than the bounds heals on load)."""
    definition = fixed_rows.definition(s, inst.definition_id)
    assert definition is not None
    wf = specs.load_state(inst.state, definition_spec(definition))
    if compaction.size(wf) > compaction.HEAL_ABOVE:  # stored before compaction existed, or by an older bound
        compaction.compact(wf)
    return Loaded(inst, definition, wf, RoleBook.load(s))


def definition_spec(definition: ProcessDefinition) -> specs.ParsedSpec:
    return definitions.parsed_spec(definition)


def _services(s: Session) -> scripting.StepServices:
    """What a step's scripts may reach: its own session (registered functions read through it)."""
    return scripting.StepServices(session=s)


def _failing_task(wf: BpmnWorkflow, err: Exception) -> str | None:
    task = getattr(err, "task", None)
    if task is not None:
        return task.task_spec.name
    errored = wf.get_tasks(state=TaskState.ERROR)
    return errored[0].task_spec.name if errored else None


def _as_stored(s: Session, loaded: Loaded) -> BpmnWorkflow:
    """The workflow as last saved; a case being started has none, so it restarts empty."""
    if loaded.inst.state and loaded.inst.state != "{}":
        return load(s, loaded.inst).wf
    return specs.new_workflow(definition_spec(loaded.definition))


def advance(s: Session, loaded: Loaded, actor: str | None) -> list[dict[str, Any]]:
    """Run engine steps; an engine exception puts the case in error (an incident) instead of raising."""
    services = _services(s)
    inst, wf = loaded.inst, loaded.wf
    with scripting.step_services(services):
        try:
            # what the caller brought was checked on its own (case_data.check_input); the data after the step,
            # theirs included, is checked as a whole before anything is stored
            wf.refresh_waiting_tasks()
            wf.do_engine_steps()
            scripting.check_case_data(wf)
            compaction.compact(wf)
            compaction.check(wf)
        except (SpiffWorkflowException, WorkflowException, EngineError, ValueError, TypeError, KeyError,
                NameError, ZeroDivisionError, AttributeError, IndexError, RecursionError) as err:
            inst.status = Status.ERROR.value
            inst.error_element = _failing_task(wf, err)
            inst.error_message = (str(err) if not isinstance(err, RecursionError) else
                                  "流程状态嵌套过深，无法继续执行 / The workflow state is nested too deeply to run")[:4000]
            audit.record(s, "incident", actor=actor, instance_id=inst.id,
                         after={"element": inst.error_element, "message": inst.error_message})
            services.pending_starts.clear()
            if isinstance(err, scripting.CaseDataRefused):  # nothing of the refused step is stored
                loaded.wf = _as_stored(s, loaded)
    save(s, loaded)
    return services.pending_starts


def save(s: Session, loaded: Loaded) -> None:
    """Persist state and projections together (the caller's transaction commits)."""
    inst, wf = loaded.inst, loaded.wf
    inst.state = specs.dump_state(wf, definition_spec(loaded.definition).dialect)
    inst.serializer_version = specs.SERIALIZER_VERSION
    inst.updated_at = clock.now()
    if wf.completed and inst.status == Status.RUNNING.value:
        inst.status, inst.ended_at = Status.COMPLETED.value, clock.now()
    projection.sync(s, inst, wf, loaded.definition.meta.get("steps", {}), loaded.roles, fresh=loaded.fresh,
                    rows_known=loaded.rows_known)
    if s.get_bind().dialect.name == "postgresql":  # written at commit (step_writes.write_pending): the next version now, as
        history = inspect(inst).attrs.version.history  # the flush would have made it, for the view after the step
        inst.version = (history.deleted[0] if history.deleted else inst.version) + 1
    try:
        # PostgreSQL: the step's rows, job changes and audit events in one statement (`step_writes.write_pending`)
        step_writes.write_pending(s, STEP_ROWS)
    except StaleDataError as err:
        raise Conflict("事项已被他人修改，请刷新后重试", "The case was changed meanwhile; reload and try again") from err


STEP_ROWS = (Task, Job, ProcessInstance)  # the ORM rows a step writes (step_writes.write_pending); audit rows are queued


def _resolve_enterprise(s: Session, actor: Actor, data: dict[str, Any]) -> Any:
    """The case's enterprise (id, code, industry_key) — the actor's own, or the one whose code the data names —
    or None; its code is written into the data."""
    conn = s.connection()
    if actor.enterprise_id is not None:
        ent = conn.execute(_ENTERPRISE_BY_ID, {"id": actor.enterprise_id}).first()
        if ent is not None:
            data["enterprise_code"] = ent.code
        return ent
    code = data.get("enterprise_code")
    if not code:
        return None
    ent = conn.execute(_ENTERPRISE_BY_CODE, {"code": str(code).strip().upper()}).first()
    if ent is None:
        raise BadRequest(f"企业不存在：{code}", f"No such enterprise: {code}",
                         [{"field": "enterprise_code", "message_zh": "企业不存在", "message_en": "no such enterprise"}])
    data["enterprise_code"] = ent.code
    return ent


_ENTERPRISE = select(Enterprise.id, Enterprise.code, Enterprise.industry_key)
_ENTERPRISE_BY_ID = _ENTERPRISE.where(Enterprise.id == bindparam("id"))
_ENTERPRISE_BY_CODE = _ENTERPRISE.where(Enterprise.code == bindparam("code"))


def create(s: Session, definition: ProcessDefinition, data: dict[str, Any], *, actor: Actor,
           business_key: str | None = None, parent_id: int | None = None, depth: int = 0,
           scheduled: bool = False) -> ProcessInstance:
    """Start a case inside an open transaction; child cases queued by start_case start too."""
    ent = _resolve_enterprise(s, actor, data)
    wf = specs.new_workflow(definition_spec(definition))
    wf.task_tree.data.update(data)
    if scheduled:  # a scheduled start: its own start timer fires now, once
        schedules.fire_start_timer_once(wf)
    now = clock.now()
    inst = ProcessInstance(definition_id=definition.id, process_key=definition.key, business_key=business_key,
                           status=Status.RUNNING.value, state="{}", serializer_version=specs.SERIALIZER_VERSION,
                           version=1, parent_id=parent_id, enterprise_id=ent.id if ent else None,
                           industry_key=ent.industry_key if ent else None, summary={}, started_by=actor.username,
                           started_at=now, updated_at=now)
    row_writes.insert_now(s, inst)  # its id now, for the audit chain and the task rows
    audit.record(s, "case.start", actor=actor.username, instance_id=inst.id,
                 after={"process": definition.key, "version": definition.version, "business_key": business_key,
                        "parent_id": parent_id, "data": _public(data)}, new_case=True)
    loaded = Loaded(inst, definition, wf, RoleBook.load(s), fresh=True)
    pending = advance(s, loaded, actor.username)
    start_children(s, inst, pending, actor, depth)
    return inst


def start_children(s: Session, parent: ProcessInstance, pending: list[dict[str, Any]], actor: Actor, depth: int) -> None:
    """Start the cases a step queued with start_case, linked to their parent."""
    if depth > 3 or len(pending) > MAX_CHILD_STARTS:
        raise BadRequest("子事项过多或嵌套过深", "Too many or too deeply nested child cases")
    system = Actor(username=actor.username, roles=frozenset({"admin"}))
    if pending:  # the parent's step written first, in one statement: the children's reads would flush it piecemeal
        step_writes.write_now(s)
    for item in pending:
        definition = definitions.load_definition(s, item["process_key"])
        data = dict(item["data"])
        if item.get("enterprise_code"):
            data["enterprise_code"] = item["enterprise_code"]
        create(s, definition, data, actor=system, parent_id=parent.id, depth=depth + 1)


def _public(data: dict[str, Any]) -> dict[str, Any]:
    return {k: ("***" if k.startswith(projection.CONFIDENTIAL_PREFIX) else v) for k, v in data.items()}


def start_form_check(s: Session, definition: ProcessDefinition, data: dict[str, Any]) -> None:
    """Validate start data against the start form, where the diagram names one."""
    key = definition.meta.get("start_form")
    if not key:
        return
    schema = forms.latest_schema(s, key)
    if schema is not None:
        forms.validate(schema, data)


def visible(s: Session, actor: Actor, instance_id: int) -> ProcessInstance:
    """A case the actor may see; NotFound otherwise (never reveal that it exists)."""
    inst = s.scalars(select(ProcessInstance).where(ProcessInstance.id == instance_id,
                                                   access.instance_clause(actor))).first()
    if inst is None:
        raise not_found("事项", "case", instance_id)
    return inst


# Case states and transitions as the Chinese messages name them.
STATUS_ZH = {"running": "进行中", "completed": "已办结", "terminated": "已终止", "suspended": "已挂起", "error": "出错"}
TRANSITION_ZH = {"suspend": "挂起", "resume": "恢复", "terminate": "终止", "retry": "重试"}


def transition(s: Session, inst: ProcessInstance, name: str, actor: Actor, reason: str | None) -> None:
    """Apply a named status transition (suspend, resume, terminate, retry)."""
    if not actor.has("admin"):
        raise Forbidden("只有管理员可以执行此操作", "Only administrators may do this")
    allowed, target = TRANSITIONS[name]
    if Status(inst.status) not in allowed:
        raise Conflict(f"事项当前{STATUS_ZH.get(inst.status, inst.status)}，不能{TRANSITION_ZH.get(name, name)}", f"Cannot {name} a case that is {inst.status}")
    if name == "terminate" and not (reason or "").strip():
        raise BadRequest("终止事项必须填写原因", "A reason is required to terminate a case")
    before = inst.status
    inst.status, inst.updated_at = target.value, clock.now()
    if target is Status.TERMINATED:
        inst.ended_at = clock.now()
    audit.record(s, f"case.{name}", actor=actor.username, instance_id=inst.id,
                 before={"status": before}, after={"status": target.value, "reason": reason})


def count(s: Session) -> int:
    return s.scalar(select(func.count(ProcessInstance.id))) or 0


def not_running(inst: ProcessInstance) -> Conflict:
    return Conflict(f"事项{STATUS_ZH.get(inst.status, inst.status)}，不能办理", f"The case is {inst.status}; it cannot be worked on")


__all__ = ["Status", "Loaded", "lock", "load", "advance", "save", "create", "visible", "transition",
           "start_form_check", "not_running", "NotFound"]
