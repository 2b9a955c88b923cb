"""What a BPMN diagram means, element by element: the facts two versions are compared on.

Every element with an id becomes an `ElementFacts`: its type, its name and, per *aspect* (role, form,
deadline, condition, timer, script, connection, starters, other), the fields that matter to the engine,
each kept as written (to show) and in a canonical form (to compare). The canonical form ignores what
does not change the meaning: attribute order, namespace prefixes, indentation and line breaks, spaces
between the tokens of an expression or script, `xsi:type` on expressions, and attributes written with
their BPMN default (`cancelActivity="true"` means the same as no `cancelActivity`, which is what the
bpmn-js editor writes). The layout (BPMN DI: shapes, edges, labels) is kept apart in `layout`.
"""
from __future__ import annotations

import io
import textwrap
import tokenize
from collections.abc import Callable
from dataclasses import dataclass, field

from lxml import etree

from . import bpmn_xml

BPMN = bpmn_xml.BPMN_NS
CAMUNDA = bpmn_xml.CAMUNDA_NS
SPIFF = bpmn_xml.SPIFF_NS
DI_NAMESPACES = ("http://www.omg.org/spec/BPMN/20100524/DI", "http://www.omg.org/spec/DD/20100524/DC",
                 "http://www.omg.org/spec/DD/20100524/DI")
XSI_TYPE = "{http://www.w3.org/2001/XMLSchema-instance}type"

# The order aspects are listed in. `type` and `name` are aspects too; `other` catches the rest.
ASPECTS = ("type", "name", "role", "form", "due", "condition", "timer", "script", "flow", "starters", "other")
# Task properties (spiffworkflow:property / camunda:property / camunda attributes) by aspect.
PROPERTY_ASPECTS = {"candidateGroups": "role", "candidateUsers": "role", "assignee": "role", "formKey": "form",
                    "dueIn": "due", "dueInWorkingDays": "due", "remindBefore": "due", "escalateTo": "due",
                    "dueDate": "due", "followUpDate": "due"}
STARTER_ATTRIBUTES = ("candidateStarterGroups", "candidateStarterUsers")
# BPMN 2.0 attribute defaults (as bpmn-moddle declares them): written or not, they mean the same.
DEFAULTS = {"cancelActivity": "true", "isInterrupting": "true", "parallelMultiple": "false", "isForCompensation": "false",
            "startQuantity": "1", "completionQuantity": "1", "triggeredByEvent": "false", "isSequential": "false",
            "behavior": "All", "testBefore": "false", "gatewayDirection": "Unspecified", "instantiate": "false",
            "eventGatewayType": "Exclusive", "isCollection": "false", "isUnlimited": "true", "textFormat": "text/plain",
            "mustUnderstand": "false", "isReference": "false", "waitForCompletion": "true", "minimum": "0",
            "maximum": "1", "loopType": "None", "cancelRemainingInstances": "true", "isClosed": "false"}
# Children folded into their owner's facts, or structure that other facts already carry.
_FOLDED = {"incoming", "outgoing", "flowNodeRef", "laneSet", "childLaneSet", "conditionExpression", "script",
           "extensionElements", "text"}
_CODE_TAGS = {"preScript", "postScript"}
_TIMER_FIELDS = ("timeDate", "timeDuration", "timeCycle")
_LANE_ROLED = ("userTask", "manualTask", "startEvent")  # the steps whose lane the engine reads (role, starters)
_PREFIXES = {CAMUNDA: "camunda", SPIFF: "spiffworkflow"}
_LOOPS = ("multiInstanceLoopCharacteristics", "standardLoopCharacteristics")

Resolve = Callable[[str], str | None]


@dataclass(frozen=True)
class Field:
    """One fact as written (`shown`) and in canonical form (`key`)."""

    shown: str
    key: str


@dataclass(frozen=True)
class ElementFacts:
    element_id: str
    kind: str  # BPMN local name: userTask, boundaryEvent, exclusiveGateway …
    name: str
    event: str = ""  # the event definition of an event: timer, message, signal …
    aspects: dict[str, dict[str, Field]] = field(default_factory=dict)  # aspect → field name → value


@dataclass(frozen=True)
class DiagramFacts:
    elements: dict[str, ElementFacts]
    layout: dict[str, tuple[str, ...]]  # element id → its shapes', edges' and labels' geometry


def _local(node: etree._Element) -> str:
    return etree.QName(node).localname


def _words(text: str | None) -> str:
    return " ".join((text or "").split())


