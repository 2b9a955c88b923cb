"""Keep a case's task tree bounded however long the case lives.

SpiffWorkflow keeps every task it ever ran: a loop, a send-back cycle or a repeating timer adds a few levels to the
tree on every pass, so a case that loops for years grows until its stored state is megabytes and SpiffWorkflow's
recursive helpers (`Task.is_descendant_of`, the parallel gateway's ancestor walk) raise `RecursionError`, or its
task iterator (which stops descending at depth 1,000) no longer finds the ready task.

`compact(wf)` runs before every save and removes what can no longer matter to the engine:

- a task is *live* when it is not finished (ready, waiting, started, predicted, in error), or it is the workflow's
  `last_task`; `reach(t)` is the distance from `t` down to the nearest live task in its subtree (∞ when none);
- below any finished task further than `KEEP` levels above all live work, finished subtrees with no live task are
  dropped (old iterations' side branches: cancelled joins, fired boundary events);
- such a task left with exactly one child is spliced out (its child takes its place), unless that child is a join
  gateway that stays: a join reads its parent to know which input it came from.

The root task and its child (the process start) always stay, as do the `KEEP` levels above every live task, which is
where `send_back` (退回) and the joins look. What was removed is counted per element in the root task's internal data,
so the case's path on its diagram still shows every element it ever completed. The history of every removed step
is already in the audit trail and the task rows.

`check(wf)` is the hard limit behind this: a tree deeper than `MAX_DEPTH` or larger than `MAX_TASKS` after compaction
(possible only for a diagram that is itself that large) is refused with `CaseTooLarge`, which the engine turns into an
incident on the case instead of a crash.
"""
from __future__ import annotations

from collections import Counter
from typing import Any
from uuid import UUID

from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.bpmn.specs.mixins.unstructured_join import UnstructuredJoin
from SpiffWorkflow.specs.Join import Join
from SpiffWorkflow.util.task import TaskState

from .errors import EngineError

KEEP = 12  # levels of finished work kept above every live task
MAX_DEPTH = 400  # far below SpiffWorkflow's iterator limit (1,000) and Python's recursion limit
MAX_TASKS = 5000
HEAL_ABOVE = 300  # a loaded case with more tasks than this is compacted at once (saved cases are compacted anyway)
COMPACTED_KEY = "safeloop_compacted"  # root task internal data: element id -> tasks removed
_FAR = 1 << 30


class CaseTooLarge(EngineError):
    status = 422
    code = "case_too_large"


def _walk(wf: Any) -> list[Any]:
    """Tasks of one workflow, parents before children (iterative: no recursion on deep trees)."""
    order, stack = [], [wf.task_tree]
    while stack:
        task = stack.pop()
        order.append(task)
        stack.extend(child for cid in task._children if (child := wf.tasks.get(cid)) is not None)
    return order


def _reach(wf: Any, order: list[Any]) -> dict[UUID, int]:
    last = wf.last_task.id if getattr(wf, "last_task", None) is not None else None
    reach: dict[UUID, int] = {}
    for task in reversed(order):
        if not task.has_state(TaskState.FINISHED_MASK) or task.id == last:
            reach[task.id] = 0
        else:
            reach[task.id] = min((reach.get(cid, _FAR) + 1 for cid in task._children), default=_FAR)
    return reach


def _is_join(task: Any) -> bool:
    return isinstance(task.task_spec, (UnstructuredJoin, Join))


def _compact_one(wf: Any, removed: Counter[str]) -> None:
    order = _walk(wf)
    reach = _reach(wf, order)
    root = wf.task_tree
    protected = {root.id, *root._children}
    far = [t for t in order if t.id not in protected and reach[t.id] > KEEP]
    if not far and len(order) == len(wf.tasks):
        return
    for task in [root, *far]:  # finished side branches hanging off old work
        dead = [cid for cid in task._children if reach.get(cid, _FAR) >= _FAR]
        if task is root or not dead:
            continue
        keep_children = [cid for cid in task._children if cid not in dead]
        for cid in dead:
            _drop_subtree(wf, cid, removed)
        task._children = keep_children
    spliceable = {t.id for t in far if t.id in wf.tasks and t.has_state(TaskState.FINISHED_MASK)
                  and len(t._children) == 1}
    changed = True
    while changed:  # a join that stays keeps its parent
        changed = False
        for tid in list(spliceable):
            child = wf.tasks[wf.tasks[tid]._children[0]]
            if _is_join(child) and child.id not in spliceable:
                spliceable.discard(tid)
                changed = True
    for tid in spliceable:
        _splice(wf, wf.tasks[tid], removed)
    # tasks no longer reachable from the root (left over by SpiffWorkflow itself) go too
    reachable = {t.id for t in _walk(wf)}
    for tid in [tid for tid in wf.tasks if tid not in reachable]:
        removed[wf.tasks[tid].task_spec.name] += 1
        del wf.tasks[tid]


