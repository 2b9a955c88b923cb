"""Human tasks: the operations on one task, each with its permission check (the inbox queries: `inbox`)."""
from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from SpiffWorkflow.exceptions import TaskNotFoundException
from SpiffWorkflow.util.task import TaskState
from sqlalchemy import Select, String, bindparam, cast, literal, select
from sqlalchemy.orm import Session

from . import (access, attachments, audit, case_data, clock, form_files, forms, instances, notifications, projection,
               step_writes, users)
from .attachments import Upload
from .db import unit_of_work
from .errors import BadRequest, Conflict, Forbidden, not_found
from .models import AuditHead, Enterprise, Job, ProcessInstance, Task
from .row_views import instance_view, task_view
from .views import Actor, InstanceView, TaskView


def _may_see(actor: Actor, row: Task, inst: ProcessInstance | None) -> bool:
    return inst is not None and (access.can_see(actor, inst) or row.assignee == actor.username
                                 or access.is_candidate(actor, row) or row.completed_by == actor.username
                                 or row.owner == actor.username)


def _visible_task(s: Session, actor: Actor, task_id: str) -> Task:
    row = s.get(Task, task_id)
    if row is None or not _may_see(actor, row, s.get(ProcessInstance, row.instance_id)):
        raise not_found("任务", "task", task_id)
    return row


def get_task(actor: Actor, task_id: str) -> TaskView:
    """One task the actor may see."""
    with unit_of_work(write=False) as s:
        row = _visible_task(s, actor, task_id)
        inst = s.get(ProcessInstance, row.instance_id)
        code = s.scalar(select(Enterprise.code).where(Enterprise.id == inst.enterprise_id)) if inst and inst.enterprise_id else None
        return task_view(row, code, inst.title if inst else None, actor)


@dataclass
class _Locked:
    row: Task
    inst: ProcessInstance
    timer_jobs: list[Job] | None = None  # the case's pending timer jobs, when asked for with the lock


def _lock_task(s: Session, actor: Actor, task_id: str, expected_version: int | None = None, *,
               timer_jobs: bool = False) -> _Locked:
    """Lock the task's case, then read the task: the loser of a race sees it already done (409).

    One statement: the case row, the task row and the case's audit chain head joined and read afresh; on
    PostgreSQL all three are locked (`FOR UPDATE`), so a waiter re-reads them as whoever held the lock before us
    committed them (a task completed meanwhile shows as completed, the chain's head is the newest); SQLite writers
    are serialized already. A case without a chain head (only a tampered trail) is read without it.
    """
    rows = s.execute(_lock_statement(s.get_bind().dialect.name, timer_jobs), {"task_id": task_id}).all()
    found = rows[0] if rows else None
    jobs = [r[-1] for r in rows if r[-1] is not None] if timer_jobs and rows else None
    if found is not None:
        audit.hold(s, *found[2:2 + len(audit.HEAD_COLUMNS)])
    else:
        found = s.execute(_locking(s, select(ProcessInstance, Task).join(Task, Task.instance_id == ProcessInstance.id)
                                   .where(Task.id == task_id))).first()
    inst, row = (found[0], found[1]) if found is not None else (None, None)
    if row is None or not _may_see(actor, row, inst):
        raise not_found("任务", "task", task_id)
    if row.status != "open":
        raise Conflict("任务已被办理或已取消", "The task was already completed or cancelled", {"status": row.status})
    if expected_version is not None and row.version != expected_version:
        raise Conflict("任务已被他人修改，请刷新", "The task changed meanwhile; reload it", {"version": row.version})
    assert inst is not None
    if inst.status != instances.Status.RUNNING.value:
        raise instances.not_running(inst)
    return _Locked(row, inst, jobs)


_CASE_CHAIN = literal("case:", String) + cast(ProcessInstance.id, String)  # audit.record's chain of a case


@functools.cache
def _lock_statement(dialect: str, timer_jobs: bool) -> Select[Any]:
    """The lock's statement, built once per database kind (its parameter: `task_id`)."""
    stmt = select(ProcessInstance, Task, *audit.HEAD_COLUMNS).join(Task, Task.instance_id == ProcessInstance.id).join(
        AuditHead, AuditHead.chain == _CASE_CHAIN).where(Task.id == bindparam("task_id"))
    if timer_jobs:  # and the case's pending timer jobs (not locked), for the step's projection: one row per job
        stmt = stmt.add_columns(Job).outerjoin(Job, (Job.instance_id == ProcessInstance.id) & (Job.kind == "timer")
                                               & (Job.status == "pending"))
    stmt = stmt.execution_options(populate_existing=True)
    return stmt.with_for_update(of=[ProcessInstance, Task, AuditHead]) if dialect == "postgresql" else stmt


