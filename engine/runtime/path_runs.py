"""Running path tests (engine.runtime.path_tests) against a draft diagram on a scratch database (engine.runtime.scratch_db).

The draft is deployed in the scratch copy and each scenario is played through the engine's own functions — the
start checks and `instances.create` that `start_instance` uses, `tasks.complete_task` for every answer (form
validation included), `timers.fire_due` for a wait — on a manual clock, so a scenario of weeks takes milliseconds.
A scenario fails at the step where the case left the expected path: the start (step 0), a step whose task was not
open, was refused or raised an incident, or the expectation after the last step (step n + 1).
"""
from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from SpiffWorkflow.bpmn.specs.mixins.events.end_event import EndEvent
from SpiffWorkflow.util.task import TaskState
from sqlalchemy import select

from . import bpmn_xml, case_data, clock, db, definitions, instances, path_tests, scratch_db, tasks, timers
from .db import unit_of_work
from .errors import BadRequest, EngineError
from .models import ProcessInstance, Task
from .path_tests import Scenario, Step
from .projection import parse_duration
from .views import Actor

TESTER = Actor(username="path-test", display_name="路径测试 Path test", roles=frozenset({"admin"}))
TIME_LIMIT_SECONDS = 30.0  # for one run of every scenario; the rest are reported as not run


@dataclass(frozen=True)
class ScenarioResult:
    """How one scenario went: passed, or the step where it diverged and why; the tasks it answered on the way."""

    name: str
    passed: bool
    step: int | None  # 0 = the start, 1..n = the steps, n + 1 = the expectation; None when it passed
    element_id: str | None  # the element concerned (the expected task or end), for marking on the diagram
    message_zh: str
    message_en: str
    path: tuple[str, ...]  # element ids of the tasks answered, in order
    open_tasks: tuple[str, ...]  # element ids open where it stopped
    ended_at: tuple[str, ...]  # end events reached, when the case completed

    @property
    def where_zh(self) -> str:
        return f"第 {self.step} 步" if self.step else "开始"

    @property
    def where_en(self) -> str:
        return f"step {self.step}" if self.step else "the start"


@dataclass(frozen=True)
class PathTestReport:
    """Every scenario's result for one draft of a process."""

    process_key: str
    passed: bool
    results: tuple[ScenarioResult, ...]


@dataclass(frozen=True)
class _CaseState:
    status: str
    open_rows: tuple[Task, ...]
    error_element: str | None
    error_message: str | None


class _Diverged(Exception):
    def __init__(self, step: int, element_id: str | None, zh: str, en: str) -> None:
        super().__init__(en)
        self.step, self.element_id, self.zh, self.en = step, element_id, zh, en


def run(bpmn: bytes, scenarios: Sequence[Scenario], *, forms_given: dict[str, dict[str, Any]] | None = None,
        time_limit: float = TIME_LIMIT_SECONDS) -> PathTestReport:
    """Deploy `bpmn` on a scratch copy of the database and play every scenario (DefinitionInvalid if it would not
    deploy). Nothing is written to the live database."""
    started_at, deadline = clock.now(), time.monotonic() + time_limit
    with scratch_db.scratch():
        key = definitions.deploy(bpmn, actor=TESTER.username, forms_given=forms_given, check_paths=False).process.key
        names = _element_names(key)
        results = []
        for scenario in scenarios:
            if time.monotonic() > deadline:
                results.append(_not_run(scenario, time_limit))
                continue
            manual = clock.ManualClock(started_at)
            token = clock.set_clock(manual)
            try:
                results.append(_play(key, scenario, manual, names))
            finally:
                clock.reset_clock(token)
    return PathTestReport(key, all(r.passed for r in results), tuple(results))


def run_for(key: str, *, bpmn: bytes | None = None, scenarios: Any = None) -> PathTestReport:
    """Run path tests for a process: the given draft (default: its newest version) against the given scenarios
    (JSON, default: the stored ones). BadRequest when the draft is another process's diagram."""
    path_tests.check_key(key)
    draft = bpmn if bpmn is not None else definitions.get_bpmn(key).encode("utf-8")
    root = bpmn_xml.parse(bpmn_xml.as_utf8(draft, db.settings().max_bpmn_bytes), db.settings().max_bpmn_bytes)
    if path_tests.diagram_key(root) != key:
        raise BadRequest(f"流程图的流程 ID 不是 {key}", f"The diagram's process id is not {key}",
                         [{"field": "bpmn", "message_zh": "流程 ID 不符", "message_en": "process id differs"}])
    chosen = path_tests.stored(key) if scenarios is None else path_tests.parse(scenarios)
    if not chosen:
        return PathTestReport(key, True, ())
    return run(draft, chosen)


