"""A diagram as a graph of its sequence flows: which flows lie between two human steps.

The step statistics (`engine.runtime.step_statistics`) know which human steps followed one another in a case (task rows);
the gateways, events and script tasks between them leave no row. `FlowGraph.path` finds the flows a case took from
one human step to the next: the shortest way along sequence flows that passes no other human step (ties: the
flow written first in the diagram). Embedded sub-processes are entered at their start events and left from their
end events; boundary events are not followed (a step that was completed did not leave by its boundary).
"""
from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from functools import lru_cache

from lxml import etree

from . import bpmn_xml

BPMN = bpmn_xml.BPMN_NS
HUMAN = frozenset({"userTask", "manualTask"})
_NODES = frozenset({"startEvent", "endEvent", "intermediateCatchEvent", "intermediateThrowEvent", "boundaryEvent",
                    "task", "userTask", "manualTask", "scriptTask", "serviceTask", "sendTask", "receiveTask",
                    "businessRuleTask", "callActivity", "subProcess", "exclusiveGateway", "inclusiveGateway",
                    "parallelGateway", "eventBasedGateway", "complexGateway"})
_EXIT = "#exit"  # the node a sub-process is left from, after one of its end events
MAX_BYTES = 5_000_000


@dataclass(frozen=True)
class Flow:
    id: str
    source: str
    target: str
    name: str


@dataclass(frozen=True)
class FlowGraph:
    """One process of a diagram: its elements' names and kinds, its human steps and flows."""

    names: dict[str, str]
    kinds: dict[str, str]
    steps: tuple[str, ...]  # the human steps (user and manual tasks), in diagram order
    flows: tuple[Flow, ...]
    starts: tuple[str, ...]  # the process's own start events (not a sub-process's)
    ends: frozenset[str]  # the process's own end events
    outgoing: dict[str, tuple[tuple[str | None, str], ...]] = field(default_factory=dict)  # node → (flow, target)

    def path(self, source: str | None, target: str | None) -> tuple[str, ...] | None:
        """The flow ids from human step `source` (None: a start event) to human step `target` (None: an end
        event), passing no other human step; None when the diagram has no such way."""
        origins = self.starts if source is None else (source,)
        seen: set[str] = set(origins)
        queue: deque[tuple[str, tuple[str, ...]]] = deque((o, ()) for o in origins)
        while queue:
            node, taken = queue.popleft()
            for flow_id, nxt in self.outgoing.get(node, ()):
                way = taken + ((flow_id,) if flow_id else ())
                if nxt == target or (target is None and nxt in self.ends):
                    return way
                if nxt in seen or self.kinds.get(nxt) in HUMAN:
                    continue
                seen.add(nxt)
                queue.append((nxt, way))
        return None


def _local(node: etree._Element) -> str:
    return etree.QName(node).localname if isinstance(node.tag, str) else ""


def _process(root: etree._Element, key: str) -> etree._Element:
    processes = root.findall(f"{{{BPMN}}}process")
    return next((p for p in processes if p.get("id") == key), processes[0] if processes else root)


def _edges(process: etree._Element) -> tuple[list[Flow], dict[str, list[tuple[str | None, str]]]]:
    flows = [Flow(f.get("id", ""), f.get("sourceRef", ""), f.get("targetRef", ""), f.get("name") or "")
             for f in process.iter(f"{{{BPMN}}}sequenceFlow")]
    outgoing: dict[str, list[tuple[str | None, str]]] = {}
    for sub in process.iter(f"{{{BPMN}}}subProcess"):
        sid = sub.get("id", "")
        outgoing[sid] = [(None, c.get("id", "")) for c in sub if _local(c) == "startEvent"]
        for end in (c for c in sub if _local(c) == "endEvent"):
            outgoing.setdefault(end.get("id", ""), []).append((None, sid + _EXIT))
    subs = {s.get("id") for s in process.iter(f"{{{BPMN}}}subProcess")}
    for flow in flows:
        source = flow.source + _EXIT if flow.source in subs else flow.source
        outgoing.setdefault(source, []).append((flow.id, flow.target))
    return flows, outgoing


@lru_cache(maxsize=64)
def graph_of(checksum: str, bpmn_xml_text: str, key: str) -> FlowGraph:
    """The flow graph of process `key` in a diagram (cached by the version's checksum)."""
    process = _process(bpmn_xml.parse(bpmn_xml_text.encode("utf-8"), MAX_BYTES), key)
    names: dict[str, str] = {}
    kinds: dict[str, str] = {}
    for node in process.iter():
        kind = _local(node)
        if kind in _NODES and node.get("id"):
            kinds[node.get("id", "")] = kind
            names[node.get("id", "")] = (node.get("name") or "").strip() or node.get("id", "")
    flows, outgoing = _edges(process)
    top = [c for c in process if _local(c) in _NODES]
    return FlowGraph(names=names, kinds=kinds, steps=tuple(i for i, k in kinds.items() if k in HUMAN),
                     flows=tuple(flows), starts=tuple(c.get("id", "") for c in top if _local(c) == "startEvent"),
                     ends=frozenset(c.get("id", "") for c in top if _local(c) == "endEvent"),
                     outgoing={k: tuple(v) for k, v in outgoing.items()})