def code_key(text: str | None) -> str:
    """Python code as its tokens (spaces, indentation width and blank lines do not count); else its words."""
    source = textwrap.dedent((text or "").strip("\n")).strip()
    try:
        tokens = tokenize.generate_tokens(io.StringIO(source + "\n").readline)
        kept = [f"{t.type}:{'' if t.type == tokenize.INDENT else t.string}" for t in tokens
                if t.type not in (tokenize.NL, tokenize.ENCODING)]
        return " ".join(kept)
    except (tokenize.TokenError, SyntaxError, IndentationError):
        return _words(source)


def canonical(node: etree._Element) -> str:
    """A child element with attributes sorted, ids, defaults and prefixes dropped and whitespace collapsed."""
    attrs = sorted((k, _attr_key(k, v)) for k, v in node.attrib.items()
                   if k not in ("id", XSI_TYPE) and not _is_default(k, v))
    inner = "".join(canonical(c) for c in node if isinstance(c.tag, str))
    return f"<{node.tag}{''.join(f' {k}={v!r}' for k, v in attrs)}>{_words(node.text)}{inner}</>"


def _attr_key(name: str, value: str) -> str:
    value = value.strip()
    return value.lower() if value.lower() in ("true", "false") else value


def _label(qname: etree.QName) -> str:
    """An attribute's name as a person reads it: `camunda:asyncBefore`, `isExecutable`."""
    prefix = _PREFIXES.get(qname.namespace or "", (qname.namespace or "").rstrip("/").rsplit("/", 1)[-1])
    return f"{prefix}:{qname.localname}" if qname.namespace and qname.namespace != BPMN else qname.localname


def _is_default(name: str, value: str) -> bool:
    return "}" not in name and DEFAULTS.get(name) == _attr_key(name, value)


class _Reader:
    """Reads the facts of one diagram; `resolve` maps a lane or group name to a role key (or None)."""

    def __init__(self, root: etree._Element, resolve: Resolve | None) -> None:
        self.resolve = resolve or (lambda name: None)
        self.lanes: dict[str, str] = {}
        self.defaults: dict[str, str] = {}  # flow id → the gateway it is the default flow of
        for process in root.iterfind("bpmn:process", bpmn_xml.NS):
            self.lanes.update(bpmn_xml._lanes(process))  # noqa: SLF001 - the lane lookup the validator uses
        for node in root.iter(f"{{{BPMN}}}*"):
            if node.get("default"):
                self.defaults[node.get("default", "")] = node.get("id", "")

    def role_field(self, name: str) -> Field:
        keys = [self.resolve(part.strip()) or part.strip() for part in name.split(",") if part.strip()]
        return Field(_words(name), ",".join(keys))

    def element(self, node: etree._Element) -> ElementFacts:
        kind = _local(node)
        aspects: dict[str, dict[str, Field]] = {a: {} for a in ASPECTS if a not in ("type", "name")}
        self._attributes(node, aspects)
        self._children(node, aspects)
        ident = node.get("id", "")
        if ident in self.lanes and kind in _LANE_ROLED:
            aspects["role"]["lane"] = self.role_field(self.lanes[ident])
        if ident in self.defaults:
            aspects["condition"]["default"] = Field(self.defaults[ident], self.defaults[ident])
        name = _words(node.get("name") if kind != "textAnnotation" else node.findtext("bpmn:text", "", bpmn_xml.NS))
        events = [_local(c).removesuffix("EventDefinition") for c in node if isinstance(c.tag, str)
                  and _local(c).endswith("EventDefinition")]
        return ElementFacts(ident, kind, name, "+".join(events), {a: v for a, v in aspects.items() if v})

    def _attributes(self, node: etree._Element, aspects: dict[str, dict[str, Field]]) -> None:
        for name, value in node.attrib.items():
            qname = etree.QName(name)
            local = qname.localname
            if name in ("id", "name") or _is_default(name, value):
                continue
            if qname.namespace == CAMUNDA and local in STARTER_ATTRIBUTES:
                aspects["starters"][local] = self.role_field(value) if local.endswith("Groups") else Field(
                    _words(value), ",".join(p.strip() for p in value.split(",") if p.strip()))
            elif qname.namespace == CAMUNDA and local in PROPERTY_ASPECTS:
                self._property(aspects, local, value)
            elif local in ("sourceRef", "targetRef", "attachedToRef", "processRef"):
                aspects["flow"][local] = Field(value.strip(), value.strip())
            elif local == "default":
                continue  # the default flow carries it (see `defaults`): one change, on the flow
            elif local == "scriptFormat":
                aspects["script"][local] = Field(value.strip(), value.strip().lower())
            else:
                aspects["other"][_label(qname)] = Field(value.strip(), _attr_key(name, value))

    def _property(self, aspects: dict[str, dict[str, Field]], name: str, value: str) -> None:
        aspect = PROPERTY_ASPECTS.get(name, "other")
        if aspect == "role" and name == "candidateGroups":
            aspects[aspect].setdefault(name, self.role_field(value))
        else:
            aspects[aspect].setdefault(name, Field(value.strip(), value.strip()))

    def _children(self, node: etree._Element, aspects: dict[str, dict[str, Field]]) -> None:
        for child in node:
            if not isinstance(child.tag, str):
                continue
            local = _local(child)
            if local == "conditionExpression":
                aspects["condition"]["condition"] = Field((child.text or "").strip(), code_key(child.text))
            elif local == "script":
                aspects["script"]["script"] = Field((child.text or "").strip(), code_key(child.text))
            elif local == "extensionElements":
                self._extensions(child, aspects)
            elif local.endswith("EventDefinition"):
                self._event_definition(child, aspects)
            elif local not in _FOLDED and (local in _LOOPS or not _is_element(child)):
                _append(aspects["other"], local, Field(_words("".join(child.itertext()))[:200], canonical(child)))

    def _extensions(self, ext: etree._Element, aspects: dict[str, dict[str, Field]]) -> None:
        for child in ext:
            if not isinstance(child.tag, str):
                continue
            local = _local(child)
            if local == "properties" and etree.QName(child).namespace in (SPIFF, CAMUNDA):
                for prop in child:
                    if isinstance(prop.tag, str) and prop.get("name"):
                        self._property(aspects, prop.get("name", ""), prop.get("value") or "")
            elif local in _CODE_TAGS and etree.QName(child).namespace == SPIFF:
                aspects["script"][local] = Field((child.text or "").strip(), code_key(child.text))
            else:
                _append(aspects["other"], local, Field(_words("".join(child.itertext()))[:200], canonical(child)))

    def _event_definition(self, definition: etree._Element, aspects: dict[str, dict[str, Field]]) -> None:
        local = _local(definition)
        if local == "timerEventDefinition":
            for kind in _TIMER_FIELDS:
                found = definition.find(f"bpmn:{kind}", bpmn_xml.NS)
                if found is not None:
                    aspects["timer"][kind] = Field((found.text or "").strip(), code_key(found.text))
            return
        if local == "conditionalEventDefinition":
            text = definition.findtext("bpmn:condition", "", bpmn_xml.NS)
            aspects["condition"]["condition"] = Field(text.strip(), code_key(text))
            return
        _append(aspects["other"], local, Field(" ".join(f"{etree.QName(k).localname}={v}" for k, v in
                                                         sorted(definition.attrib.items()) if k != "id"),
                                               canonical(definition)))