def _locking(s: Session, stmt: Select[Any], of: tuple[Any, ...] | None = None) -> Select[Any]:
    stmt = stmt.execution_options(populate_existing=True)
    return stmt.with_for_update(of=list(of) if of else None) if s.get_bind().dialect.name == "postgresql" else stmt


def _check_worker(actor: Actor, row: Task) -> None:
    if not access.can_work(actor, row):
        if row.assignee and row.assignee != actor.username:
            raise Forbidden("该任务已由他人认领", "The task is assigned to someone else", {"assignee": row.assignee})
        raise Forbidden("您无权办理该任务", "You may not work on this task")


def claim(actor: Actor, task_id: str) -> TaskView:
    """Take an unassigned task of one's role."""
    with unit_of_work() as s:
        locked = _lock_task(s, actor, task_id)
        if locked.row.assignee == actor.username:
            return task_view(locked.row)
        if locked.row.assignee is not None:
            raise Conflict("任务已被他人认领", "The task was claimed by someone else", {"assignee": locked.row.assignee})
        _check_worker(actor, locked.row)
        _set_assignee(s, locked, actor.username, "task.claim", actor)
        return task_view(locked.row)


def unclaim(actor: Actor, task_id: str) -> TaskView:
    """Release a claimed task back to its role's pool."""
    with unit_of_work() as s:
        locked = _lock_task(s, actor, task_id)
        if locked.row.assignee != actor.username and not actor.has("admin"):
            raise Forbidden("只能释放自己认领的任务", "You can only release your own tasks")
        _set_assignee(s, locked, None, "task.unclaim", actor)
        return task_view(locked.row)


def _set_assignee(s: Session, locked: _Locked, username: str | None, action: str, actor: Actor,
                  comment: str | None = None, owner: str | None = None) -> None:
    before = {"assignee": locked.row.assignee, "owner": locked.row.owner}
    if username is not None and locked.row.assignee is None and locked.row.claimed_at is None:
        locked.row.claimed_at = clock.now()  # first taken from the pool: the end of its wait to be claimed
    locked.row.assignee, locked.row.owner = username, owner
    locked.row.version += 1
    audit.record(s, action, actor=actor.username, instance_id=locked.inst.id, task_id=locked.row.id, before=before,
                 after={"assignee": username, "owner": owner, "comment": comment})


def _user_actor(s: Session, username: str) -> Actor:
    actor = users.active_actor(s, username)
    if actor is None:
        raise BadRequest(f"用户不存在：{username}", f"No such user: {username}", [{"field": "to"}])
    return actor


def _handover_target(s: Session, locked: _Locked, username: str) -> Actor:
    """转办 and 委派 go only to an active user who could see the case and holds the task's role within its scope
    (an enterprise user: the case's own enterprise; bureau staff: the task's industry) — one rule for pages and API."""
    target = _user_actor(s, username)
    if not (access.is_candidate(target, locked.row) and access.can_see(target, locked.inst)):
        raise BadRequest("目标用户没有办理该任务的角色或范围", "That user lacks the role or scope for this task", [{"field": "to"}])
    return target


def _require_comment(comment: str | None) -> str:
    if not comment or not comment.strip():
        raise BadRequest("请填写意见", "A comment is required", [{"field": "comment", "message_zh": "必填", "message_en": "required"}])
    return comment.strip()[:2000]


def reassign(actor: Actor, task_id: str, to_username: str, comment: str | None = None) -> TaskView:
    """转办: hand the task to another user who could work it (assignee or admin/leader only)."""
    with unit_of_work() as s:
        locked = _lock_task(s, actor, task_id)
        if locked.row.assignee != actor.username and not actor.has("admin", "section_chief", "deputy_director", "director"):
            raise Forbidden("只能转办自己的任务", "You can only reassign your own tasks")
        _handover_target(s, locked, to_username)
        _set_assignee(s, locked, to_username, "task.reassign", actor, _require_comment(comment))
        return task_view(locked.row)


def delegate(actor: Actor, task_id: str, to_username: str, comment: str | None = None) -> TaskView:
    """委派: ask someone to work on the task; it comes back to the delegator when resolved."""
    with unit_of_work() as s:
        locked = _lock_task(s, actor, task_id)
        _check_worker(actor, locked.row)
        _handover_target(s, locked, to_username)
        _set_assignee(s, locked, to_username, "task.delegate", actor, _require_comment(comment), owner=actor.username)
        return task_view(locked.row)


