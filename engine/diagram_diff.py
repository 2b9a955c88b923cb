"""Compare two versions of a process: which elements were added, removed or changed.

Elements are matched by BPMN id (what SpiffWorkflow aligns task specs by, too). An element
"changed" when its type, name, attributes, properties, condition, timer, script or lane differ;
moving a shape on the canvas (diagram interchange) is not a change.
"""
from __future__ import annotations

from dataclasses import dataclass

from lxml import etree

from . import bpmn_xml, definitions
from .db import unit_of_work

_SKIP_ATTRS = {"incoming", "outgoing"}


@dataclass(frozen=True)
class ElementChange:
    element_id: str
    kind: str
    name: str
    what: tuple[str, ...] = ()


@dataclass(frozen=True)
class VersionDiff:
    key: str
    old_version: int
    new_version: int
    added: tuple[ElementChange, ...]
    removed: tuple[ElementChange, ...]
    changed: tuple[ElementChange, ...]


def _content(node: etree._Element) -> list[str]:
    """Attributes and id-less children (properties, conditions, timers, scripts) as comparable text."""
    parts = [f"@{etree.QName(k).localname}={v}" for k, v in sorted(node.attrib.items())
             if etree.QName(k).localname not in ("id", "name")]
    for child in node:
        if not isinstance(child.tag, str) or etree.QName(child).localname in _SKIP_ATTRS:
            continue
        if child.get("id") and etree.QName(child).localname not in ("timerEventDefinition",):
            continue  # a child with its own id is compared on its own
        parts.append(" ".join(etree.tostring(child, method="c14n", exclusive=True).decode("utf-8").split()))
    return parts


def _elements(xml: str) -> dict[str, tuple[str, str, list[str], str]]:
    """id → (type, name, content, lane) of every process element (shapes excluded)."""
    root = bpmn_xml.parse(xml.encode("utf-8"), 50 * 1024 * 1024)
    out: dict[str, tuple[str, str, list[str], str]] = {}
    for process in root.iterfind("bpmn:process", bpmn_xml.NS):
        lanes = bpmn_xml._lanes(process)  # noqa: SLF001 - the same lane lookup the validator uses
        for node in process.iter():
            if not isinstance(node.tag, str) or not node.get("id") or node is process:
                continue
            kind = etree.QName(node).localname
            if kind in ("laneSet", "timerEventDefinition", "conditionExpression"):
                continue
            content = [] if kind == "lane" else _content(node)
            out[node.get("id", "")] = (kind, (node.get("name") or "").strip(), content, lanes.get(node.get("id", ""), ""))
    return out


def _what(old: tuple[str, str, list[str], str], new: tuple[str, str, list[str], str]) -> tuple[str, ...]:
    labels = ("type", "name", "properties", "lane")
    return tuple(label for label, a, b in zip(labels, old, new) if a != b)


def diff_xml(key: str, old_version: int, new_version: int, old_xml: str, new_xml: str) -> VersionDiff:
    """The element-level difference between two diagrams."""
    old, new = _elements(old_xml), _elements(new_xml)
    added = tuple(ElementChange(i, new[i][0], new[i][1]) for i in new if i not in old)
    removed = tuple(ElementChange(i, old[i][0], old[i][1]) for i in old if i not in new)
    changed = tuple(ElementChange(i, new[i][0], new[i][1] or old[i][1], what) for i in old
                    if i in new and (what := _what(old[i], new[i])))
    return VersionDiff(key, old_version, new_version, added, removed, changed)


def compare_versions(key: str, old_version: int, new_version: int) -> VersionDiff:
    """What was added, removed or changed from one stored version to another."""
    with unit_of_work(write=False) as s:
        old = definitions.load_definition(s, key, old_version)
        new = definitions.load_definition(s, key, new_version)
        return diff_xml(key, old.version, new.version, old.bpmn_xml, new.bpmn_xml)
