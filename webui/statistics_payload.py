"""Step statistics as JSON: the API's answer and the data the statistics page's diagram overlay reads."""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

from engine.runtime import ProcessStatistics, SlowCase, StepStatistics, Wait


def _wait(w: Wait) -> dict[str, Any]:
    return {"count": w.count, "median_seconds": w.median, "p90_seconds": w.p90}


def _slow(c: SlowCase, link: Callable[[int], str]) -> dict[str, Any]:
    return {"instance_id": c.instance_id, "seconds": c.seconds, "still_open": c.still_open, "visible": c.visible,
            "business_key": c.business_key, "title": c.title, "enterprise_name": c.enterprise_name,
            "url": link(c.instance_id) if c.visible else None}


def step_json(step: StepStatistics, link: Callable[[int], str]) -> dict[str, Any]:
    """One step: counts, waits (seconds), late share and its slowest cases (`link`: a case's URL)."""
    share = step.overdue_share
    return {"id": step.element_id, "element_id": step.element_id, "name": step.name, "on_diagram": step.on_diagram,
            "tasks": step.tasks, "completed": step.completed, "open": step.open, "claim_wait": _wait(step.claim),
            "completion_wait": _wait(step.done), "late": step.late, "with_due": step.with_due,
            "overdue_share": None if share is None else round(share, 4), "reminders": step.reminders,
            "escalations": step.escalations, "send_backs": step.send_backs,
            "slowest": [_slow(c, link) for c in step.slowest]}


def statistics_json(result: ProcessStatistics, link: Callable[[int], str]) -> dict[str, Any]:
    """The whole answer: the period and filters counted, steps and flows keyed by element id."""
    f = result.filters
    return {"id": result.key, "key": result.key, "name": result.name, "version": result.version,
            "diagram_version": result.diagram_version, "versions": list(result.versions),
            "from": result.date_from.isoformat(), "to": result.date_to.isoformat(),
            "filters": {"industry": f.industry, "township": f.township, "enterprise": f.enterprise_code},
            "enterprise_scope": result.enterprise_scope,
            "steps": {s.element_id: step_json(s, link) for s in result.steps},
            "flows": {fl.id: {"id": fl.id, "source": fl.source, "target": fl.target, "name": fl.name, "count": fl.count}
                      for fl in result.flows},
            "unmatched": result.unmatched}