def _not_run(scenario: Scenario, limit: float) -> ScenarioResult:
    return ScenarioResult(scenario.name, False, 0, None, f"未运行：本次试运行已超过 {limit:.0f} 秒的时限",
                          f"not run: this trial run passed its {limit:.0f}-second limit", (), (), ())


def _element_names(key: str) -> dict[str, str]:
    """Element id → its name on the diagram (subprocesses included), for messages a process owner reads."""
    with unit_of_work(write=False) as s:
        parsed = definitions.parsed_spec(definitions.load_definition(s, key))
    out: dict[str, str] = {}
    for spec in (parsed.spec, *parsed.subprocess_specs.values()):
        for name, task_spec in spec.task_specs.items():
            label = getattr(task_spec, "bpmn_name", None)
            if label:
                out[getattr(task_spec, "bpmn_id", None) or name] = str(label)
    return out


class _Labels:
    """How messages name an element: 「验收」 in Chinese, 验收 (accept) in English; the bare id when unnamed."""

    def __init__(self, names: dict[str, str]) -> None:
        self.names = names

    def zh(self, element_id: str | None) -> str:
        name = self.names.get(element_id or "")
        return f"「{name}」" if name else str(element_id)

    def en(self, element_id: str | None) -> str:
        name = self.names.get(element_id or "")
        return f"{name} ({element_id})" if name else str(element_id)

    def rows_zh(self, rows: Sequence[Task]) -> str:
        return "、".join(f"「{r.name}」" for r in rows) or "无"

    def rows_en(self, rows: Sequence[Task]) -> str:
        return ", ".join(f"{r.name} ({r.element_id})" for r in rows) or "none"


def _play(key: str, scenario: Scenario, manual: clock.ManualClock, names: dict[str, str]) -> ScenarioResult:
    path: list[str] = []
    case_id: int | None = None
    labels = _Labels(names)
    try:
        case_id = _start(key, scenario.start, labels)
        for number, step in enumerate(scenario.steps, 1):
            _take(case_id, number, step, manual, path, labels)
        _expect(case_id, scenario, len(scenario.steps) + 1, labels)
    except _Diverged as off:
        state = _state(case_id) if case_id is not None else None
        return ScenarioResult(scenario.name, False, off.step, off.element_id, off.zh, off.en, tuple(path),
                              _open_ids(state), _ends(case_id) if state and state.status == "completed" else ())
    state = _state(case_id)
    return ScenarioResult(scenario.name, True, None, None, "通过", "passed", tuple(path), _open_ids(state),
                          _ends(case_id) if state.status == "completed" else ())


def _start(key: str, start: dict[str, Any], labels: _Labels) -> int:
    data = dict(start)
    try:
        case_data.check_input(data)
        with unit_of_work() as s:  # cases.start_instance's path, without who-may-start (a path test is no person)
            definition = definitions.load_definition(s, key)
            instances.start_form_check(s, definition, data)
            inst = instances.create(s, definition, data, actor=TESTER)
            s.flush()
            case_id = inst.id
    except EngineError as err:
        raise _Diverged(0, None, f"无法开始：{_detail(err, 'zh')}", f"could not start: {_detail(err, 'en')}") from err
    _check_incident(case_id, 0, labels)
    return case_id


def _take(case_id: int, number: int, step: Step, manual: clock.ManualClock, path: list[str], labels: _Labels) -> None:
    state = _state(case_id)
    if state.status != "running":
        ends = _ends(case_id)
        raise _Diverged(number, step.task, f"事项已结束（{'、'.join(map(labels.zh, ends)) or state.status}），没有待办任务",
                        f"the case had already ended ({', '.join(map(labels.en, ends)) or state.status}); no task was open")
    if step.wait:
        manual.set(manual.now() + parse_duration(step.wait))
        timers.fire_due()
    else:
        row = next((r for r in state.open_rows if r.element_id == step.task), None)
        if row is None:
            raise _Diverged(number, step.task, f"期望待办任务{labels.zh(step.task)}，实际待办：{labels.rows_zh(state.open_rows)}",
                            f"expected task {labels.en(step.task)} to be open; open were: {labels.rows_en(state.open_rows)}")
        try:
            tasks.complete_task(_worker(row), row.id, step.data, trust_file_ids=True)
        except EngineError as err:
            raise _Diverged(number, step.task, f"任务「{row.name}」未通过：{_detail(err, 'zh')}",
                            f"task {row.name} ({row.element_id}) was refused: {_detail(err, 'en')}") from err
        path.append(row.element_id)
    _check_incident(case_id, number, labels)