def _drop_subtree(wf: Any, task_id: UUID, removed: Counter[str]) -> None:
    stack = [task_id]
    while stack:
        task = wf.tasks.pop(stack.pop(), None)
        if task is not None:
            if task.has_state(TaskState.COMPLETED):
                removed[task.task_spec.name] += 1
            stack.extend(task._children)


def _splice(wf: Any, task: Any, removed: Counter[str]) -> None:
    parent, child_id = wf.tasks[task._parent], task._children[0]
    parent._children = [child_id if cid == task.id else cid for cid in parent._children]
    wf.tasks[child_id]._parent = parent.id
    if task.has_state(TaskState.COMPLETED):
        removed[task.task_spec.name] += 1
    del wf.tasks[task.id]


def _drop_orphan_subprocesses(top: BpmnWorkflow) -> None:
    """Subprocesses whose calling task was removed (repeatedly: nested ones lose their caller with their parent)."""
    while True:
        alive = set(top.tasks)
        for sub in top.subprocesses.values():
            alive.update(sub.tasks)
        orphans = [tid for tid in top.subprocesses if tid not in alive]
        if not orphans:
            return
        for tid in orphans:
            del top.subprocesses[tid]


def compact(wf: BpmnWorkflow) -> int:
    """Remove finished work far above every live task; returns how many tasks were removed."""
    before = len(wf.tasks) + sum(len(sub.tasks) for sub in wf.subprocesses.values())
    removed: Counter[str] = Counter()
    for workflow in [wf, *wf.subprocesses.values()]:
        _compact_one(workflow, removed)
    _drop_orphan_subprocesses(wf)
    after = len(wf.tasks) + sum(len(sub.tasks) for sub in wf.subprocesses.values())
    if removed:
        counts = dict(wf.task_tree.internal_data.get(COMPACTED_KEY) or {})
        for name, n in removed.items():
            counts[name] = counts.get(name, 0) + n
        wf.task_tree.internal_data[COMPACTED_KEY] = counts
    return before - after


def compacted_elements(wf: BpmnWorkflow) -> dict[str, int]:
    """Completed tasks removed by compaction, per element id (they still count as the case's path)."""
    return dict(wf.task_tree.internal_data.get(COMPACTED_KEY) or {})


def depth(wf: BpmnWorkflow) -> int:
    """The deepest task's depth in any of the case's workflows (iteratively)."""
    deepest = 0
    for workflow in [wf, *wf.subprocesses.values()]:
        level: dict[UUID, int] = {}
        for task in _walk(workflow):
            level[task.id] = level.get(task._parent, -1) + 1 if task._parent in level else 0
            deepest = max(deepest, level[task.id])
    return deepest


def size(wf: BpmnWorkflow) -> int:
    return len(wf.tasks) + sum(len(sub.tasks) for sub in wf.subprocesses.values())


def check(wf: BpmnWorkflow) -> None:
    """Refuse a case beyond the hard bounds (an incident, never a RecursionError later)."""
    tasks = size(wf)
    deepest = depth(wf) if tasks > MAX_DEPTH else 0  # a tree never is deeper than it has tasks
    if deepest > MAX_DEPTH or tasks > MAX_TASKS:
        raise CaseTooLarge(
            f"事项的流程状态超出上限（任务树深度 {deepest}，上限 {MAX_DEPTH}；任务数 {tasks}，上限 {MAX_TASKS}）",
            f"The case's workflow state exceeds its bounds (task tree depth {deepest}, limit {MAX_DEPTH}; "
            f"{tasks} tasks, limit {MAX_TASKS})",
            {"depth": deepest, "tasks": tasks, "max_depth": MAX_DEPTH, "max_tasks": MAX_TASKS})


def stored_shape(state: str | dict[str, Any]) -> tuple[int, int]:
    """(tasks, deepest task tree) of a stored case state, read from its JSON without loading the workflow."""
    import json
    raw = json.loads(state) if isinstance(state, str) else state
    tasks, deepest = 0, 0
    for workflow in [raw, *(raw.get("subprocesses") or {}).values()]:
        table = workflow.get("tasks") or {}
        tasks += len(table)
        level: dict[str, int] = {}
        for start in table:
            chain, node = [], start
            while node in table and node not in level:  # walk up to a known level, then number the chain
                chain.append(node)
                node = table[node].get("parent")
            base = level.get(node, -1) if node in table else -1
            for offset, tid in enumerate(reversed(chain), start=1):
                level[tid] = base + offset
        deepest = max([deepest, *level.values()])
    return tasks, deepest
