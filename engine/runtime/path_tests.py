"""Path tests: a process owner's scenarios (start data, each task's answers in order, the expected end event or open
task), stored with the process key, run against a draft on a scratch database (engine.runtime.path_runs) and again at every
deploy, where a failing one blocks the deploy unless the owner overrides it with a reason (audited).

A scenario, as stored and as the API takes it::

    {"name": "一般隐患按期整改", "start": {...start data...},
     "steps": [{"task": "Task_rectify", "data": {...answers...}}, {"wait": "P3D"}, ...],
     "expect": {"end": "End_closed"}}        # or {"task": "Task_review"}: that task is open at the end

`wait` moves the scenario's clock on and fires whatever timers fall due (reminders, escalations, boundary timers).
"""
from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from lxml import etree
from sqlalchemy import delete, select

from . import audit, bpmn_xml, clock
from .db import unit_of_work
from .errors import BadRequest
from .models import PathTest
from .views import Actor

MAX_SCENARIOS = 50  # per process
MAX_STEPS = 100  # per scenario
MAX_JSON_CHARS = 200_000  # all of a process's scenarios together
MAX_WAIT = timedelta(days=400)
_KEY = re.compile(r"^[A-Za-z_][A-Za-z0-9_.\-]{0,99}$")


@dataclass(frozen=True)
class Step:
    """Answer the open task `task` with `data`, or (with `wait`) let that much time pass."""

    task: str | None = None
    data: dict[str, Any] = field(default_factory=dict)
    wait: str | None = None

    def as_json(self) -> dict[str, Any]:
        return {"wait": self.wait} if self.wait else {"task": self.task, "data": self.data}


@dataclass(frozen=True)
class Scenario:
    """One path test: where it starts, what each task answers, where it must arrive."""

    name: str
    start: dict[str, Any]
    steps: tuple[Step, ...]
    expect_end: str | None = None
    expect_task: str | None = None

    def as_json(self) -> dict[str, Any]:
        expect = {"end": self.expect_end} if self.expect_end else {"task": self.expect_task}
        return {"name": self.name, "start": self.start, "steps": [s.as_json() for s in self.steps], "expect": expect}


def _bad(where: str, zh: str, en: str) -> BadRequest:
    return BadRequest(f"路径测试有误（{where}）：{zh}", f"Path test invalid ({where}): {en}",
                      [{"field": where, "message_zh": zh, "message_en": en}])


def _element_id(value: Any, where: str) -> str:
    if not isinstance(value, str) or not _KEY.match(value):
        raise _bad(where, "应为流程图中的元素 ID", "must be an element id of the diagram")
    return value


def _step(raw: Any, where: str) -> Step:
    if not isinstance(raw, dict) or set(raw) - {"task", "data", "wait"}:
        raise _bad(where, "每一步为 {task, data} 或 {wait}", "each step is {task, data} or {wait}")
    if "wait" in raw:
        if set(raw) != {"wait"}:
            raise _bad(where, "等待步骤只含 wait", "a wait step holds only wait")
        return Step(wait=_duration(raw["wait"], where))
    data = raw.get("data", {})
    if not isinstance(data, dict):
        raise _bad(where, "data 应为对象", "data must be an object")
    return Step(task=_element_id(raw.get("task"), where), data=data)


def _duration(value: Any, where: str) -> str:
    from .projection import parse_duration
    try:
        span = parse_duration(value) if isinstance(value, str) and len(value) <= 40 else None
    except Exception:  # noqa: BLE001 - any unparsable text is the same user error
        span = None
    if span is None or span <= timedelta(0) or span > MAX_WAIT:
        raise _bad(where, "等待时间应为 ISO 8601 时长（如 P3D），不超过 400 天",
                   "wait must be an ISO 8601 duration such as P3D, at most 400 days")
    return value


