"""The `review` path (start, rectify, accept) through the engine and on raw SpiffWorkflow."""
from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

import engine

from .raw import PgRowStore, RawReview, RowStore
from .targets import DATA

START = {"case_title": "消防通道堵塞", "hazard_level": "general", "spawn": False}
STEPS = (("rectify", "officer_a", {"measures": "更换"}), ("accept", "inspector_catering", {"result": "pass"}))


@dataclass
class StepTimes:
    """Seconds per step name, over many cases."""

    by_step: dict[str, list[float]] = field(default_factory=dict)

    def add(self, step: str, seconds: float) -> None:
        self.by_step.setdefault(step, []).append(seconds)

    def all(self) -> list[float]:
        return [x for xs in self.by_step.values() for x in xs]


def engine_case(people: dict[str, engine.Actor], times: StepTimes | None = None,
                sizes: Callable[[str, int], None] | None = None) -> int:
    """Run one case through the engine API; returns its id."""
    t0 = time.perf_counter()
    view = engine.start_instance(people["officer_a"], "review", dict(START))
    _note(times, "start", t0)
    if sizes:
        sizes("start", view.id)
    for element, who, data in STEPS:
        task = next(t for t in view.open_tasks if t.element_id == element)
        t0 = time.perf_counter()
        view = engine.complete_task(people[who], task.id, data)
        _note(times, element, t0)
        if sizes:
            sizes(element, view.id)
    assert view.status == "completed", view.status
    return view.id


def raw_case(raw: RawReview, times: StepTimes | None = None, sizes: Callable[[str, str], None] | None = None) -> None:
    """The same path on raw SpiffWorkflow, with a full JSON save and load per step."""
    t0 = time.perf_counter()
    state = raw.start({**START, "enterprise_code": "91220881MA00000000"})
    _note(times, "start", t0)
    if sizes:
        sizes("start", state)
    for element, _who, data in STEPS:
        t0 = time.perf_counter()
        state = raw.complete(state, element, data)
        _note(times, element, t0)
        if sizes:
            sizes(element, state)


def stored_raw_case(raw: RawReview, store: RowStore | PgRowStore, times: StepTimes | None = None) -> None:
    """The raw path plus the floor of persistence: the JSON read from and written to one row per step."""
    t0 = time.perf_counter()
    case_id = store.insert(raw.start({**START, "enterprise_code": "91220881MA00000000"}))
    _note(times, "start", t0)
    for element, _who, data in STEPS:
        t0 = time.perf_counter()
        store.save(case_id, raw.complete(store.load(case_id), element, data))
        _note(times, element, t0)


def new_raw() -> RawReview:
    return RawReview(DATA / "review.bpmn")


def _note(times: StepTimes | None, step: str, t0: float) -> None:
    if times is not None:
        times.add(step, time.perf_counter() - t0)
