"""Hardened BPMN XML reading and the task properties our engine understands.

No DTD, no entity expansion, no network, a size cap: the bytes come from process owners'
browsers and from other tools, so they are treated as hostile until proven otherwise.
"""
from __future__ import annotations

import codecs
import re
from dataclasses import dataclass, field
from typing import Any

from lxml import etree

from .errors import DefinitionInvalid, TooLarge

BPMN_NS = "http://www.omg.org/spec/BPMN/20100524/MODEL"
CAMUNDA_NS = "http://camunda.org/schema/1.0/bpmn"
SPIFF_NS = "http://spiffworkflow.org/bpmn/schema/1.0/core"
NS = {"bpmn": BPMN_NS, "camunda": CAMUNDA_NS, "spiffworkflow": SPIFF_NS}
PROPERTY_NAMES = ("formKey", "dueIn", "dueInWorkingDays", "remindBefore", "escalateTo", "assignee", "candidateGroups",
                  "ccTo", "externalLink")  # externalLink: engine.runtime.task_links (an outside party fills the step by link)
_DOCTYPE = re.compile(r"<!(DOCTYPE|ENTITY)", re.IGNORECASE)
_DECLARATION = re.compile(rb"""^<\?xml[^>]*?encoding\s*=\s*["']([A-Za-z][A-Za-z0-9._-]{0,39})["']""")
_TEXT_DECLARATION = re.compile(r"^<\?xml[^>]*\?>")
_ENCODING_ATTR = re.compile(r"""encoding\s*=\s*["'][^"']*["']""")
# (leading bytes, codec): byte-order marks first, then the first characters "<?" of a document without one
_SIGNATURES = ((codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"), (codecs.BOM_UTF8, "utf-8-sig"),
               (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"),
               (b"<\x00\x00\x00", "utf-32-le"), (b"\x00\x00\x00<", "utf-32-be"),
               (b"<\x00?\x00", "utf-16-le"), (b"\x00<\x00?", "utf-16-be"))


def problem(element_id: str | None, line: int | None, zh: str, en: str) -> dict[str, Any]:
    """One refusal reason, as the API and the editor show it."""
    return {"element_id": element_id, "line": line, "message_zh": zh, "message_en": en}


def _parser() -> etree.XMLParser:
    return etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, dtd_validation=False,
                           huge_tree=False, remove_comments=False, collect_ids=False)


def _encoding(bpmn: bytes) -> str:
    """The codec named by the byte-order mark, else by the XML declaration, else UTF-8 (XML's default)."""
    for signature, codec in _SIGNATURES:
        if bpmn.startswith(signature):
            return codec
    declared = _DECLARATION.match(bpmn)
    if declared is None:
        return "utf-8"
    name = declared.group(1).decode("ascii")
    try:
        info = codecs.lookup(name)
    except LookupError:
        info = None
    if info is None or not getattr(info, "_is_text_encoding", True) or info.name.startswith(("utf-16", "utf-32")):
        raise _undecodable(f"unknown or unusable encoding '{name}'", f"未知或不可用的编码“{name}”")
    return "utf-8-sig" if info.name == "utf-8" else info.name


def _undecodable(en: str, zh: str) -> DefinitionInvalid:
    return DefinitionInvalid("无法识别 BPMN 文件的字符编码", "The BPMN file's character encoding cannot be read",
                             [problem(None, 1, f"{zh}：请以 UTF-8 保存", f"{en}: save the file as UTF-8")])


def as_utf8(bpmn: bytes, max_bytes: int) -> bytes:
    """The document decoded by its byte-order mark or XML declaration, checked for DTDs, as UTF-8 bytes.

    Raises TooLarge, or DefinitionInvalid (422) for an unknown encoding, undecodable bytes or a DTD/entity
    declaration (checked on the decoded text, so UTF-16 cannot hide one).
    """
    if len(bpmn) > max_bytes:
        raise TooLarge(f"BPMN 文件过大（上限 {max_bytes // 1024} KB）",
                       f"BPMN file too large (limit {max_bytes // 1024} KB)", {"limit": max_bytes})
    codec = _encoding(bpmn)
    try:
        text = bpmn.decode(codec).lstrip("\ufeff")
    except UnicodeDecodeError as err:
        line = bpmn[: err.start].count(b"\n") + 1 if codec.startswith("utf-8") else None
        raise DefinitionInvalid("BPMN 文件的字节不符合其编码", "The BPMN file's bytes do not match its encoding",
                                [problem(None, line, f"无法按 {codec} 解码", f"Cannot be decoded as {codec}")]) from err
    match = _DOCTYPE.search(text)
    if match:
        line = text[: match.start()].count("\n") + 1
        raise DefinitionInvalid("文件含有 DTD 或实体声明，出于安全原因拒绝", "DTDs and entity declarations are refused for safety",
                                [problem(None, line, "不允许 DOCTYPE/ENTITY 声明", "DOCTYPE/ENTITY declarations are not allowed")])
    declaration = _TEXT_DECLARATION.match(text)
    if declaration:  # the bytes are UTF-8 now: say so (the line count stays, so error lines still match)
        text = _ENCODING_ATTR.sub('encoding="UTF-8"', declaration.group(0), 1) + text[declaration.end():]
    try:
        return text.encode("utf-8")
    except UnicodeEncodeError as err:  # a lone surrogate from a lenient codec
        raise _undecodable("text that is not Unicode", "含有无效的 Unicode 字符") from err


def parse(bpmn: bytes, max_bytes: int) -> etree._Element:
    """Parse BPMN bytes safely (any declared encoding); raise TooLarge or DefinitionInvalid with the line."""
    data = as_utf8(bpmn, max_bytes)
    try:
        root = etree.fromstring(data, _parser())
    except etree.XMLSyntaxError as err:
        line = err.lineno if hasattr(err, "lineno") else None
        raise DefinitionInvalid("不是格式正确的 XML", "Not well-formed XML",
                                [problem(None, line, f"XML 语法错误：{err.msg}", f"XML syntax error: {err.msg}")]) from err
    if etree.QName(root).namespace != BPMN_NS or etree.QName(root).localname != "definitions":
        raise DefinitionInvalid("不是 BPMN 2.0 文件", "Not a BPMN 2.0 document",
                                [problem(None, root.sourceline, "根元素必须是 bpmn:definitions",
                                         "The root element must be bpmn:definitions")])
    return root


@dataclass
class TaskProps:
    """What the engine reads from one user task (or start event) of a diagram."""

    element_id: str
    name: str
    kind: str
    line: int | None
    lane: str | None = None
    properties: dict[str, str] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {"element_id": self.element_id, "name": self.name, "kind": self.kind, "line": self.line,
                "lane": self.lane, "properties": dict(self.properties)}


def _lanes(process: etree._Element) -> dict[str, str]:
    lanes: dict[str, str] = {}
    for lane in process.iterfind(".//bpmn:lane", NS):
        for ref in lane.iterfind("bpmn:flowNodeRef", NS):
            if ref.text:
                lanes[ref.text.strip()] = (lane.get("name") or lane.get("id") or "").strip()
    return lanes


def _properties(node: etree._Element) -> dict[str, str]:
    props: dict[str, str] = {}
    for prop in node.iterfind("bpmn:extensionElements/spiffworkflow:properties/spiffworkflow:property", NS):
        if prop.get("name") in PROPERTY_NAMES:
            props[prop.get("name", "")] = (prop.get("value") or "").strip()
    for prop in node.iterfind("bpmn:extensionElements/camunda:properties/camunda:property", NS):
        if prop.get("name") in PROPERTY_NAMES:
            props[prop.get("name", "")] = (prop.get("value") or "").strip()
    for name in ("formKey", "candidateGroups", "assignee", "dueDate"):
        value = node.get(f"{{{CAMUNDA_NS}}}{name}")
        if value:
            props.setdefault(name, value.strip())
    return props


def human_steps(process: etree._Element) -> list[TaskProps]:
    """User tasks, manual tasks and start events with their lane and properties."""
    lanes = _lanes(process)
    steps = []
    for tag in ("userTask", "manualTask", "startEvent"):
        for node in process.iter(f"{{{BPMN_NS}}}{tag}"):
            ident = node.get("id", "")
            steps.append(TaskProps(ident, (node.get("name") or ident).strip(), tag, node.sourceline,
                                   lanes.get(ident), _properties(node)))
    return steps


def executable_processes(root: etree._Element) -> list[etree._Element]:
    """The processes marked isExecutable='true'."""
    return [p for p in root.iterfind("bpmn:process", NS) if p.get("isExecutable", "false").lower() == "true"]


def expressions(process: etree._Element) -> list[tuple[str, str, int | None, str]]:
    """(element_id, kind, line, text) for every condition, script and timer in a process."""
    found: list[tuple[str, str, int | None, str]] = []
    for flow in process.iter(f"{{{BPMN_NS}}}sequenceFlow"):
        cond = flow.find("bpmn:conditionExpression", NS)
        if cond is not None and (cond.text or "").strip():
            found.append((flow.get("id", ""), "condition", cond.sourceline, cond.text.strip()))
    for script_task in process.iter(f"{{{BPMN_NS}}}scriptTask"):
        script = script_task.find("bpmn:script", NS)
        if script is not None and (script.text or "").strip():
            found.append((script_task.get("id", ""), "script", script.sourceline, script.text))
    for timer in process.iter(f"{{{BPMN_NS}}}timerEventDefinition"):
        owner = timer.getparent()
        for kind in ("timeDate", "timeDuration", "timeCycle"):
            node = timer.find(f"bpmn:{kind}", NS)
            if node is not None:
                found.append((owner.get("id", "") if owner is not None else "", kind, node.sourceline,
                              (node.text or "").strip()))
    return found


def element_lines(root: etree._Element) -> dict[str, int]:
    """Map of element id → source line, for pointing at refusals."""
    return {el.get("id"): el.sourceline for el in root.iter() if isinstance(el.tag, str) and el.get("id")}


def start_timer(process: etree._Element) -> dict[str, str] | None:
    """The timer on the process's start event, if any: {'kind': timeCycle|timeDate|timeDuration, 'expr': text}."""
    for start in process.iterfind("bpmn:startEvent", NS):
        timer = start.find("bpmn:timerEventDefinition", NS)
        if timer is None:
            continue
        for kind in ("timeCycle", "timeDate", "timeDuration"):
            node = timer.find(f"bpmn:{kind}", NS)
            if node is not None and (node.text or "").strip():
                return {"kind": kind, "expr": node.text.strip().strip("\"'"), "element_id": start.get("id", "")}
    return None


@dataclass
class StartRights:
    """Who a diagram lets start its process: the lanes of its start events and Camunda's starter attributes."""

    lanes: list[tuple[str, int | None, str]] = field(default_factory=list)  # (start event id, line, lane name)
    groups: list[str] = field(default_factory=list)  # camunda:candidateStarterGroups on the process
    users: list[str] = field(default_factory=list)  # camunda:candidateStarterUsers on the process
    process_line: int | None = None


def _names(value: str | None) -> list[str]:
    return [part.strip() for part in (value or "").split(",") if part.strip()]


def start_rights(process: etree._Element) -> StartRights:
    """The start events' lanes (timer starts excluded: nobody starts those by hand) and the starter attributes."""
    lanes = _lanes(process)
    found = StartRights(groups=_names(process.get(f"{{{CAMUNDA_NS}}}candidateStarterGroups")),
                        users=_names(process.get(f"{{{CAMUNDA_NS}}}candidateStarterUsers")),
                        process_line=process.sourceline)
    for start in process.iterfind("bpmn:startEvent", NS):
        ident = start.get("id", "")
        if start.find("bpmn:timerEventDefinition", NS) is None and lanes.get(ident):
            found.lanes.append((ident, start.sourceline, lanes[ident]))
    return found


_CJK = re.compile(r"[\u4e00-\u9fff]")
_LATIN = re.compile(r"[A-Za-z]")


def _mostly_chinese(text: str) -> bool:
    cjk = len(_CJK.findall(text))
    return cjk > len(_LATIN.findall(text)) / 4  # a Chinese character carries about a word: 4 Latin letters


def documentation(process: etree._Element) -> tuple[str | None, str | None]:
    """The process's documentation as (Chinese, other): the first `bpmn:documentation` written mostly in Chinese
    and the first that is not (BPMN's XSD gives documentation no language attribute, so the text decides)."""
    zh = en = None
    for node in process.iterfind("bpmn:documentation", NS):
        text = " ".join("".join(node.itertext()).split())
        if not text:
            continue
        if _mostly_chinese(text):
            zh = zh or text
        else:
            en = en or text
    return zh, en
