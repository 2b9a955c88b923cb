"""The price of the sandbox worker pool: one engine step that runs an ordinary script task, as the engine runs it
(`engine.runtime.sandbox_pool`) and in the server process as scripts ran before the pool, side by side.

The step is the completion of `rectify` in `review` with a script task `assess` between `rectify` and `accept`.
Two scripts: a plain one (assignments over case data, `today()`, `add_days()`: `sandbox.is_bounded_script`, run in
the server) and one with a loop (which goes to a worker: one round trip, today() sent with the job, add_days()
run in the worker). Issue 14 allows the pool to cost at most 10 % per step.
"""
from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import engine
from engine.campaign import bootstrap
from engine.runtime import sandbox, sandbox_pool, scripting

from .stats import Table, median
from .targets import DATA, Target, use

SCRIPTS = {
    "plain script": "measures_length = len(measures)\nrecheck_on = add_days(today(), 7)\n"
                    "priority = 'high' if hazard_level == 'major' else 'normal'",
    "script with a loop": "measures_length = 0\nfor part in [measures, case_title]:\n"
                          "    measures_length = measures_length + len(part)\nrecheck_on = add_days(today(), 7)",
}
START = {"case_title": "消防通道堵塞", "hazard_level": "general", "spawn": False}


def _process(label: str) -> str:
    return "review_" + label.split()[-1]


def _diagram(label: str) -> bytes:
    """`review` with the script task `assess` on the flow from `rectify` to `accept`."""
    xml = (DATA / "review.bpmn").read_text(encoding="utf-8")
    xml = xml.replace('id="review"', f'id="{_process(label)}"')
    xml = xml.replace('<bpmn:incoming>f2</bpmn:incoming>', '<bpmn:incoming>f2s</bpmn:incoming>')
    xml = xml.replace('<bpmn:sequenceFlow id="f2" sourceRef="rectify" targetRef="accept"/>',
                      '<bpmn:sequenceFlow id="f2" sourceRef="rectify" targetRef="assess"/>\n'
                      '    <bpmn:sequenceFlow id="f2s" sourceRef="assess" targetRef="accept"/>')
    task = (f'<bpmn:scriptTask id="assess" name="评估"><bpmn:incoming>f2</bpmn:incoming>'
            f'<bpmn:outgoing>f2s</bpmn:outgoing><bpmn:script>{SCRIPTS[label]}</bpmn:script></bpmn:scriptTask>\n    ')
    return xml.replace('<bpmn:userTask id="accept"', task + '<bpmn:userTask id="accept"').encode("utf-8")


class _InProcess:
    """The sandbox as it ran before the worker pool: RestrictedPython in the server process, no OS limits."""

    @staticmethod
    def evaluate(expression: str, data: Any, functions: Any = None) -> Any:
        return sandbox.evaluate(expression, data, functions)

    @staticmethod
    def execute(script: str, data: dict[str, Any], functions: Any = None) -> None:
        sandbox.execute(script, data, functions)


class _Timed:
    """Stands in for `engine.runtime.sandbox_pool` in `engine.runtime.scripting`: runs each call on `runner`, timing it."""

    def __init__(self, runner: Any) -> None:
        self.runner, self.ms = runner, []  # type: list[float]

    def evaluate(self, *args: Any) -> Any:
        t0 = time.perf_counter()
        try:
            return self.runner.evaluate(*args)
        finally:
            self.ms.append((time.perf_counter() - t0) * 1000)

    def execute(self, *args: Any) -> None:
        t0 = time.perf_counter()
        try:
            self.runner.execute(*args)
        finally:
            self.ms.append((time.perf_counter() - t0) * 1000)


@contextmanager
def sandbox_on(runner: Any) -> Iterator[_Timed]:
    """Conditions and scripts run on `runner` (the pool, or `_InProcess` as the baseline) while the block runs."""
    pool = scripting.sandbox_pool
    timed = _Timed(runner)
    scripting.sandbox_pool = timed  # type: ignore[assignment]
    try:
        yield timed
    finally:
        scripting.sandbox_pool = pool