def _expect(case_id: int, scenario: Scenario, number: int, labels: _Labels) -> None:
    state = _state(case_id)
    if scenario.expect_end:
        ends = _ends(case_id) if state.status == "completed" else ()
        if scenario.expect_end not in ends:
            found_zh = (f"结束于{'、'.join(map(labels.zh, ends))}" if ends
                        else f"尚未结束，待办：{labels.rows_zh(state.open_rows)}")
            found_en = (f"it ended at {', '.join(map(labels.en, ends))}" if ends
                        else f"it had not ended; open: {labels.rows_en(state.open_rows)}")
            raise _Diverged(number, scenario.expect_end, f"期望结束于{labels.zh(scenario.expect_end)}，实际{found_zh}",
                            f"expected to end at {labels.en(scenario.expect_end)}, but {found_en}")
    elif not any(r.element_id == scenario.expect_task for r in state.open_rows):
        ends = _ends(case_id) if state.status == "completed" else ()
        found_zh = f"已结束于{'、'.join(map(labels.zh, ends))}" if ends else f"待办：{labels.rows_zh(state.open_rows)}"
        found_en = f"it ended at {', '.join(map(labels.en, ends))}" if ends else f"open were: {labels.rows_en(state.open_rows)}"
        raise _Diverged(number, scenario.expect_task, f"期望停在任务{labels.zh(scenario.expect_task)}，实际{found_zh}",
                        f"expected task {labels.en(scenario.expect_task)} to be open; {found_en}")


def _check_incident(case_id: int, number: int, labels: _Labels) -> None:
    state = _state(case_id)
    if state.status == "error":
        raise _Diverged(number, state.error_element, f"在{labels.zh(state.error_element)}出错：{state.error_message}",
                        f"incident at {labels.en(state.error_element)}: {state.error_message}")


def _state(case_id: int) -> _CaseState:
    with unit_of_work(write=False) as s:
        inst = s.get(ProcessInstance, case_id)
        assert inst is not None
        rows = tuple(s.scalars(select(Task).where(Task.instance_id == case_id, Task.status == "open")
                               .order_by(Task.created_at, Task.element_id)))
        return _CaseState(inst.status, rows, inst.error_element, inst.error_message)


def _ends(case_id: int) -> tuple[str, ...]:
    """The end events the case's tokens reached."""
    with unit_of_work(write=False) as s:
        inst = s.get(ProcessInstance, case_id)
        assert inst is not None
        wf = instances.load(s, inst).wf
        return tuple(dict.fromkeys(getattr(t.task_spec, "bpmn_id", None) or t.task_spec.name
                                   for t in wf.get_tasks(state=TaskState.COMPLETED) if isinstance(t.task_spec, EndEvent)))


def _worker(row: Task) -> Actor:
    """Someone who may do this task: its assignee, or a holder of its role in its enterprise."""
    held = frozenset(r for r in (row.role_key, row.alt_role_key) if r)
    return Actor(username=row.assignee or TESTER.username, display_name=TESTER.display_name, roles=held,
                 enterprise_id=row.enterprise_id)


def _open_ids(state: _CaseState | None) -> tuple[str, ...]:
    return tuple(r.element_id for r in state.open_rows) if state else ()


def _detail(err: EngineError, lang: str) -> str:
    fields = [f"{d.get('field')}: {d.get('message_' + lang) or ''}".strip() for d in err.details or []
              if isinstance(d, dict) and d.get("field")] if isinstance(err.details, list) else []
    return err.message(lang) + (f"（{'; '.join(fields)}）" if fields and lang == "zh" else
                                f" ({'; '.join(fields)})" if fields else "")


definitions.set_path_runner(lambda bpmn, scenarios, forms_given: run(bpmn, scenarios, forms_given=forms_given))
