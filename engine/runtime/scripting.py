"""SpiffWorkflow's script engine, backed by our sandbox and the engine's domain functions."""
from __future__ import annotations

import contextvars
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from SpiffWorkflow.bpmn.exceptions import WorkflowTaskException
from SpiffWorkflow.bpmn.script_engine import PythonScriptEngine
from SpiffWorkflow.bpmn.script_engine.python_environment import BasePythonScriptEngineEnvironment
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.exceptions import SpiffWorkflowException
from SpiffWorkflow.util.task import TaskState

from . import case_data, clock, sandbox, sandbox_pool, workdays
from .errors import SandboxViolation

_DURATION = r"P(?=\d|T\d)(\d+Y)?(\d+M)?(\d+W)?(\d+(\.\d+)?D)?(T(?=\d)(\d+H)?(\d+M)?(\d+(\.\d+)?S)?)?"
_DATETIME = r"\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?"
_ISO = re.compile(rf"^(?:{_DURATION}|{_DATETIME}|R\d*/(?:{_DATETIME}/)?(?:{_DURATION})(?:/{_DATETIME})?"
                  rf"|R\d*/{_DATETIME}/{_DATETIME})$", re.IGNORECASE)
_JUEL = re.compile(r"^\s*[$#]\{(.*)\}\s*$", re.DOTALL)
MAX_WORKING_DAYS = 3660  # ten years: add_working_days walks day by day in the server, so its count is bounded
MAX_STARTS_PER_STEP = 5000


def is_bare_iso(text: str) -> bool:
    """True for a bare ISO 8601 duration, date-time or repeating interval (as Camunda writes them)."""
    return bool(_ISO.match(text.strip()))


def normalize(expression: str) -> str:
    """Strip a Camunda-style ${...} wrapper and JUEL's && / || / ! so the rest is Python."""
    match = _JUEL.match(expression)
    if not match:
        return expression.strip()
    inner = match.group(1).replace("&&", " and ").replace("||", " or ")
    return re.sub(r"!(?!=)", " not ", inner).strip()


@dataclass
class StepServices:
    """What a running step may reach beyond its own data (set by the engine per step)."""

    holidays: workdays.HolidayCalendar = field(default_factory=workdays.load)
    pending_starts: list[dict[str, Any]] = field(default_factory=list)
    pending_bytes: int = 0
    # the step's database session: a registered function that must write in the step's own transaction (a
    # document number taken when a letter is issued) reaches it through `step_session()`
    session: Any = None


_services: contextvars.ContextVar[StepServices | None] = contextvars.ContextVar("safeloop_step", default=None)


@contextmanager
def step_services(services: StepServices) -> Iterator[StepServices]:
    """Make services visible to sandboxed code for the duration of an engine step."""
    token = _services.set(services)
    try:
        yield services
    finally:
        _services.reset(token)


def _current() -> StepServices:
    return _services.get() or StepServices()


def step_session() -> Any:
    """The database session of the step being run (None outside a step, e.g. a deploy-time check)."""
    return _current().session


def _start_case(process_key: str, data: dict[str, Any] | None = None, enterprise_code: str | None = None) -> None:
    if not isinstance(process_key, str) or not re.fullmatch(r"[A-Za-z0-9_\-.]{1,100}", process_key):
        raise SandboxViolation("start_case 需要流程标识", "start_case needs a process key")
    services = _current()
    if len(services.pending_starts) >= MAX_STARTS_PER_STEP:
        raise SandboxViolation(f"一步最多启动 {MAX_STARTS_PER_STEP} 个子事项",
                               f"A step may start at most {MAX_STARTS_PER_STEP} child cases", {"limit": "child_starts"})
    child = {"process_key": process_key, "data": dict(data or {}), "enterprise_code": enterprise_code}
    # the children's data together may not pass a few times one case's cap: they wait in this process's memory
    services.pending_bytes += case_data.check(child, case_data.max_bytes())
    if services.pending_bytes > 8 * case_data.max_bytes():
        raise SandboxViolation("本步启动的子事项数据过大", "The child cases started by this step carry too much data",
                               {"limit": "child_data"})
    services.pending_starts.append(child)


def _add_working_days(iso_date: str, days: int) -> str:
    if not isinstance(days, int) or abs(days) > MAX_WORKING_DAYS:
        raise ValueError(f"add_working_days: days must be a whole number within ±{MAX_WORKING_DAYS}")
    return _current().holidays.add_working_days(date.fromisoformat(str(iso_date)[:10]), int(days)).isoformat()


