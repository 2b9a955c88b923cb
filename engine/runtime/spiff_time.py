"""Make SpiffWorkflow's timers read our injected clock instead of the system clock.

SpiffWorkflow's timer event definitions call ``datetime.now(timezone.utc)`` on the module-level
name ``datetime``. We rebind that name to a subclass whose ``now`` consults ``engine.runtime.clock``, so
boundary, intermediate and start timers fire by the same clock as the rest of the engine.
"""
from __future__ import annotations

from datetime import datetime, tzinfo

from SpiffWorkflow.bpmn.specs.event_definitions import timer as _spiff_timer

from . import clock


class ClockedDatetime(datetime):
    """``datetime`` whose ``now()`` is the engine clock."""

    @classmethod
    def now(cls, tz: tzinfo | None = None) -> "ClockedDatetime":  # type: ignore[override]
        current = clock.now()
        value = current.astimezone(tz) if tz is not None else current.astimezone().replace(tzinfo=None)
        return cls.fromisoformat(value.isoformat())


def install() -> None:
    """Rebind SpiffWorkflow's timer module to the engine clock (idempotent)."""
    _spiff_timer.datetime = ClockedDatetime  # type: ignore[attr-defined]


install()
