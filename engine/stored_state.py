"""The shape of stored case state: how large it grows and how deep its task tree is (the simulator's health)."""
from __future__ import annotations

import json

from sqlalchemy import func, select

from .db import unit_of_work
from .models import ProcessInstance


def largest_state() -> int:
    """The longest stored state (process_instance.state) in characters."""
    with unit_of_work(write=False) as s:
        return s.scalar(select(func.max(func.length(ProcessInstance.state)))) or 0


def tree_depth(state: str) -> int:
    """The depth of a stored workflow's task tree (root = 1), walking each task's `parent` without recursion."""
    tasks = (json.loads(state).get("tasks") or {})
    depth: dict[str, int] = {}
    for start in tasks:
        path, node = [], start
        while node is not None and node not in depth and node in tasks:
            path.append(node)
            node = tasks[node].get("parent")
        base = depth.get(node, 0) if node is not None else 0
        for n in reversed(path):
            base += 1
            depth[n] = base
    return max(depth.values(), default=0)


def deepest_tree(sample: int = 25) -> int:
    """The deepest task tree among the `sample` largest stored states (depth grows with size)."""
    with unit_of_work(write=False) as s:
        states = s.scalars(select(ProcessInstance.state).order_by(func.length(ProcessInstance.state).desc())
                           .limit(sample)).all()
    return max((tree_depth(state) for state in states), default=0)