def resolve(actor: Actor, task_id: str, data: dict[str, Any] | None = None, comment: str | None = None, *,
            uploads: list[Upload] | None = None) -> TaskView:
    """Return a delegated task to its owner, with the delegatee's draft data (and files, as for a draft)."""
    with attachments.staging() as staged, unit_of_work() as s:
        locked = _lock_task(s, actor, task_id)
        if locked.row.owner is None or locked.row.assignee != actor.username:
            raise Forbidden("该任务不是委派给您的", "This task was not delegated to you")
        draft = _with_files(s, staged, actor, locked, dict(data or {}), uploads, trust_file_ids=False)
        locked.row.draft = draft or locked.row.draft
        _set_assignee(s, locked, locked.row.owner, "task.resolve", actor, comment)
        return task_view(locked.row)


def save_draft(actor: Actor, task_id: str, data: dict[str, Any], *, uploads: list[Upload] | None = None,
               trust_file_ids: bool = False) -> TaskView:
    """Keep unfinished form data on the task (not validated, not yet part of the case).

    Files sent with it are stored with it; file fields hold only this case's attachments (see `complete_task`).

    Raises:
        FormInvalid: a file was refused or a file field names an unknown attachment: nothing is saved.
    """
    with attachments.staging() as staged, unit_of_work() as s:
        locked = _lock_task(s, actor, task_id)
        _check_worker(actor, locked.row)
        if not isinstance(data, dict) or len(str(data)) > 200_000:
            raise BadRequest("草稿数据无效或过大", "Draft data is invalid or too large")
        locked.row.draft = _with_files(s, staged, actor, locked, data, uploads, trust_file_ids)
        return task_view(locked.row)


def _with_files(s: Session, staged: attachments.Staging, actor: Actor, locked: _Locked, data: dict[str, Any],
                uploads: list[Upload] | None, trust_file_ids: bool) -> dict[str, Any]:
    """Draft data with its files stored (FormInvalid, nothing stored, when one is refused or an id is unknown)."""
    def task_data() -> Any:
        spiff_task = _spiff_task(instances.load(s, locked.inst).wf, locked.row.id)
        return spiff_task.data if spiff_task is not None else {}
    submission = form_files.prepare(s, locked.inst.id, _form_schema(s, locked.row), data, uploads or [], task_data,
                                    check_references=not trust_file_ids)
    form_files.raise_problems(submission, draft=True)
    form_files.store(s, staged, actor, submission, case_id=locked.inst.id, task_id=locked.row.id)
    return submission.data


def _form_schema(s: Session, row: Task) -> dict[str, Any] | None:
    if not row.form_key:
        return None
    return forms.latest_schema(s, row.form_key)


def complete_task(actor: Actor, task_id: str, data: dict[str, Any] | None = None, *,
                  expected_version: int | None = None, comment: str | None = None,
                  uploads: list[Upload] | None = None, trust_file_ids: bool = False) -> InstanceView:
    """Complete a task: validate against its form, run the engine, write state, inbox, audit and files together.

    `uploads` are files for the form's file fields: each accepted one is stored in this transaction and its id
    added to its field, so a refused or conflicting completion leaves no attachment row, file or audit row.
    File fields may name only attachments of this case (or ids the case already carries); `trust_file_ids`
    skips that look-up for callers that make up their own data (demo seeding, the simulator).

    Raises:
        NotFound: the task is not visible to the actor.
        Forbidden: someone else holds it, or the actor lacks its role.
        Conflict: it was completed or changed meanwhile, or the case is not running.
        FormInvalid: field-by-field errors, refused files and unknown attachment ids among them.
        ValidationFailed: the data is not JSON or is over the case data cap.
    """
    payload = dict(data or {})
    case_data.check_input(payload)
    with attachments.staging() as staged, unit_of_work() as s:
        locked = _lock_task(s, actor, task_id, expected_version, timer_jobs=True)
        _check_worker(actor, locked.row)
        if locked.row.owner is not None:
            raise Forbidden("委派的任务请先“办理完成并归还”", "A delegated task must be resolved back to its owner first")
        schema = _form_schema(s, locked.row)
        if schema is not None:
            payload = forms.without_read_only(schema, payload)
        loaded = instances.load(s, locked.inst)
        spiff_task = _spiff_task(loaded.wf, task_id)
        if spiff_task is None or spiff_task.state != TaskState.READY:
            raise Conflict("任务已不在可办理状态", "The task is no longer ready")
        # the case's only open row is the one locked (it is its only ready task): the projection need not read them
        loaded.rows_known = projection.KnownRows.before_step(loaded.wf, [locked.row], locked.timer_jobs)
        submission = form_files.prepare(s, locked.inst.id, schema, payload, uploads or [], lambda: spiff_task.data,
                                        check_references=not trust_file_ids)
        payload = submission.data
        forms.validate(schema, payload, [*submission.problems, *forms.choice_problems(schema, payload, spiff_task.data)])
        form_files.store(s, staged, actor, submission, case_id=locked.inst.id, task_id=task_id)
        spiff_task.data.update(payload)
        spiff_task.run()
        row = locked.row
        if row.assignee is None and row.claimed_at is None:  # done straight from the pool: taken as it was done
            row.claimed_at = clock.now()
        row.status, row.completed_at, row.completed_by, row.assignee = "completed", clock.now(), actor.username, actor.username
        row.version += 1
        row.draft = None
        if row.due_at is not None:  # only a task with a due time has reminder or escalation jobs
            step_writes.queue_update(s, Job, {"status": "cancelled"}, {"task_id": task_id, "status": "pending"})
        audit.record(s, "task.complete", actor=actor.username, instance_id=locked.inst.id, task_id=task_id,
                     before={"task": row.element_id}, after={"data": _masked(payload), "comment": comment})
        _copy_to(s, loaded, row)
        instances.start_children(s, locked.inst, instances.advance(s, loaded, actor.username), actor, 0)
        step_writes.write_pending(s)  # SQLite: flushed now; PostgreSQL: with the commit, in one round trip
        return instance_view(s, locked.inst, actor)


