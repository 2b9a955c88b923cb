"""The shape of stored case state: how large it grows and how deep its task tree is (the simulator's health)."""
from __future__ import annotations

from sqlalchemy import func, select

from . import compaction
from .db import unit_of_work
from .models import ProcessInstance


def largest_state() -> int:
    """The longest stored state (process_instance.state) in characters."""
    with unit_of_work(write=False) as s:
        return s.scalar(select(func.max(func.length(ProcessInstance.state)))) or 0


def tree_depth(state: str) -> int:
    """The deepest task's level in a stored state (root = 1, subprocesses included), read without recursion."""
    tasks, deepest = compaction.stored_shape(state)
    return deepest + 1 if tasks else 0


def deepest_tree(sample: int = 25) -> int:
    """The deepest task tree among the `sample` largest stored states (depth grows with size)."""
    with unit_of_work(write=False) as s:
        states = s.scalars(select(ProcessInstance.state).order_by(func.length(ProcessInstance.state).desc())
                           .limit(sample)).all()
    return max((tree_depth(state) for state in states), default=0)