def _scenario(raw: Any, number: int) -> Scenario:
    where = f"#{number}"
    if not isinstance(raw, dict) or set(raw) - {"name", "start", "steps", "expect"}:
        raise _bad(where, "应为 {name, start, steps, expect}", "must be {name, start, steps, expect}")
    name = raw.get("name")
    if not isinstance(name, str) or not name.strip() or len(name) > 200:
        raise _bad(where, "名称必填，最长 200 字", "a name of up to 200 characters is required")
    start, steps, expect = raw.get("start", {}), raw.get("steps", []), raw.get("expect")
    if not isinstance(start, dict):
        raise _bad(where, "start（开始数据）应为对象", "start (the start data) must be an object")
    if not isinstance(steps, list) or len(steps) > MAX_STEPS:
        raise _bad(where, f"steps 应为列表，最多 {MAX_STEPS} 步", f"steps must be a list of at most {MAX_STEPS}")
    if not isinstance(expect, dict) or len(expect) != 1 or not set(expect) <= {"end", "task"}:
        raise _bad(where, "expect 应为 {end: 结束事件 ID} 或 {task: 任务 ID}",
                   "expect must be {end: end event id} or {task: task id}")
    target = _element_id(next(iter(expect.values())), f"{where}.expect")
    return Scenario(name.strip(), start, tuple(_step(s, f"{where}.steps[{i}]") for i, s in enumerate(steps, 1)),
                    target if "end" in expect else None, target if "task" in expect else None)


def parse(raw: Any) -> list[Scenario]:
    """Scenarios from JSON (a list), checked: BadRequest names the first problem."""
    if not isinstance(raw, list) or len(raw) > MAX_SCENARIOS:
        raise _bad("scenarios", f"应为列表，最多 {MAX_SCENARIOS} 个", f"must be a list of at most {MAX_SCENARIOS}")
    if len(json.dumps(raw, ensure_ascii=False, default=str)) > MAX_JSON_CHARS:
        raise _bad("scenarios", "内容过大", "too large")
    scenarios = [_scenario(item, number) for number, item in enumerate(raw, 1)]
    names = [s.name for s in scenarios]
    duplicate = next((n for n in names if names.count(n) > 1), None)
    if duplicate:
        raise _bad("scenarios", f"名称重复：{duplicate}", f"duplicate name: {duplicate}")
    return scenarios


def valid_key(key: str) -> bool:
    """Whether a text could be a process key (a diagram's process id)."""
    return isinstance(key, str) and bool(_KEY.match(key))


def check_key(key: str) -> str:
    """A process key as a diagram's process id may be (BadRequest otherwise)."""
    if not isinstance(key, str) or not _KEY.match(key):
        raise BadRequest("流程标识无效", "Invalid process key", [{"field": "key"}])
    return key


def stored(key: str) -> list[Scenario]:
    """The path tests stored for a process, in their order (empty when none)."""
    with unit_of_work(write=False) as s:
        rows = s.scalars(select(PathTest).where(PathTest.process_key == check_key(key)).order_by(PathTest.position)
                         .limit(MAX_SCENARIOS))
        return [_scenario(row.scenario, row.position) for row in rows]


def save(actor: Actor, key: str, raw: Any) -> list[Scenario]:
    """Replace a process's path tests (checked first: bad input changes nothing); audited with the names."""
    scenarios = parse(raw)
    with unit_of_work() as s:
        before = list(s.scalars(select(PathTest.name).where(PathTest.process_key == check_key(key))))
        s.execute(delete(PathTest).where(PathTest.process_key == key))
        for position, scenario in enumerate(scenarios, 1):
            s.add(PathTest(process_key=key, name=scenario.name, position=position, scenario=scenario.as_json(),
                           updated_by=actor.username, updated_at=clock.now()))
        audit.record(s, "process.path_tests.save", actor=actor.username,
                     before={"key": key, "names": before}, after={"key": key, "names": [x.name for x in scenarios]})
    return scenarios


def diagram_key(root: etree._Element) -> str | None:
    """The id of the diagram's executable process (None when it has none: validation will say so)."""
    executable = bpmn_xml.executable_processes(root)
    return executable[0].get("id") if executable else None


def as_problems(results: Sequence[Any]) -> list[dict[str, Any]]:
    """Failing results in the shape of deploy problems (element id, bilingual message) plus scenario and step."""
    return [{"scenario": r.name, "step": r.step, "element_id": r.element_id, "line": None,
             "message_zh": f"路径测试“{r.name}”{r.where_zh}：{r.message_zh}",
             "message_en": f"Path test \"{r.name}\", {r.where_en}: {r.message_en}"} for r in results if not r.passed]
