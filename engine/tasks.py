"""Human tasks: the inbox queries and the operations on one task, each with its permission check."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from uuid import UUID

from sqlalchemy import func, or_, select, union_all, update
from sqlalchemy.orm import Session
from SpiffWorkflow.exceptions import TaskNotFoundException
from SpiffWorkflow.util.task import TaskState

from . import access, audit, case_data, clock, db, forms, instances, notifications, users
from .db import unit_of_work
from .errors import BadRequest, Conflict, Forbidden, not_found
from .models import Enterprise, Job, Notification, ProcessInstance, Task, User
from .views import Actor, InstanceView, Page, TaskView

SCOPES = ("mine", "candidate", "all", "done", "started", "cc")


def task_view(t: Task, enterprise_code: str | None = None, case_title: str | None = None,
              viewer: Actor | None = None) -> TaskView:
    return TaskView(t.id, t.instance_id, t.process_key, t.element_id, t.name, t.role_key, t.assignee, t.owner, t.status,
                    t.form_key, t.due_at, t.created_at, t.completed_at, t.completed_by, t.overdue, t.escalation_level,
                    t.version, enterprise_code, case_title, t.draft, t.alt_role_key,
                    viewer is not None and access.can_claim(viewer, t))


def _scope_clause(actor: Actor, scope: str) -> Any:
    if scope == "mine":
        return (Task.assignee == actor.username) & (Task.status == "open")
    if scope == "done":
        return Task.completed_by == actor.username
    if scope == "started":
        return ProcessInstance.started_by == actor.username
    if scope == "cc":
        return Task.id.in_(select(Notification.task_id).where(Notification.recipient == actor.username,
                                                              Notification.kind == "cc"))
    if scope == "all":
        if not access.sees_everything(actor):
            raise Forbidden("只有管理员、审计员和领导可以查看全部任务", "Only admins, auditors and leaders may list all tasks")
        return Task.id.is_not(None)
    raise BadRequest(f"未知范围：{scope}", f"Unknown scope: {scope}", {"allowed": SCOPES})


def list_tasks(actor: Actor, *, scope: str = "mine", status: str | None = None, process_key: str | None = None,
               enterprise_code: str | None = None, hazard_level: str | None = None, overdue: bool | None = None,
               text: str | None = None, limit: int = 50, offset: int = 0) -> Page:
    """The inbox: mine, candidate (my roles and scope), done, started (by me) or all (leaders/admin)."""
    limit = max(1, min(limit, 500))
    on_task: list[Any] = []  # conditions on task columns alone
    if scope in ("started", "all", "done") and status:
        on_task.append(Task.status == ("completed" if status == "done" else status))
    if process_key:
        on_task.append(Task.process_key == process_key)
    if overdue is not None:
        on_task.append(Task.overdue.is_(overdue))
    on_case: list[Any] = []  # conditions that need the case or its enterprise
    if enterprise_code:
        on_case.append(Enterprise.code == enterprise_code)
    if hazard_level:
        on_case.append(ProcessInstance.hazard_level == hazard_level)
    if text:
        like = f"%{text.replace('%', '').replace('_', '')}%"
        on_case.append(or_(Task.name.like(like), ProcessInstance.title.like(like)))
    if scope == "candidate":
        return _candidate_page(actor, on_task, on_case, limit, offset)
    where = [_scope_clause(actor, scope), *on_task]
    with unit_of_work(write=False) as s:
        # The plain inbox counts on `task` alone; the join is only for filters on the case or the enterprise.
        counted = select(func.count()).select_from(Task)
        if on_case or scope == "started":
            counted = _with_case(counted)
        total = s.scalar(counted.where(*where, *on_case)) or 0
        if total <= offset:
            return Page((), total, limit, offset)
        order = ((Task.completed_at.desc(),) if scope == "done"
                 else (Task.due_at.asc().nulls_last(), Task.created_at, Task.id))
        rows = s.execute(_with_case(select(Task, Enterprise.code, ProcessInstance.title))
                         .where(*where, *on_case).order_by(*order).limit(limit).offset(offset))
        return Page(tuple(task_view(t, code, title, actor) for t, code, title in rows), total, limit, offset)


def _with_case(stmt: Any) -> Any:
    return (stmt.join(ProcessInstance, ProcessInstance.id == Task.instance_id)
            .outerjoin(Enterprise, Enterprise.id == ProcessInstance.enterprise_id))


# Whether the pool is read as a UNION ALL of its branches: SQLite's planner uses the partial indexes only for one
# simple condition at a time; PostgreSQL combines the OR of the branches with a BitmapOr and was faster so
# (docs/performance.md, "Inbox").
UNION_POOL = {"sqlite": True, "postgresql": False}


def _candidate_page(actor: Actor, on_task: list[Any], on_case: list[Any], limit: int, offset: int) -> Page:
    """The claimable tasks: counted branch by branch (each one index range of the pool), the page taken from their
    union before the case and enterprise are joined to its rows."""
    branches = access.candidate_branches(actor)
    if not branches:
        return Page((), 0, limit, offset)
    if not UNION_POOL["postgresql" if db.is_postgres() else "sqlite"]:
        branches = [access.candidate_clause(actor)]
    parts = [select(Task.id.label("id"), Task.due_at.label("due_at"), Task.created_at.label("created_at"))
             .where(branch, *on_task) for branch in branches]
    pool = (union_all(*parts) if len(parts) > 1 else parts[0]).subquery("pool")
    order = (pool.c.due_at.asc().nulls_last(), pool.c.created_at, pool.c.id)
    with unit_of_work(write=False) as s:
        if on_case:
            # filters on the case: count and page the joined pool
            total = s.scalar(_with_case(select(func.count()).select_from(pool).join(Task, Task.id == pool.c.id))
                             .where(*on_case)) or 0
            picked, skip = pool, offset
        else:  # the page's rows are picked from the pool before anything is joined to them
            counts = [select(func.count()).where(branch, *on_task).scalar_subquery() for branch in branches]
            total = s.scalar(select(sum(counts[1:], counts[0]))) or 0
            picked, skip = select(pool).order_by(*order).limit(limit).offset(offset).subquery("picked"), 0
        if total <= offset:
            return Page((), total, limit, offset)
        page = (_with_case(select(Task, Enterprise.code, ProcessInstance.title).select_from(picked)
                           .join(Task, Task.id == picked.c.id))
                .where(*on_case).order_by(picked.c.due_at.asc().nulls_last(), picked.c.created_at, picked.c.id)
                .limit(limit).offset(skip))
        return Page(tuple(task_view(t, code, title, actor) for t, code, title in s.execute(page)), total, limit, offset)


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


def _lock_task(s: Session, actor: Actor, task_id: str, expected_version: int | None = None) -> _Locked:
    """Lock the task's case, then read the task: the loser of a race sees it already done (409).

    Two statements: the case row locked through the task's (immutable) case id, then the task as committed
    by whoever held the lock before us.
    """
    inst = instances.lock(s, select(Task.instance_id).where(Task.id == task_id).scalar_subquery())
    row = s.scalars(select(Task).where(Task.id == task_id).execution_options(populate_existing=True)).first()
    if row is None or not _may_see(actor, row, inst):
        raise not_found("任务", "task", task_id)
    if row.status != "open":
        raise Conflict("任务已被办理或已取消", "The task was already completed or cancelled", {"status": row.status})
    if expected_version is not None and row.version != expected_version:
        raise Conflict("任务已被他人修改，请刷新", "The task changed meanwhile; reload it", {"version": row.version})
    assert inst is not None
    if inst.status != instances.Status.RUNNING.value:
        raise instances.not_running(inst)
    return _Locked(row, inst)


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
    locked.row.assignee, locked.row.owner = username, owner
    locked.row.version += 1
    audit.record(s, action, actor=actor.username, instance_id=locked.inst.id, task_id=locked.row.id, before=before,
                 after={"assignee": username, "owner": owner, "comment": comment})


def _user_actor(s: Session, username: str) -> Actor:
    user = s.scalar(select(User).where(User.username == username, User.active.is_(True)))
    if user is None:
        raise BadRequest(f"用户不存在：{username}", f"No such user: {username}", [{"field": "to"}])
    return users.actor_of(s, user)


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


def resolve(actor: Actor, task_id: str, data: dict[str, Any] | None = None, comment: str | None = None) -> TaskView:
    """Return a delegated task to its owner, with the delegatee's draft data."""
    with unit_of_work() as s:
        locked = _lock_task(s, actor, task_id)
        if locked.row.owner is None or locked.row.assignee != actor.username:
            raise Forbidden("该任务不是委派给您的", "This task was not delegated to you")
        locked.row.draft = dict(data or {}) or locked.row.draft
        _set_assignee(s, locked, locked.row.owner, "task.resolve", actor, comment)
        return task_view(locked.row)