def _copy_to(s: Session, loaded: instances.Loaded, row: Task) -> None:
    """抄送: tell the roles named in the step's `ccTo` property that it was done (same transaction)."""
    step = loaded.definition.meta.get("steps", {}).get(row.element_id, {})
    roles = [r.strip() for r in step.get("properties", {}).get("ccTo", "").split(",") if r.strip()]
    recipients: dict[str, str | None] = {}  # username -> e-mail address
    for role in roles:
        key = loaded.roles.resolve(role, None)
        if key:
            scope_enterprise = loaded.inst.enterprise_id if loaded.roles.is_enterprise_side(key) else None
            with s.no_autoflush:  # users and roles: nothing the step has pending changes them
                recipients.update(notifications.role_member_emails(s, key, scope_enterprise, loaded.inst.industry_key))
    if recipients:
        title = loaded.inst.title or row.name
        # PostgreSQL: queued with the step's writes (one statement with its COMMIT); SQLite: flushed here
        notifications.notify(s, sorted(recipients), "cc", f"抄送：{row.name}（{title}）", f"Copied to you: {row.name} ({title})",
                             instance_id=row.instance_id, task_id=row.id, emails=recipients, with_step=True)


def _masked(data: dict[str, Any]) -> dict[str, Any]:
    return {k: ("***" if k.startswith("reporter_") else v) for k, v in data.items()}


def _reaches(start_spec: Any, target_name: str) -> bool:
    seen, frontier = set(), list(start_spec.outputs)
    while frontier:
        spec = frontier.pop()
        if spec.name == target_name:
            return True
        if spec.name not in seen:
            seen.add(spec.name)
            frontier.extend(spec.outputs)
    return False


def _spiff_task(wf: Any, task_id: str) -> Any:
    try:
        return wf.get_task_from_id(UUID(task_id))
    except TaskNotFoundException:
        return None


def _previous_human_step(task: Any) -> Any:
    """The human step the token passed last before `task` (its nearest completed manual ancestor)."""
    step = task.parent if task is not None else None
    while step is not None and not (step.task_spec.manual and step.has_state(TaskState.COMPLETED)):
        step = step.parent
    return step


def send_back(actor: Actor, task_id: str, comment: str | None) -> InstanceView:
    """退回: reopen the previous human step, where the diagram has a path back to it."""
    text = _require_comment(comment)
    with unit_of_work() as s:
        locked = _lock_task(s, actor, task_id)
        _check_worker(actor, locked.row)
        loaded = instances.load(s, locked.inst)
        current = _spiff_task(loaded.wf, task_id)
        target = _previous_human_step(current)
        if current is None or target is None or not _reaches(current.task_spec, target.task_spec.name):
            raise Conflict("流程图中没有退回到上一步的路径", "The diagram has no path back to the previous step")
        loaded.wf.reset_from_task_id(target.id)
        audit.record(s, "task.send_back", actor=actor.username, instance_id=locked.inst.id, task_id=task_id,
                     before={"task": locked.row.element_id}, after={"to": target.task_spec.name, "comment": text})
        instances.advance(s, loaded, actor.username)
        step_writes.write_pending(s)  # SQLite: flushed now; PostgreSQL: with the commit, in one round trip
        return instance_view(s, locked.inst, actor)
