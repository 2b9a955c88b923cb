"""Deploy-time checks: XSD, executability, roles, forms, sandboxed expressions, timers."""
from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

from lxml import etree
from SpiffWorkflow.bpmn.parser.ValidationException import ValidationException
from SpiffWorkflow.exceptions import SpiffWorkflowException

from . import bpmn_xml, scripting, specs, start_rights
from .bpmn_xml import problem
from .roles import RoleBook

_IDENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_DURATION = re.compile(r"^P(?=\d|T\d)(\d+Y)?(\d+M)?(\d+W)?(\d+D)?(T(?=\d)(\d+H)?(\d+M)?(\d+S)?)?$")


@dataclass
class Checked:
    """A diagram that passed every check, ready to store."""

    root: etree._Element
    process_id: str
    name: str
    parsed: specs.ParsedSpec
    steps: dict[str, dict[str, Any]]
    start_form: str | None
    spec_json: str
    start_timer: dict[str, str] | None = None
    starters: dict[str, list[str]] | None = None  # who may start it by hand (None: the general rule)
    description: dict[str, str | None] | None = None  # one line per language, from the documentation


def _xsd_problems(root: etree._Element) -> list[dict[str, Any]]:
    try:
        specs.xsd_validate(root)
    except ValidationException as err:
        line = err.line_number if isinstance(err.line_number, int) else None
        return [problem(None, line, f"不符合 BPMN 2.0 XSD：{err}", f"Not valid against the BPMN 2.0 XSD: {err}")]
    return []


def _step_problems(step: bpmn_xml.TaskProps, roles: RoleBook, forms: Collection[str]) -> list[dict[str, Any]]:
    found = []
    props = step.properties
    human = step.kind in ("userTask", "manualTask")
    if human and roles.resolve(step.lane, props.get("candidateGroups")) is None:
        where = f"泳道“{step.lane}”" if step.lane else "无泳道"
        found.append(problem(step.element_id, step.line,
                             f"任务“{step.name}”没有可识别的角色（{where}）：请放入以角色命名的泳道或设置 candidateGroups",
                             f"Task '{step.name}' has no known role (lane: {step.lane or 'none'}): put it in a lane "
                             "named after a role or set candidateGroups"))
    named = roles.resolve_all(step.lane, props.get("candidateGroups"))
    if human and len(named) > 2:
        found.append(problem(step.element_id, step.line, f"任务“{step.name}”最多指定两个角色（主办和备选）",
                             f"Task '{step.name}' may name at most two roles (main and alternate)"))
    elif human and len(named) == 2 and roles.alternate(step.lane, props.get("candidateGroups")) is None:
        found.append(problem(step.element_id, step.line, f"任务“{step.name}”的备选角色必须与主办角色同属局内或企业",
                             f"Task '{step.name}': the alternate role must be on the same side (bureau or enterprise) "
                             "as the main role"))
    form_key = props.get("formKey")
    if form_key and form_key not in forms and not form_key.startswith(("embedded:", "camunda-forms:")):
        found.append(problem(step.element_id, step.line, f"表单“{form_key}”不存在", f"Form '{form_key}' does not exist"))
    for name in ("remindBefore",):
        if props.get(name) and not _DURATION.match(props[name]):
            found.append(problem(step.element_id, step.line, f"{name} 必须是 ISO 8601 时长（如 P1D）",
                                 f"{name} must be an ISO 8601 duration (e.g. P1D)"))
    due = props.get("dueIn")
    if due and not (_DURATION.match(due) or _IDENT.match(due)):
        found.append(problem(step.element_id, step.line, "dueIn 必须是 ISO 8601 时长或数据变量名",
                             "dueIn must be an ISO 8601 duration or a data variable name"))
    wd = props.get("dueInWorkingDays")
    if wd and not (wd.isdigit() and 0 < int(wd) <= 365):
        found.append(problem(step.element_id, step.line, "dueInWorkingDays 必须是 1–365 的整数（工作日）",
                             "dueInWorkingDays must be a whole number of working days from 1 to 365"))
    if props.get("escalateTo") and roles.resolve(props["escalateTo"], None) is None:
        found.append(problem(step.element_id, step.line, f"escalateTo 角色“{props['escalateTo']}”不存在",
                             f"escalateTo role '{props['escalateTo']}' does not exist"))
    for cc in filter(None, (r.strip() for r in props.get("ccTo", "").split(","))):
        if roles.resolve(cc, None) is None:
            found.append(problem(step.element_id, step.line, f"ccTo 角色“{cc}”不存在", f"ccTo role '{cc}' does not exist"))
    if props.get("externalLink") and not (human and _IDENT.match(props["externalLink"])):
        found.append(problem(step.element_id, step.line, "externalLink 只用于人工任务，值为指明外部单位的数据变量名",
                             "externalLink belongs on a user task and names the data variable holding the outside party"))
    if props.get("assignee") and not _IDENT.match(props["assignee"].strip("${}")):
        found.append(problem(step.element_id, step.line, "assignee 必须是数据变量名", "assignee must be a data variable name"))
    return found


