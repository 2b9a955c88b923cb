"""Move running cases of one process version to a newer version, where that is safe.

SpiffWorkflow aligns the old and new task specs by BPMN id (`SpecDiff`) and maps a running
workflow onto them (`WorkflowDiff`, `migrate_workflow`). We refuse, with the element and a
reason, when a step the case has **completed** was changed or removed, or when an **active** step
(ready, waiting, in error) was removed or changed in anything but what follows it (the steps after
an active one are predicted afresh). A migrated case is saved, reloaded against the new version
to prove the state fits it, and audited (`case.migrate`). Timers that were already waiting keep
their due time.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from SpiffWorkflow.bpmn.util.diff import diff_workflow, migrate_workflow
from SpiffWorkflow.util.task import TaskState
from sqlalchemy import select

from . import audit, definitions, instances, specs
from .db import unit_of_work
from .errors import BadRequest, Conflict, Forbidden, not_found
from .models import ProcessDefinition, ProcessInstance
from .views import Actor

MIGRATABLE = ("running", "suspended")
ACTIVE = TaskState.READY | TaskState.WAITING | TaskState.STARTED | TaskState.ERROR
# What an active step may change: the steps after it are predicted again after the move.
ACTIVE_MAY_CHANGE = {"outputs", "inputs"}


@dataclass(frozen=True)
class MigrationCheck:
    """Whether one case can move to a version, and if not, why (one reason per element)."""

    instance_id: int
    process_key: str
    from_version: int
    to_version: int
    ok: bool
    reasons: tuple[dict[str, Any], ...] = ()


@dataclass(frozen=True)
class BatchResult:
    migrated: tuple[int, ...]
    refused: tuple[MigrationCheck, ...]


def _allowed(actor: Actor) -> None:
    if not actor.has("admin", "process_owner"):
        raise Forbidden("只有管理员或流程负责人可以迁移事项", "Only administrators and process owners may migrate cases")


def _reason(element: str, name: str, zh: str, en: str) -> dict[str, Any]:
    return {"element_id": element, "name": name, "message_zh": zh, "message_en": en}


def _step_reasons(wf_diff: Any, spec_diff_changes: dict[Any, list[str]]) -> list[dict[str, Any]]:
    reasons = []
    for task in wf_diff.removed:
        if task.has_state(TaskState.COMPLETED | ACTIVE):
            done = task.has_state(TaskState.COMPLETED)
            name = task.task_spec.bpmn_name or task.task_spec.name
            reasons.append(_reason(task.task_spec.name, name,
                                   f"{'已完成' if done else '进行中'}的步骤“{name}”在新版本中被删除",
                                   f"The {'completed' if done else 'active'} step “{name}” was removed in the new version"))
    for task in wf_diff.changed:
        changes = set(spec_diff_changes.get(task.task_spec, []))
        if task.has_state(ACTIVE):
            changes -= ACTIVE_MAY_CHANGE
        elif not task.has_state(TaskState.COMPLETED):
            continue
        if changes:
            name = task.task_spec.bpmn_name or task.task_spec.name
            done = task.has_state(TaskState.COMPLETED)
            fields = ", ".join(sorted(changes))
            reasons.append(_reason(task.task_spec.name, name,
                                   f"{'已完成' if done else '进行中'}的步骤“{name}”在新版本中有改动（{fields}）",
                                   f"The {'completed' if done else 'active'} step “{name}” changed in the new version ({fields})"))
    return reasons


def _target(s: Any, inst: ProcessInstance, to_version: int | None) -> ProcessDefinition:
    target = definitions.load_definition(s, inst.process_key, to_version)
    current = s.get(ProcessDefinition, inst.definition_id)
    if target.version <= current.version:
        raise BadRequest(f"只能迁移到更新的版本（当前 v{current.version}）",
                         f"Cases move only to a newer version (now on v{current.version})")
    return target


def _plan(s: Any, inst: ProcessInstance, target: ProcessDefinition) -> tuple[instances.Loaded, Any, list[dict[str, Any]]]:
    loaded = instances.load(s, inst)
    old, new = definitions.parsed_spec(loaded.definition), definitions.parsed_spec(target)
    if inst.status not in MIGRATABLE:
        return loaded, None, [_reason("", "", f"事项{instances.STATUS_ZH.get(inst.status, inst.status)}，只能迁移进行中或已挂起的事项",
                                      f"The case is {inst.status}; only running or suspended cases can move")]
    if old.dialect != new.dialect:
        return loaded, None, [_reason("", "", "两个版本的建模方言不同（Spiff / Camunda）",
                                      "The two versions use different dialects (Spiff / Camunda)")]
    registry = specs._spec_serializers[old.dialect].registry  # noqa: SLF001 - the spec converters of this dialect
    top, subs = diff_workflow(registry, loaded.wf, new.spec, new.subprocess_specs)
    if any(d is None for d in subs.values()):
        return loaded, None, [_reason("", "", "运行中的子流程在新版本中不存在", "A running subprocess is missing from the new version")]
    from SpiffWorkflow.bpmn.util.diff import SpecDiff
    spec_diff = SpecDiff(registry, loaded.wf.spec, new.spec)
    return loaded, top, _step_reasons(top, spec_diff.comparisons)


def _case(s: Any, instance_id: int) -> ProcessInstance:
    # Process owners act on a process as a whole, so they reach every case of it (not only visible ones).
    inst = instances.lock(s, instance_id)
    if inst is None:
        raise not_found("事项", "case", instance_id)
    return inst


def _check(s: Any, inst: ProcessInstance, target: ProcessDefinition) -> MigrationCheck:
    current = s.get(ProcessDefinition, inst.definition_id)
    _, _, reasons = _plan(s, inst, target)
    return MigrationCheck(inst.id, inst.process_key, current.version, target.version, not reasons, tuple(reasons))


def check_migration(actor: Actor, instance_id: int, to_version: int | None = None) -> MigrationCheck:
    """Whether a case can move to `to_version` (default: the newest), without changing anything."""
    _allowed(actor)
    with unit_of_work(write=False) as s:
        inst = _case(s, instance_id)
        return _check(s, inst, _target(s, inst, to_version))


def _move(s: Any, actor: Actor, inst: ProcessInstance, target: ProcessDefinition) -> MigrationCheck:
    loaded, top, reasons = _plan(s, inst, target)
    from_version = loaded.definition.version
    if reasons:
        return MigrationCheck(inst.id, inst.process_key, from_version, target.version, False, tuple(reasons))
    new = definitions.parsed_spec(target)
    waiting = {t.id: dict(t.internal_data) for t in loaded.wf.get_tasks(state=TaskState.WAITING) if t not in top.changed}
    migrate_workflow(top, loaded.wf, new.spec)
    for task in loaded.wf.get_tasks(state=TaskState.NOT_FINISHED_MASK):
        if task.id in waiting and waiting[task.id]:
            task.internal_data = waiting[task.id]  # a timer keeps its due time
    loaded.wf.subprocess_specs = new.subprocess_specs
    specs.load_state(specs.dump_state(loaded.wf, new.dialect), new)  # the moved state must fit the new spec
    inst.definition_id = target.id
    loaded = instances.Loaded(inst, target, loaded.wf, loaded.roles)
    audit.record(s, "case.migrate", actor=actor.username, instance_id=inst.id,
                 before={"process": inst.process_key, "version": from_version},
                 after={"process": inst.process_key, "version": target.version})
    if inst.status == "running":
        instances.advance(s, loaded, actor.username)
    else:
        instances.save(s, loaded)
    return MigrationCheck(inst.id, inst.process_key, from_version, target.version, True)


def migrate_instance(actor: Actor, instance_id: int, to_version: int | None = None) -> MigrationCheck:
    """Move one case to `to_version` (default: the newest).

    Raises:
        Conflict: the case cannot move; details list each element and reason. Nothing changes.
    """
    _allowed(actor)
    with unit_of_work() as s:
        inst = _case(s, instance_id)
        result = _move(s, actor, inst, _target(s, inst, to_version))
        if not result.ok:
            raise Conflict("该事项不能迁移到新版本", "This case cannot move to the new version", list(result.reasons))
        return result


def migrate_version(actor: Actor, key: str, from_version: int, to_version: int | None = None) -> BatchResult:
    """Move every running or suspended case of one version; each case in its own transaction."""
    _allowed(actor)
    with unit_of_work(write=False) as s:
        source = definitions.load_definition(s, key, from_version)
        ids = list(s.scalars(select(ProcessInstance.id).where(ProcessInstance.definition_id == source.id,
                                                              ProcessInstance.status.in_(MIGRATABLE))
                             .order_by(ProcessInstance.id)))
    migrated, refused = [], []
    for instance_id in ids:
        with unit_of_work() as s:
            inst = instances.lock(s, instance_id)
            if inst is None or inst.definition_id != source.id or inst.status not in MIGRATABLE:
                continue
            result = _move(s, actor, inst, _target(s, inst, to_version))
            if not result.ok:
                s.rollback()
                refused.append(result)
            else:
                migrated.append(instance_id)
    return BatchResult(tuple(migrated), tuple(refused))