def _workers_cpu_ns() -> int:
    """CPU time the sandbox workers have used so far (ns, /proc/<pid>/schedstat)."""
    total = 0
    for worker in list(sandbox_pool.pool().everyone):
        try:
            total += int(open(f"/proc/{worker.proc.pid}/schedstat").read().split()[0])
        except (OSError, ValueError, IndexError):
            pass
    return total


def _script_step(people: dict[str, engine.Actor], process: str) -> tuple[float, float]:
    """Start a case and complete `rectify` (which runs `assess`): the completion's wall ms and CPU ms (this thread
    plus the sandbox workers)."""
    view = engine.start_instance(people["officer_a"], process, dict(START))
    task = next(t for t in view.open_tasks if t.element_id == "rectify")
    workers0 = _workers_cpu_ns()
    cpu0, t0 = time.thread_time(), time.perf_counter()
    after = engine.complete_task(people["officer_a"], task.id, {"measures": "更换报警器"})
    wall, cpu = (time.perf_counter() - t0) * 1000, (time.thread_time() - cpu0) * 1000
    cpu += (_workers_cpu_ns() - workers0) / 1e6
    assert [t.element_id for t in after.open_tasks] == ["accept"], after.status
    return wall, cpu


def run(table: Table, target: Target, cases: int, repeats: int) -> None:
    """Each script's step, as the engine runs it and in-process, interleaved case by case (both see the same load);
    per repeat the ratio of their medians, wall time and CPU time (the server's thread plus the workers)."""
    use(target)
    for label in SCRIPTS:
        engine.deploy(_diagram(label), actor="bench", forms_given=bootstrap.read_forms(DATA / "forms"))
        _compare(table, target, label, cases, repeats)


def _compare(table: Table, target: Target, label: str, cases: int, repeats: int) -> None:
    process = _process(label)
    runners = {"engine": sandbox_pool, "in-process": _InProcess}
    for runner in runners.values():  # start the workers, warm the caches
        with sandbox_on(runner):
            _script_step(target.people, process)
    walls: dict[str, list[float]] = {name: [] for name in runners}
    cpus: dict[str, list[float]] = {name: [] for name in runners}
    scripts: dict[str, list[float]] = {name: [] for name in runners}
    wall_ratios, cpu_ratios = [], []
    for _ in range(repeats):
        wall: dict[str, list[float]] = {name: [] for name in runners}
        cpu: dict[str, list[float]] = {name: [] for name in runners}
        for i in range(cases):
            for name in (("engine", "in-process") if i % 2 == 0 else ("in-process", "engine")):
                with sandbox_on(runners[name]) as timed:
                    step_wall, step_cpu = _script_step(target.people, process)
                wall[name].append(step_wall)
                cpu[name].append(step_cpu)
                scripts[name] += timed.ms
        wall_ratios.append(median(wall["engine"]) / median(wall["in-process"]))
        cpu_ratios.append(median(cpu["engine"]) / median(cpu["in-process"]))
        for name in runners:
            walls[name] += wall[name]
            cpus[name] += cpu[name]
    db = target.name
    table.add("sandbox", f"{label}: step wall ms, in-process / engine", db,
              f"{median(walls['in-process']):.2f} / {median(walls['engine']):.2f}")
    table.add("sandbox", f"{label}: the script's own ms, in-process / engine", db,
              f"{median(scripts['in-process']):.3f} / {median(scripts['engine']):.3f}")
    table.add("sandbox", f"{label}: step CPU ms (server + workers), in-process / engine", db,
              f"{median(cpus['in-process']):.2f} / {median(cpus['engine']):.2f}")
    for kind, ratios in (("wall", wall_ratios), ("CPU", cpu_ratios)):
        ratio = median(ratios)
        table.add("sandbox", f"{label}: {kind} ratio engine / in-process (median of {repeats})", db, f"{ratio:.3f}x",
                  f"<= 1.10x: {'met' if ratio <= 1.10 else 'MISSED'}")