def _expression_problems(process: etree._Element) -> list[dict[str, Any]]:
    found = []
    labels = {"condition": ("条件", "condition"), "script": ("脚本", "script"), "timeDate": ("定时", "timer"),
              "timeDuration": ("定时", "timer"), "timeCycle": ("定时", "timer")}
    for element_id, kind, line, text in bpmn_xml.expressions(process):
        zh, en = labels[kind]
        if kind.startswith("time"):
            if not text:
                found.append(problem(element_id, line, "定时器没有表达式", "Timer has no expression"))
                continue
            if scripting.is_bare_iso(text):
                continue
        error = scripting.check(text, "exec" if kind == "script" else "eval")
        if error:
            found.append(problem(element_id, line, f"{zh}无法通过沙箱检查：{error}", f"The {en} is refused by the sandbox: {error}"))
    return found


def _parse_problems(root: etree._Element, process_id: str) -> tuple[specs.ParsedSpec | None, list[dict[str, Any]]]:
    lines = bpmn_xml.element_lines(root)
    try:
        return specs.parse(root, process_id), []
    except ValidationException as err:
        ident = err.id or None
        return None, [problem(ident, lines.get(ident or "") or (err.line_number or None),
                              f"流程结构无效：{err}", f"Invalid process structure: {err}")]
    except (SpiffWorkflowException, KeyError, ValueError, AttributeError, TypeError) as err:
        return None, [problem(None, None, f"无法解析流程：{err}", f"Cannot parse the process: {err}")]


def check(root: etree._Element, roles: RoleBook, forms: Collection[str]) -> tuple[Checked | None, list[dict[str, Any]]]:
    """Check a parsed document; returns (Checked, []) or (None, problems)."""
    problems = _xsd_problems(root)
    executable = bpmn_xml.executable_processes(root)
    if not executable:
        problems.append(problem(None, root.sourceline, "没有可执行的流程（isExecutable=\"true\"）",
                                "No executable process (isExecutable=\"true\")"))
        return None, problems
    process = executable[0]
    steps = bpmn_xml.human_steps(process)
    for step in steps:
        problems.extend(_step_problems(step, roles, forms))
    rights = bpmn_xml.start_rights(process)
    problems.extend(start_rights.problems(rights, roles))
    problems.extend(_expression_problems(process))
    if problems:
        return None, problems
    process_id = process.get("id", "")
    parsed, parse_problems = _parse_problems(root, process_id)
    if parsed is None:
        return None, parse_problems
    try:
        spec_json = specs.dump_spec(parsed)
    except (TypeError, ValueError, KeyError, AttributeError) as err:
        return None, [problem(None, None, f"流程包含本引擎不支持的元素：{err}",
                              f"The process uses an element this engine does not support: {err}")]
    meta = {s.element_id: dict(s.as_dict(), role=roles.resolve(s.lane, s.properties.get("candidateGroups")),
                               alt_role=roles.alternate(s.lane, s.properties.get("candidateGroups")))
            for s in steps}
    start_form = next((s.properties.get("formKey") for s in steps if s.kind == "startEvent"
                       and s.properties.get("formKey")), None)
    return Checked(root, process_id, (process.get("name") or process_id).strip(), parsed, meta, start_form,
                   spec_json, bpmn_xml.start_timer(process), start_rights.as_meta(rights, roles),
                   start_rights.description(process)), []
