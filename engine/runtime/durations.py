"""ISO 8601 durations as the engine reads them (`dueIn`, `remindBefore`, path-test waits, the escalation
interval): "P3D", "PT12H" — months and years counted by the calendar from now, as SpiffWorkflow's timers do."""
from __future__ import annotations

import re
from datetime import timedelta

from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition

from . import clock

_DURATION = re.compile(r"^P(?=\d|T\d)", re.IGNORECASE)


def looks_like_duration(text: str) -> bool:
    """Whether `text` is written as a duration ("P3D") rather than a data variable's name (`progress_due`)."""
    return bool(_DURATION.match(text))


def parse_duration(text: str) -> timedelta:
    """An ISO 8601 duration as a timedelta (months and years by the calendar from now)."""
    parsed = TimerEventDefinition.parse_iso_duration(text)
    return TimerEventDefinition.get_timedelta_from_start(parsed, clock.now())