def _is_working_day(iso_date: str) -> bool:
    return _current().holidays.is_working_day(date.fromisoformat(str(iso_date)[:10]))


_registered: dict[str, Callable[..., Any]] = {}


def register_function(name: str, function: Callable[..., Any]) -> None:
    """Let every expression and script call `function` as `name`. How a layer above the runtime adds its own
    (the campaign's `report_figures.register_figures`) without the runtime knowing it; the runtime's names win.
    The function runs in the server, called by name from the sandbox, and must answer JSON."""
    _registered[name] = function


def domain_functions() -> dict[str, Any]:
    """Functions every expression and script may call (the runtime's, then those registered)."""
    return {
        **_registered,
        "today": clock.china_today_iso,
        "now": lambda: clock.now().astimezone(clock.CHINA_TZ).isoformat(timespec="seconds"),
        "add_days": sandbox.add_days,
        "add_working_days": _add_working_days,
        "is_working_day": _is_working_day,
        "start_case": _start_case,
    }


class SandboxEnvironment(BasePythonScriptEngineEnvironment):
    """Evaluates and executes in the sandbox's worker processes (engine.runtime.sandbox_pool) instead of eval/exec."""

    def evaluate(self, expression: str, context: dict[str, Any], external_context: dict[str, Any] | None = None) -> Any:
        text = normalize(expression)
        if is_bare_iso(text):
            return text
        return sandbox_pool.evaluate(text, context, domain_functions())

    def execute(self, script: str, context: dict[str, Any], external_context: dict[str, Any] | None = None) -> bool:
        sandbox_pool.execute(script, context, domain_functions())
        return True

    def call_service(self, context: dict[str, Any], **kwargs: Any) -> Any:
        raise SandboxViolation("不支持外部服务调用", "Service calls are not supported", kwargs)


class _ScriptEngine(PythonScriptEngine):
    """SpiffWorkflow's engine, except that a failing expression's incident says why (SpiffWorkflow keeps only the
    expression), e.g. which sandbox limit a gateway condition ran into."""

    def evaluate(self, task: Any, expression: str, external_context: dict[str, Any] | None = None) -> Any:
        try:
            return self.environment.evaluate(expression, task.data, external_context)
        except SpiffWorkflowException as err:
            err.add_note(f"Error evaluating expression '{expression[:200]}'")
            raise
        except Exception as err:  # noqa: BLE001 - like SpiffWorkflow: any failure of the expression is the task's
            raise WorkflowTaskException(f"Error evaluating expression '{expression[:200]}': {type(err).__name__}: {err}",
                                        task=task, exception=err) from err


_ENGINE = _ScriptEngine(environment=SandboxEnvironment())


def script_engine() -> PythonScriptEngine:
    """The one script engine all workflows use."""
    return _ENGINE


class CaseDataRefused(SandboxViolation):
    """Case data after a step is not JSON or is over the cap; `task` is the task carrying it."""

    task: Any = None


def check_case_data(wf: BpmnWorkflow) -> None:
    """Raise CaseDataRefused unless the data of the root, every unfinished and the last task and the workflow is JSON
    within SAFELOOP_MAX_CASE_DATA (scripts are checked where they run; this catches form and start data too)."""
    limit = case_data.max_bytes()
    tasks = [wf.task_tree, *wf.get_tasks(state=TaskState.NOT_FINISHED_MASK)]
    for task in [*tasks, wf.last_task] if wf.last_task is not None else tasks:
        _check_task(task, task.data, limit)
    _check_task(wf.last_task, wf.data, limit)


def _check_task(task: Any, data: dict[str, Any], limit: int) -> None:
    try:
        case_data.check(data, limit)
    except SandboxViolation as err:
        refused = CaseDataRefused(err.message_zh, err.message_en, err.details)
        refused.task = task
        raise refused from None


FORBIDDEN_CALLS = {"open", "eval", "exec", "compile", "getattr", "setattr", "delattr", "globals", "locals",
                   "vars", "type", "input", "breakpoint", "memoryview", "help", "dir", "object", "super"}


def check(text: str, mode: str) -> str | None:
    """Deploy-time check of an expression ('eval') or script ('exec'); returns the error or None."""
    import ast
    source = normalize(text)
    error = sandbox.check(source, mode)
    if error:
        return error
    for node in ast.walk(ast.parse(source, mode=mode)):
        if isinstance(node, ast.Name) and node.id in FORBIDDEN_CALLS:
            return f"'{node.id}' is not available in the sandbox"
    return None