def save_draft(actor: Actor, task_id: str, data: dict[str, Any]) -> TaskView:
    """Keep unfinished form data on the task (not validated, not yet part of the case)."""
    with unit_of_work() as s:
        locked = _lock_task(s, actor, task_id)
        _check_worker(actor, locked.row)
        if not isinstance(data, dict) or len(str(data)) > 200_000:
            raise BadRequest("草稿数据无效或过大", "Draft data is invalid or too large")
        locked.row.draft = data
        return task_view(locked.row)


def _form_schema(s: Session, row: Task) -> dict[str, Any] | None:
    if not row.form_key:
        return None
    return forms.latest_schema(s, row.form_key)


def complete_task(actor: Actor, task_id: str, data: dict[str, Any] | None = None, *,
                  expected_version: int | None = None, comment: str | None = None) -> InstanceView:
    """Complete a task: validate against its form, run the engine, write state, inbox and audit together.

    Raises:
        NotFound: the task is not visible to the actor.
        Forbidden: someone else holds it, or the actor lacks its role.
        Conflict: it was completed or changed meanwhile, or the case is not running.
        FormInvalid: field-by-field errors.
        ValidationFailed: the data is not JSON or is over the case data cap.
    """
    payload = dict(data or {})
    case_data.check_input(payload)
    with unit_of_work() as s:
        locked = _lock_task(s, actor, task_id, expected_version)
        _check_worker(actor, locked.row)
        if locked.row.owner is not None:
            raise Forbidden("委派的任务请先“办理完成并归还”", "A delegated task must be resolved back to its owner first")
        schema = _form_schema(s, locked.row)
        if schema is not None:
            payload = forms.without_read_only(schema, payload)
            forms.validate(schema, payload)
        loaded = instances.load(s, locked.inst)
        spiff_task = _spiff_task(loaded.wf, task_id)
        if spiff_task is None or spiff_task.state != TaskState.READY:
            raise Conflict("任务已不在可办理状态", "The task is no longer ready")
        spiff_task.data.update(payload)
        spiff_task.run()
        row = locked.row
        row.status, row.completed_at, row.completed_by, row.assignee = "completed", clock.now(), actor.username, actor.username
        row.version += 1
        row.draft = None
        s.execute(update(Job).where(Job.task_id == task_id, Job.status == "pending").values(status="cancelled")
                  .execution_options(synchronize_session=False))
        audit.record(s, "task.complete", actor=actor.username, instance_id=locked.inst.id, task_id=task_id,
                     before={"task": row.element_id}, after={"data": _masked(payload), "comment": comment})
        _copy_to(s, loaded, row)
        instances.start_children(s, locked.inst, instances.advance(s, loaded, actor.username), actor, 0)
        from .cases import _view
        s.flush()
        return _view(s, locked.inst, actor)


def _copy_to(s: Session, loaded: instances.Loaded, row: Task) -> None:
    """抄送: tell the roles named in the step's `ccTo` property that it was done (same transaction)."""
    step = loaded.definition.meta.get("steps", {}).get(row.element_id, {})
    roles = [r.strip() for r in step.get("properties", {}).get("ccTo", "").split(",") if r.strip()]
    recipients: set[str] = set()
    for role in roles:
        key = loaded.roles.resolve(role, None)
        if key:
            scope_enterprise = loaded.inst.enterprise_id if loaded.roles.is_enterprise_side(key) else None
            recipients.update(notifications.role_members(s, key, scope_enterprise, loaded.inst.industry_key))
    if recipients:
        title = loaded.inst.title or row.name
        notifications.notify(s, sorted(recipients), "cc", f"抄送：{row.name}（{title}）", f"Copied to you: {row.name} ({title})",
                             instance_id=row.instance_id, task_id=row.id)


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
        from .cases import _view
        s.flush()
        return _view(s, locked.inst, actor)