def _append(fields: dict[str, Field], name: str, value: Field) -> None:
    """Several children of one kind (two documentation elements …) make one field, in document order."""
    if name in fields:
        value = Field(f"{fields[name].shown} | {value.shown}", f"{fields[name].key}\n{value.key}")
    fields[name] = value


def _is_element(node: etree._Element) -> bool:
    if not isinstance(node.tag, str) or not node.get("id") or etree.QName(node).namespace != BPMN:
        return False
    local = _local(node)
    return (local not in ("definitions", "laneSet", "conditionExpression", *_LOOPS)
            and not local.endswith("EventDefinition"))


def _layout(root: etree._Element) -> dict[str, tuple[str, ...]]:
    found: dict[str, list[str]] = {}
    for node in root.iter(f"{{{DI_NAMESPACES[0]}}}BPMNShape", f"{{{DI_NAMESPACES[0]}}}BPMNEdge"):
        parts = [f"{k}={v}" for k, v in sorted(node.attrib.items()) if k not in ("id", "bpmnElement")]
        for geometry in node.iter(f"{{{DI_NAMESPACES[1]}}}Bounds", f"{{{DI_NAMESPACES[2]}}}waypoint"):
            parts.append(_local(geometry) + ":" + ",".join(f"{round(float(geometry.get(k, 0)), 1):g}"
                                                             for k in ("x", "y", "width", "height") if geometry.get(k)))
        found.setdefault(node.get("bpmnElement", ""), []).extend(parts)
    return {k: tuple(v) for k, v in found.items()}


def read(xml: str, resolve: Resolve | None = None) -> DiagramFacts:
    """The facts of every element of a diagram and its layout, by element id."""
    root = bpmn_xml.parse(xml.encode("utf-8"), 50 * 1024 * 1024)
    reader = _Reader(root, resolve)
    elements = {node.get("id", ""): reader.element(node) for node in root.iter() if _is_element(node)}
    return DiagramFacts(elements, _layout(root))
